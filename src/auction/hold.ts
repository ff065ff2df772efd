import type { BuyerRuntime } from '../config/runtime.js';
import { limitsAt, counts } from '../core/cap-limits.js';
import { fromMicros, payout } from '../core/money.js';
import { within } from '../core/within.js';
import type { PingAnswer } from '../protocol/seller-api.js';
import { encodeState } from './auction-state.js';
import { storeBudget } from './deadline.js';
import { buyerOf, marginFor, type LeadRun } from './lead-run.js';
import type { RankedBid } from './rank.js';
import { leftOut, ROOM, storeFailed, type Uses } from './stage-parts.js';
import type { AuctionStore, CapStore, Verdict } from '../store/store.js';

/** A hold outlives the bid it backs by this much, so a post that starts just before expiry still finds it. */
export const HOLD_SLACK_MS = 5_000;

/**
 * Whether selling this lead to this buyer touches the store: a cap window to hold room in, or
 * the lead's identifiers to check against (and add to) what the buyer bought. A buyer with
 * neither takes no hold: there is nothing a hold would keep, and a store call per auction saved.
 * A test lead counts against no cap, so it holds nothing either.
 */
export function holds(run: LeadRun, buyer: BuyerRuntime): boolean {
  return !run.test && (run.bought.length > 0 || counts(buyer.caps.get(run.campaign.id)!));
}

/** Hold the run's lead and `priceMicros` in every cap window of the buyer, until `expiresAt` (wall-clock ms). */
export function holdFor(run: LeadRun, parts: { store: CapStore }, buyer: BuyerRuntime, priceMicros: number, expiresAt: number): Promise<Verdict> {
  const now = Date.now();
  return parts.store.hold(buyer.id, run.id, priceMicros, limitsAt(buyer.caps.get(run.campaign.id)!, now), run.bought, now, expiresAt);
}

export async function release(parts: Uses<'metrics', CapStore>, buyer: string, holdId: string): Promise<void> {
  // a release that fails is harmless: the hold expires by itself
  await parts.store.releaseHold(buyer, holdId, Date.now()).catch(() => parts.metrics.storeErrors.inc({ op: 'release', kind: 'error' }));
}

/**
 * What a ping's answer offers when `ranked[0]` is held: what its tier's top max_buyers bidders
 * would pay out together (one, in an exclusive tier), after each one's margin, in the seller
 * API's decimals. A replay (replay-ping.ts) offers by the same rule.
 */
export function tierOffer(run: Pick<LeadRun, 'runtime' | 'seller' | 'campaign'>, ranked: readonly RankedBid[]): number {
  const top = ranked[0]!;
  const sharing = ranked.filter((x) => x.tier === top.tier).slice(0, run.campaign.plan[top.tier]?.maxBuyers ?? 1);
  return fromMicros(sharing.reduce((sum, x) => sum + payout(x.priceMicros, marginFor(run, x.buyer)), 0));
}

/**
 * A ping's hold: the best bidder with room (a full cap passes the win down) is held, and the
 * auction saved for its post; for the best bidder both go out together, one round trip
 * (auto-pipelined). The answer offers what the held bidder's tier pays out: a shared tier, what
 * its top max_buyers bidders would pay out together.
 */
export async function holdWinner(run: LeadRun, parts: Uses<'metrics' | 'log', CapStore & AuctionStore>): Promise<PingAnswer> {
  const { campaign: c, bids: ranked, trace } = run;
  const pingId = run.id;
  const expiresAt = Date.now() + c.pingTtlMs;
  const fingerprint = c.schema.pingFingerprint(run.lead);
  const save = (bids: readonly RankedBid[]) =>
    within(
      parts.store.saveAuction(pingId, run.seller.id, encodeState(c.id, fingerprint, run.test, bids, run.score, run.subId, run.pingReceivedAt), c.pingTtlMs),
      storeBudget(run.answerBy),
      storeFailed(parts.metrics, 'save_auction'),
    );
  const hold = (bid: RankedBid) => {
    const buyer = buyerOf(run, bid.buyer)!;
    if (!holds(run, buyer)) return Promise.resolve(ROOM);
    return within(holdFor(run, parts, buyer, bid.priceMicros, expiresAt + HOLD_SLACK_MS), storeBudget(run.answerBy), storeFailed(parts.metrics, 'hold'), (late) => late.ok && void release(parts, buyer.id, pingId));
  };
  let winner = 0;
  let held: Verdict;
  try {
    const [first, saved] = await Promise.allSettled([hold(ranked[0]!), save(ranked)]);
    if (first.status === 'rejected') throw first.reason;
    held = first.value;
    if (saved.status === 'rejected') throw saved.reason;
    while (!held.ok && ++winner < ranked.length) {
      leftOut(parts, trace, 'hold', ranked[winner - 1]!.buyer, held);
      held = await hold(ranked[winner]!);
      if (held.ok) await save(ranked.slice(winner));
    }
  } catch (e) {
    // a hold taken for an answer that is now an error must not pin the buyer's room until it expires
    if (winner < ranked.length) void release(parts, ranked[winner]!.buyer, pingId);
    throw e;
  }
  if (!held.ok) {
    leftOut(parts, trace, 'hold', ranked[winner - 1]!.buyer, held);
    // no hold, no bid: the saved auction is emptied so a post of this ping id cannot sell
    await save([]);
    return { status: 'no_bid', ping_id: pingId, reason: 'CAP_REACHED' };
  }
  trace.buyer(ranked[winner]!.buyer, 'hold', 'HELD');
  const price = tierOffer(run, ranked.slice(winner));
  return { status: 'bid', ping_id: pingId, price, expires_at: new Date(expiresAt).toISOString(), bids: ranked.length };
}
