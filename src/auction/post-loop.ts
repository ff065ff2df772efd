import { performance } from 'node:perf_hooks';
import { fromMicros, payout } from '../core/money.js';
import { within } from '../core/within.js';
import type { PostAnswer } from '../protocol/seller-api.js';
import { postBudget, tooLittleTime } from './deadline.js';
import { HOLD_SLACK_MS, holdFor, holds, release } from './hold.js';
import { buyerOf, marginFor, type LeadRun } from './lead-run.js';
import { settle, settleSale, sold, type Sale, type UnsoldReason } from './settlement.js';
import { leftOut, ROOM, storeFailed, type Uses } from './stage-parts.js';
import type { CapStore, Verdict } from '../store/store.js';

type PostParts = Uses<'transports' | 'metrics' | 'log' | 'acceptRates' | 'sales' | 'lossNotices' | 'deliveries', CapStore>;

/**
 * Post the full lead down the run's bids until one accepts: hold (or, for a ping's winner, extend
 * the hold its ping took), post, then commit on accept or release on reject. A shared tier sells
 * to up to its max_buyers; once a tier has sold, no later tier is tried. Never reports a sale a
 * buyer did not accept. Ends by the run's `answerBy`.
 */
export async function postLoop(run: LeadRun, parts: PostParts): Promise<PostAnswer> {
  const { campaign: c, lead, test, trace, bids, score } = run;
  const leadId = run.id;
  const deadline = run.answerBy;
  // a post follows its ping, whose winner's hold is still live; a direct post has held nothing yet
  const firstHeld = run.route === 'post';
  let reason: UnsoldReason = 'POST_REJECTED';
  let message: string | undefined;
  const sales: Sale[] = [];
  const refused = new Set<string>();
  let tierAt = -1;
  let slots = 0;
  for (let i = 0; i < bids.length; i++) {
    const bid = bids[i]!;
    if (bid.tier !== tierAt) {
      if (sales.length > 0 || slots > 0) break;
      tierAt = bid.tier;
    }
    const maxBuyers = c.plan[bid.tier]?.maxBuyers ?? 1;
    if (slots >= maxBuyers) break;
    const buyer = buyerOf(run, bid.buyer);
    const transport = parts.transports.get(bid.buyer);
    // a post runs on the version live at the post: a buyer removed or paused since its ping is skipped
    // (its hold released), and the lead falls through to the next bid (ARCHITECTURE.md, "Live configuration")
    if (buyer === undefined || transport === undefined || !buyer.config.active) {
      leftOut(parts, trace, 'post', bid.buyer, { reason: 'BUYER_WITHDRAWN' });
      if (i === 0 && firstHeld) void release(parts, bid.buyer, leadId);
      reason = 'NO_ELIGIBLE_BUYER';
      continue;
    }
    const left = deadline - performance.now();
    if (tooLittleTime(left)) {
      reason = 'TIMEOUT';
      break;
    }
    // the full lead answers what the ping could not: a filter on a field that was not in it
    if (buyer.filter !== null && !buyer.filter(lead)) {
      leftOut(parts, trace, 'post', buyer.id, { reason: 'FILTERED' });
      if (i === 0 && firstHeld && holds(run, buyer)) void release(parts, buyer.id, leadId);
      reason = 'NO_ELIGIBLE_BUYER';
      continue;
    }
    const holdUntil = Date.now() + left + HOLD_SLACK_MS;
    let verdict: Verdict = { ok: false, reason: 'ALREADY_SOLD_TO_BUYER' };
    // a test lead, or a buyer with no cap and no identifiers of the lead to check: no hold (see holds())
    const held = holds(run, buyer);
    const extended = !held ? 'held' : i === 0 && firstHeld ? await within(parts.store.extendHold(buyer.id, leadId, holdUntil, Date.now(), run.bought), left, storeFailed(parts.metrics, 'extend')) : 'gone';
    if (extended === 'held') verdict = ROOM;
    else if (extended === 'gone') verdict = await within(holdFor(run, parts, buyer, bid.priceMicros, holdUntil), left, storeFailed(parts.metrics, 'hold'));
    if (!verdict.ok) {
      leftOut(parts, trace, 'hold', buyer.id, verdict);
      reason = verdict.reason === 'CAP_REACHED' ? 'CAP_REACHED' : 'NO_ELIGIBLE_BUYER';
      continue;
    }
    const budget = postBudget(buyer, deadline);
    const body = JSON.stringify({ ping_id: leadId, bid_id: bid.bidId ?? null, price: fromMicros(bid.priceMicros), test, tmax_ms: budget, score: score?.score ?? null, grade: score?.grade ?? null, lead });
    const postedAt = performance.now();
    const outcome = await transport.post(c.id, body, budget, run);
    trace.post(buyer.id, bid.priceMicros, postedAt, outcome);
    // what ranking by expected value learns from; a post left unanswered counts as not accepted
    void parts.acceptRates.record(buyer.id, score?.grade ?? null, outcome.accepted ? 'accepted' : 'rejected', Date.now());
    if (outcome.accepted) {
      parts.metrics.posts.inc({ buyer: buyer.id, result: 'accepted' });
      const now = Date.now();
      const sale: Sale = { buyer: buyer.id, priceMicros: bid.priceMicros, payoutMicros: payout(bid.priceMicros, marginFor(run, buyer.id)), redirectUrl: outcome.redirectUrl };
      const [committed] = await settleSale(run, parts, buyer, bid, sale.payoutMicros, held, now);
      sold(run, parts, sale, committed);
      parts.deliveries?.({ leadId, buyer: buyer.id, campaign: c.id, seller: run.seller.id, subId: run.subId ?? null, priceMicros: bid.priceMicros, grade: score?.grade ?? null, test, lead, at: now, pingReceivedAt: run.pingReceivedAt });
      sales.push(sale);
      slots++;
      continue;
    }
    parts.metrics.posts.inc({ buyer: buyer.id, result: !outcome.unconfirmed ? 'rejected' : outcome.reason === 'TIMEOUT' ? 'timeout' : 'unconfirmed' });
    refused.add(buyer.id);
    // no accept reached Gavel, so no sale is counted against the buyer's caps
    if (held) await release(parts, buyer.id, leadId);
    if (outcome.unconfirmed) {
      // The lead left Gavel for this buyer and no answer could be read: it may hold the full
      // lead, and may have taken it. Posting it to the next bidder could sell it twice and put
      // the consumer's data in a second buyer's hands, so an unconfirmed post ends the lead's way
      // through the exchange, but for the other buyers of a shared tier, which may share it
      // anyway: its slot counts as used.
      reason = outcome.reason === 'TIMEOUT' ? 'TIMEOUT' : 'POST_UNCONFIRMED';
      message =
        outcome.reason === 'TIMEOUT'
          ? `no answer from the buyer within ${budget} ms; the lead was not offered to another`
          : `the buyer's answer was lost (${outcome.reason}); the lead was not offered to another`;
      if (maxBuyers === 1) break;
      slots++;
      continue;
    }
    reason = 'POST_REJECTED';
    message = outcome.reason ?? 'REJECTED';
  }
  return settle(run, parts, sales, refused, c.plan[tierAt]?.maxBuyers ?? 1, reason, message);
}
