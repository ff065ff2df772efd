import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { BuyerTransport } from '../buyers/transport.js';
import { GavelError } from '../codes.js';
import type { BuyerRuntime, CampaignRuntime, Runtime, SellerRuntime } from '../config/runtime.js';
import type { Lead } from '../lead/lead-schema.js';
import { fromMicros, sellerPrice } from '../money.js';
import { capWindows } from '../store/cap-windows.js';
import { keys } from '../store/keys.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { LeadsEnvelope, PingAnswer, PingEnvelope, PostAnswer, PostEnvelope } from '../front/seller-api.js';
import { decodeState, encodeState } from './auction-state.js';
import { dedupDigest } from './dedup-key.js';
import { fanOut, MIN_BUYER_BUDGET_MS, type FanOutResult } from './fan-out.js';
import { rankHighest, type RankedBid } from './rank.js';
import { within } from './within.js';

/** A hold outlives the bid it backs by this much, so a post that starts just before expiry still finds it. */
const HOLD_SLACK_MS = 5_000;
/** After its post, a ping id is remembered this long, so a second post is ALREADY_POSTED, not PING_EXPIRED. */
const POSTED_RETENTION_MS = 24 * 3_600_000;

export interface ExchangeParts {
  runtime: Runtime;
  store: Store;
  transports: ReadonlyMap<string, BuyerTransport>;
  metrics: Metrics;
  log: Logger;
}

/**
 * The path of one lead (DESIGN "One ping, end to end"): dedup, eligibility, fan-out, rank,
 * hold, answer; and the post with its fall-through. Times are performance.now() ms unless
 * named wall-clock; money is micros.
 */
export class Exchange {
  private readonly runtime: Runtime;
  private readonly store: Store;
  private readonly transports: ReadonlyMap<string, BuyerTransport>;
  private readonly metrics: Metrics;
  private readonly log: Logger;
  private readonly buyers: ReadonlyMap<string, BuyerRuntime>;
  private readonly order: ReadonlyMap<string, number>;
  private readonly marginMs: number;
  private readonly maxBids: number;

  constructor(parts: ExchangeParts) {
    this.runtime = parts.runtime;
    this.store = parts.store;
    this.transports = parts.transports;
    this.metrics = parts.metrics;
    this.log = parts.log;
    this.buyers = new Map(parts.runtime.buyers.map((b) => [b.id, b]));
    this.order = new Map(parts.runtime.buyers.map((b, i) => [b.id, i]));
    this.marginMs = parts.runtime.data.server.response_margin_ms;
    this.maxBids = parts.runtime.data.server.max_bids;
  }

  private campaignFor(seller: SellerRuntime, id: string): CampaignRuntime {
    const c = this.runtime.campaigns.get(id);
    if (c === undefined || (seller.campaigns !== null && !seller.campaigns.has(id))) {
      throw new GavelError('UNKNOWN_CAMPAIGN', `No campaign "${id}" for this seller`, [{ path: 'campaign', message: 'unknown campaign' }]);
    }
    return c;
  }

  private storeFailed(op: string): () => void {
    return () => this.metrics.storeErrors.inc({ op });
  }

  /** true when the identifiers pass dedup (or the campaign has none, or the lead lacks them) */
  private async dedupPasses(c: CampaignRuntime, lead: Lead, test: boolean, owner: string, budgetMs: number): Promise<boolean> {
    if (c.dedupFields === null) return true;
    const digest = dedupDigest(this.runtime.secret, c.id, c.dedupFields, lead, test);
    if (digest === null) return true;
    const ok = await within(this.store.claimDedup(keys.dedup(c.id, digest), owner, c.dedupWindowMs), budgetMs, this.storeFailed('dedup'));
    if (!ok) this.metrics.duplicates.inc({ campaign: c.id });
    return ok;
  }

  /** buyers of the campaign with room left in every cap window (one pipelined script call each) */
  private async eligible(c: CampaignRuntime, budgetMs: number): Promise<BuyerRuntime[]> {
    const now = Date.now();
    const checks: Promise<boolean>[] = [];
    for (const b of c.buyers) {
      const windows = capWindows(b.caps, now);
      checks.push(windows.length === 0 ? Promise.resolve(false) : this.store.capsFull(b.id, windows, now));
    }
    const full = await within(Promise.all(checks), budgetMs, this.storeFailed('caps_check'));
    return c.buyers.filter((_, i) => !full[i]);
  }

  private pingBody(pingId: string, c: CampaignRuntime, lead: Lead, test: boolean): string {
    // serialised once per auction; each buyer's own tmax_ms closes it (see HttpBuyerTransport.ping)
    return `{"ping_id":"${pingId}","campaign":${JSON.stringify(c.id)},"test":${test},"lead":${JSON.stringify(c.schema.pingView(lead))},"tmax_ms":`;
  }

  private count(results: readonly FanOutResult[], floorMicros: number): void {
    for (const { buyer, result } of results) {
      this.metrics.buyerMs.observe({ buyer: buyer.id }, result.ms);
      if (result.kind === 'bid') {
        this.metrics.bids.inc({ buyer: buyer.id });
        if (result.bidMicros < floorMicros) this.metrics.passes.inc({ buyer: buyer.id, kind: 'BELOW_FLOOR' });
      } else {
        this.metrics.passes.inc({ buyer: buyer.id, kind: result.pass });
        if (result.pass === 'TIMEOUT') this.metrics.timeouts.inc({ buyer: buyer.id });
      }
    }
  }

  /** ping every eligible buyer and rank the bids; `collectBy` bounds the whole of it */
  private async auction(c: CampaignRuntime, pingId: string, lead: Lead, test: boolean, collectBy: number): Promise<{ eligible: number; ranked: RankedBid[] }> {
    const buyers = await this.eligible(c, collectBy - performance.now());
    if (buyers.length === 0) return { eligible: 0, ranked: [] };
    const results = await fanOut(buyers, this.transports, this.pingBody(pingId, c, lead, test), collectBy);
    this.count(results, c.floorMicros);
    return { eligible: buyers.length, ranked: rankHighest(results, c.floorMicros, this.order, this.maxBids) };
  }

  /** When the answer to this ping must have left (performance.now() ms); null for an unknown campaign. */
  pingDeadline(env: PingEnvelope, receivedAt: number): number | null {
    const c = this.runtime.campaigns.get(env.campaign);
    return c === undefined ? null : receivedAt + Math.min(env.tmax_ms ?? c.tmaxMs, c.maxTmaxMs);
  }

  /** POST /v1/ping */
  async ping(seller: SellerRuntime, env: PingEnvelope, receivedAt: number): Promise<PingAnswer> {
    const c = this.campaignFor(seller, env.campaign);
    const parsed = c.schema.parsePing(env.lead);
    if (!parsed.ok) throw new GavelError('INVALID_LEAD', undefined, parsed.details);
    const lead = parsed.lead;
    const tmax = Math.min(env.tmax_ms ?? c.tmaxMs, c.maxTmaxMs);
    const answerBy = receivedAt + tmax;
    const collectBy = answerBy - this.marginMs;
    const pingId = randomUUID();

    // a deadline that leaves no buyer time to answer is a NO_BID at once: nothing claimed, nothing held
    if (collectBy - performance.now() < MIN_BUYER_BUDGET_MS) {
      return this.answered(c, seller, env, receivedAt, 0, { status: 'no_bid', ping_id: pingId, reason: 'NO_BID' });
    }
    if (!(await this.dedupPasses(c, lead, env.test, pingId, collectBy - performance.now()))) {
      return this.answered(c, seller, env, receivedAt, 0, { status: 'duplicate', reason: 'DUPLICATE' });
    }
    const { eligible, ranked } = await this.auction(c, pingId, lead, env.test, collectBy);
    const settleFrom = performance.now();
    if (eligible === 0) return this.answered(c, seller, env, receivedAt, settleFrom, { status: 'no_bid', ping_id: pingId, reason: 'NO_ELIGIBLE_BUYER' });
    if (ranked.length === 0) return this.answered(c, seller, env, receivedAt, settleFrom, { status: 'no_bid', ping_id: pingId, reason: 'NO_BID' });

    // hold the best bidder with room (a full cap passes the win down) and save the auction for
    // its post; for the best bidder both go out together, one round trip (auto-pipelined)
    const expiresAt = Date.now() + c.pingTtlMs;
    const fingerprint = c.schema.pingFingerprint(lead);
    const save = (bids: RankedBid[]) =>
      within(this.store.saveAuction(pingId, seller.id, encodeState(c.id, fingerprint, env.test, bids), c.pingTtlMs), answerBy - performance.now() - 1, this.storeFailed('save_auction'));
    const hold = (bid: RankedBid) => {
      const buyer = this.buyers.get(bid.buyer)!;
      const now = Date.now();
      return within(
        this.store.hold(buyer.id, pingId, bid.bidMicros, capWindows(buyer.caps, now), now, expiresAt + HOLD_SLACK_MS),
        answerBy - performance.now() - 1,
        this.storeFailed('hold'),
        (late) => late.ok && void this.release(buyer.id, pingId),
      );
    };
    let [held] = await Promise.all([hold(ranked[0]!), save(ranked)]);
    let winner = 0;
    while (!held.ok && ++winner < ranked.length) {
      held = await hold(ranked[winner]!);
      if (held.ok) await save(ranked.slice(winner));
    }
    if (!held.ok) {
      // no hold, no bid: the saved auction is emptied so a post of this ping id cannot sell
      await save([]);
      return this.answered(c, seller, env, receivedAt, settleFrom, { status: 'no_bid', ping_id: pingId, reason: 'CAP_REACHED' });
    }
    const price = fromMicros(sellerPrice(ranked[winner]!.bidMicros, c.marginPpm));
    return this.answered(c, seller, env, receivedAt, settleFrom, { status: 'bid', ping_id: pingId, price, expires_at: new Date(expiresAt).toISOString(), bids: ranked.length });
  }

  /** Every ping answer passes here: the settle time measured (part of what response_margin_ms must cover). */
  private answered(c: CampaignRuntime, seller: SellerRuntime, env: PingEnvelope, receivedAt: number, settleFrom: number, answer: PingAnswer): PingAnswer {
    const now = performance.now();
    if (settleFrom > 0) this.metrics.settleMs.observe(now - settleFrom);
    if (this.log.isLevelEnabled('debug')) {
      this.log.debug({ campaign: c.id, seller: seller.id, sub_id: env.sub_id, test: env.test, answer, ms: now - receivedAt }, 'ping answered');
    }
    return answer;
  }

  /** POST /v1/post */
  async post(seller: SellerRuntime, env: PostEnvelope, receivedAt: number): Promise<PostAnswer> {
    // look first, claim last: a post with a bad lead must not burn the seller's ping
    const found = await within(this.store.readAuction(env.ping_id, seller.id), 1000, this.storeFailed('read_auction'));
    if (found.kind === 'expired') throw new GavelError('PING_EXPIRED');
    if (found.kind === 'posted') throw new GavelError('ALREADY_POSTED');
    const state = decodeState(found.data);
    if (state.bids.length === 0) throw new GavelError('PING_EXPIRED', 'This ping had no bid');
    const c = this.runtime.campaigns.get(state.campaign);
    if (c === undefined) throw new GavelError('PING_EXPIRED', 'The campaign of this ping is no longer configured');
    const parsed = c.schema.parseFull(env.lead);
    if (!parsed.ok) throw new GavelError('INVALID_LEAD', undefined, parsed.details);
    if (c.schema.pingFingerprint(parsed.lead) !== state.fingerprint) throw new GavelError('PING_MISMATCH');
    const deadline = receivedAt + c.postTmaxMs;
    const claim = await within(this.store.claimAuction(env.ping_id, seller.id, POSTED_RETENTION_MS), deadline - performance.now(), this.storeFailed('claim_auction'));
    if (claim.kind === 'expired') throw new GavelError('PING_EXPIRED');
    if (claim.kind === 'posted') throw new GavelError('ALREADY_POSTED');

    const leadId = env.ping_id;
    const first = state.bids[0];
    if (!(await this.dedupPasses(c, parsed.lead, state.test, env.ping_id, deadline - performance.now()))) {
      if (first) await this.release(first.buyer, env.ping_id);
      this.metrics.sales.inc({ campaign: c.id, outcome: 'duplicate' });
      return { status: 'rejected', lead_id: leadId, reason: 'DUPLICATE' };
    }
    return this.sell(c, leadId, parsed.lead, state.test, state.bids, true, deadline);
  }

  /** POST /v1/leads: the whole ping tree inside one call */
  async directPost(seller: SellerRuntime, env: LeadsEnvelope, receivedAt: number): Promise<PostAnswer> {
    const c = this.campaignFor(seller, env.campaign);
    const parsed = c.schema.parseFull(env.lead);
    if (!parsed.ok) throw new GavelError('INVALID_LEAD', undefined, parsed.details);
    const lead = parsed.lead;
    const leadId = randomUUID();
    const deadline = receivedAt + c.postTmaxMs;
    const collectBy = receivedAt + Math.min(env.tmax_ms ?? c.tmaxMs, c.maxTmaxMs) - this.marginMs;
    const rejected = (reason: 'DUPLICATE' | 'NO_ELIGIBLE_BUYER' | 'NO_BID'): PostAnswer => {
      this.metrics.sales.inc({ campaign: c.id, outcome: reason.toLowerCase() });
      return { status: 'rejected', lead_id: leadId, reason };
    };
    if (collectBy - performance.now() < MIN_BUYER_BUDGET_MS) return rejected('NO_BID');
    if (!(await this.dedupPasses(c, lead, env.test, leadId, collectBy - performance.now()))) return rejected('DUPLICATE');
    const { eligible, ranked } = await this.auction(c, leadId, lead, env.test, collectBy);
    if (eligible === 0) return rejected('NO_ELIGIBLE_BUYER');
    if (ranked.length === 0) return rejected('NO_BID');
    return this.sell(c, leadId, lead, env.test, ranked, false, deadline);
  }

  private async release(buyer: string, holdId: string): Promise<void> {
    // a release that fails is harmless: the hold expires by itself
    await this.store.releaseHold(buyer, holdId, Date.now()).catch(() => this.metrics.storeErrors.inc({ op: 'release' }));
  }

  /**
   * Post the full lead down the ranked bids until one accepts: hold (or, for a ping's winner,
   * extend its hold), post, then commit on accept or release on reject. Never reports a sale
   * a buyer did not accept.
   */
  private async sell(c: CampaignRuntime, leadId: string, lead: Lead, test: boolean, bids: readonly RankedBid[], firstHeld: boolean, deadline: number): Promise<PostAnswer> {
    let reason: 'POST_REJECTED' | 'CAP_REACHED' | 'TIMEOUT' = 'POST_REJECTED';
    let message: string | undefined;
    for (let i = 0; i < bids.length; i++) {
      const bid = bids[i]!;
      const buyer = this.buyers.get(bid.buyer);
      const transport = this.transports.get(bid.buyer);
      if (buyer === undefined || transport === undefined) continue; // removed from this process's config since the ping
      const left = deadline - performance.now();
      if (left < MIN_BUYER_BUDGET_MS) {
        reason = 'TIMEOUT';
        break;
      }
      const now = Date.now();
      const holdUntil = now + left + HOLD_SLACK_MS;
      let held = i === 0 && firstHeld && (await within(this.store.extendHold(buyer.id, leadId, holdUntil, now), left, this.storeFailed('extend')));
      if (!held) {
        const r = await within(this.store.hold(buyer.id, leadId, bid.bidMicros, capWindows(buyer.caps, now), now, holdUntil), left, this.storeFailed('hold'));
        held = r.ok;
      }
      if (!held) {
        reason = 'CAP_REACHED';
        continue;
      }
      const body = JSON.stringify({ ping_id: leadId, bid_id: bid.bidId ?? null, price: fromMicros(bid.bidMicros), test, lead });
      const outcome = await transport.post(body, Math.min(buyer.config.post_timeout_ms, Math.floor(deadline - performance.now())));
      if (outcome.accepted) {
        this.metrics.posts.inc({ buyer: buyer.id, result: 'accepted' });
        const committed = await this.store.commitHold(buyer.id, leadId, Date.now()).catch(() => false);
        // the buyer accepted, so it is a sale; a commit that failed is an operator alarm, not a lie to the seller
        if (!committed) {
          this.metrics.storeErrors.inc({ op: 'commit' });
          this.log.error({ lead_id: leadId, buyer: buyer.id }, 'sale accepted but its cap hold could not be committed');
        }
        this.metrics.sales.inc({ campaign: c.id, outcome: 'sold' });
        const answer: PostAnswer = { status: 'sold', lead_id: leadId, price: fromMicros(sellerPrice(bid.bidMicros, c.marginPpm)) };
        if (outcome.redirectUrl !== undefined) answer.redirect_url = outcome.redirectUrl;
        return answer;
      }
      this.metrics.posts.inc({ buyer: buyer.id, result: 'rejected' });
      await this.release(buyer.id, leadId);
      reason = outcome.reason === 'TIMEOUT' ? 'TIMEOUT' : 'POST_REJECTED';
      message = outcome.reason ?? "REJECTED";
    }
    this.metrics.sales.inc({ campaign: c.id, outcome: reason.toLowerCase() });
    const answer: PostAnswer = { status: 'rejected', lead_id: leadId, reason };
    if (message !== undefined && answer.status === 'rejected') answer.message = message;
    return answer;
  }
}
