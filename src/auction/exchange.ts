import { performance } from 'node:perf_hooks';
import type { BuyerTransport } from '../buyers/transport.js';
import { GavelError } from '../core/codes.js';
import type { BuyerRuntime, CampaignRuntime, Runtime, SellerRuntime } from '../config/runtime.js';
import type { Lead } from '../config/lead-schema.js';
import { fromMicros, payout, type MarginRuntime } from '../core/money.js';
import { counts, judges, limitsAt } from '../core/cap-limits.js';
import type { Refusal, Store, Verdict } from '../store/store.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { LeadsEnvelope, PingAnswer, PingEnvelope, PostAnswer, PostEnvelope } from '../protocol/seller-api.js';
import { decodeState, encodeState } from './auction-state.js';
import { leadDigests, payloadDigest, type LeadDigests } from './dedup-key.js';
import { fanOut, MIN_BUYER_BUDGET_MS, type FanOutResult } from './fan-out.js';
import { pinged, rankPlan, type RankedBid } from './rank.js';
import type { AcceptRates } from '../market/accept-rates.js';
import type { BuyerGuards, GuardRefusal } from '../buyers/buyer-guards.js';
import type { LeadContext, RuleRefusal } from '../rules/buyer-rules.js';
import type { LeadScore } from '../scoring/lead-scorer.js';
import type { ScoreOutcome, ScorePool } from '../scoring/score-pool.js';
import { within, type StoreFailure } from '../core/within.js';
import type { LeadTrace, TraceStage } from '../trace/lead-trace.js';
import { saleId } from '../ledger/sales-queue.js';
import type { SaleRecorder } from '../ledger/sale-recorder.js';

/** A hold outlives the bid it backs by this much, so a post that starts just before expiry still finds it. */
const HOLD_SLACK_MS = 5_000;
/** After its post, a ping id is remembered this long, so a second post is ALREADY_POSTED, not PING_EXPIRED. */
const POSTED_RETENTION_MS = 24 * 3_600_000;
const ROOM: Verdict = Object.freeze({ ok: true });

export interface ExchangeParts {
  runtime: Runtime;
  store: Store;
  transports: ReadonlyMap<string, BuyerTransport>;
  metrics: Metrics;
  log: Logger;
  /** null when no campaign scores its leads */
  scores: ScorePool | null;
  guards: BuyerGuards;
  acceptRates: AcceptRates;
  /** where sales go on their way to the ledger; null: the ledger is off */
  sales: SaleRecorder | null;
  /** told, once a post or a direct post has settled a lead, of the bidders that did not get it; null: no buyer asked */
  lossNotices: ((leadId: string, test: boolean, lost: readonly LostBid[], clearingMicros: number | null) => void) | null;
}

/** A bidder that did not get a lead, and why: its post was refused, another was sold it, or no one was. */
export interface LostBid {
  buyer: string;
  bidMicros: number;
  reason: 'POST_REJECTED' | 'OUTBID' | 'NOT_SOLD';
}

/** the bidders of a settled lead that did not get it, each once */
function losers(bids: readonly RankedBid[], sales: readonly { buyer: string }[], refused: ReadonlySet<string>): LostBid[] {
  const sold = new Set(sales.map((x) => x.buyer));
  const lost: LostBid[] = [];
  for (const b of bids) {
    if (sold.has(b.buyer) || lost.some((l) => l.buyer === b.buyer)) continue;
    lost.push({ buyer: b.buyer, bidMicros: b.bidMicros, reason: refused.has(b.buyer) ? 'POST_REJECTED' : sold.size > 0 ? 'OUTBID' : 'NOT_SOLD' });
  }
  return lost;
}

/** What an auction leaves for its answer and its post. */
interface AuctionResult {
  eligible: number;
  ranked: RankedBid[];
  score: LeadScore | null;
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
  private readonly marginMs: number;
  private readonly maxBids: number;
  private readonly scores: ScorePool | null;
  private readonly acceptRates: AcceptRates;
  private readonly guards: BuyerGuards;
  private readonly sales: SaleRecorder | null;
  private readonly lossNotices: ExchangeParts['lossNotices'];
  private readonly perBuyer = new Map<string, { ms: { observe(v: number): void }; bids: { inc(): void } }>();

  constructor(parts: ExchangeParts) {
    this.runtime = parts.runtime;
    this.store = parts.store;
    this.transports = parts.transports;
    this.metrics = parts.metrics;
    this.log = parts.log;
    this.buyers = new Map(parts.runtime.buyers.map((b) => [b.id, b]));
    this.marginMs = parts.runtime.data.server.response_margin_ms;
    this.maxBids = parts.runtime.data.server.max_bids;
    this.scores = parts.scores;
    this.acceptRates = parts.acceptRates;
    this.guards = parts.guards;
    this.sales = parts.sales;
    this.lossNotices = parts.lossNotices;
  }

  private campaignFor(seller: SellerRuntime, id: string): CampaignRuntime {
    const c = this.runtime.campaigns.get(id);
    if (c === undefined || (seller.campaigns !== null && !seller.campaigns.has(id))) {
      throw new GavelError('UNKNOWN_CAMPAIGN', `No campaign "${id}" for this seller`, [{ path: 'campaign', message: 'unknown campaign' }]);
    }
    return c;
  }

  private storeFailed(op: string): (kind: StoreFailure) => void {
    return (kind) => this.metrics.storeErrors.inc({ op, kind });
  }

  /**
   * Whether a lead goes on: the seller's gate (rate limit, then the same payload within the
   * resubmission window), then a claim per dedup rule whose identifiers it carries. The gate
   * comes first so a refused request never claims a consumer's identifiers. Only a payload
   * with personal data can be a resubmission: two pings of partial leads alike (same zip,
   * same age) are usually two consumers.
   */
  private async admit(route: string, seller: SellerRuntime, c: CampaignRuntime, env: PingEnvelope, lead: Lead, digests: LeadDigests, owner: string, by: number, trace: LeadTrace): Promise<'ok' | 'DUPLICATE' | 'RESUBMITTED'> {
    const outcome = await this.gate(route, seller, c, env, lead, digests, owner, by);
    trace.dedup(outcome);
    if (outcome === 'RATE_LIMITED') throw new GavelError('RATE_LIMITED', `Seller ${seller.id} is over its rate limit`);
    return outcome;
  }

  private async gate(route: string, seller: SellerRuntime, c: CampaignRuntime, env: PingEnvelope, lead: Lead, digests: LeadDigests, owner: string, by: number): Promise<'ok' | 'DUPLICATE' | 'RESUBMITTED' | 'RATE_LIMITED'> {
    const identified = c.schema.piiFields.some((f) => lead[f] !== undefined);
    if (identified || seller.rate !== null) {
      const digest = identified ? payloadDigest(this.runtime.secret, route, env) : null;
      const gate = await within(
        this.store.gateSeller(seller.id, seller.rate, digest, this.runtime.resubmitWindowMs, Date.now()),
        by - performance.now(),
        this.storeFailed('seller_gate'),
      );
      if (gate !== 'ok') return gate;
    }
    return (await this.claim(digests, owner, by)) ? 'ok' : 'DUPLICATE';
  }

  /** claim every rule's identifiers for `owner`; false at the first that another lead holds */
  private async claim(digests: LeadDigests, owner: string, by: number): Promise<boolean> {
    for (const c of digests.claims) {
      const ok = await within(this.store.claimDedup(c.scopeKey, c.digests, owner, c.windowMs, Date.now()), by - performance.now(), this.storeFailed('dedup'));
      if (!ok) return false;
    }
    return true;
  }

  /** A buyer left out of a lead, at any stage: counted, traced with its reason, logged at debug. */
  private leftOut(trace: LeadTrace, stage: TraceStage, buyer: string, refusal: Refusal | { reason: RuleRefusal | GuardRefusal }): void {
    this.metrics.leftOut.inc({ buyer, reason: refusal.reason });
    trace.buyer(buyer, stage, refusal.reason, refusal.reason === 'CAP_REACHED' ? `${refusal.limit} ${refusal.window}` : undefined);
    if (this.log.isLevelEnabled('debug')) this.log.debug({ buyer, lead_id: trace.id, stage, ...refusal }, 'buyer left out');
  }

  /**
   * The campaign's buyers that may be pinged: room in every cap window where the counters
   * already say so, no purchase of this lead, within their ping rate (one script call each,
   * pipelined). The hold stays the judge when two auctions race for the last room.
   */
  private async eligible(c: CampaignRuntime, who: LeadContext & { floorMicros: number }, bought: readonly string[], budgetMs: number, trace: LeadTrace): Promise<BuyerRuntime[]> {
    const now = who.now;
    const candidates: BuyerRuntime[] = [];
    const checks: (Verdict | Promise<Verdict>)[] = [];
    let stored = false;
    for (const b of c.buyers) {
      // the buyer's own rules first: in-process, no store call for a buyer that would not take the lead
      const refusal = b.rules(who);
      if (refusal !== null) {
        this.leftOut(trace, 'eligibility', b.id, { reason: refusal });
        continue;
      }
      candidates.push(b);
      const rules = b.caps.get(c.id)!;
      // a test lead counts against no cap, so no cap can refuse it
      const asks = !who.test && (judges(rules) || bought.length > 0);
      stored ||= asks;
      checks.push(asks ? this.store.checkBuyer(b.id, limitsAt(rules, now), bought, rules.pingRate, who.floorMicros, now) : ROOM);
    }
    // no buyer with a window to judge or a purchase to check: no store call to wait for
    const verdicts = stored ? await within(Promise.all(checks), budgetMs, this.storeFailed('check_buyer')) : (checks as Verdict[]);
    const out: BuyerRuntime[] = [];
    for (let i = 0; i < verdicts.length; i++) {
      const v = verdicts[i]!;
      const b = candidates[i]!;
      if (!v.ok) {
        this.leftOut(trace, 'eligibility', b.id, v);
        continue;
      }
      // last, since a slot taken must be given back: pings in flight and the breaker (a fixed-price buyer is not pinged)
      const guard = pinged(b) ? this.guards.take(b.id, now) : null;
      if (guard === null) {
        out.push(b);
        // a pinged buyer's ping says it was eligible (the operator's view puts the entry back)
        if (!pinged(b)) trace.buyer(b.id, 'eligibility', 'ELIGIBLE');
      } else this.leftOut(trace, 'eligibility', b.id, { reason: guard });
    }
    return out;
  }

  /**
   * Whether selling this lead to this buyer touches the store: a cap window to hold room in, or
   * the lead's identifiers to check against (and add to) what the buyer bought. A buyer with
   * neither takes no hold: there is nothing a hold would keep, and a store call per auction saved.
   */
  private holds(buyer: BuyerRuntime, campaign: string, bought: readonly string[]): boolean {
    return bought.length > 0 || counts(buyer.caps.get(campaign)!);
  }

  private holdFor(buyer: BuyerRuntime, campaign: string, holdId: string, priceMicros: number, bought: readonly string[], expiresAt: number): Promise<Verdict> {
    const now = Date.now();
    return this.store.hold(buyer.id, holdId, priceMicros, limitsAt(buyer.caps.get(campaign)!, now), bought, now, expiresAt);
  }

  private pingBody(pingId: string, c: CampaignRuntime, lead: Lead, test: boolean): string {
    // serialised once per auction; each buyer's own tmax_ms closes it (see HttpBuyerTransport.ping)
    return `{"ping_id":"${pingId}","campaign":${JSON.stringify(c.id)},"test":${test},"lead":${JSON.stringify(c.schema.pingView(lead))},"tmax_ms":`;
  }

  /** a buyer's per-ping metrics, their label sets looked up once: every ping of every buyer passes here */
  private buyerMetrics(buyer: string): { ms: { observe(v: number): void }; bids: { inc(): void } } {
    let m = this.perBuyer.get(buyer);
    if (m === undefined) {
      m = { ms: this.metrics.buyerMs.cell({ buyer }), bids: this.metrics.bids.cell({ buyer }) };
      this.perBuyer.set(buyer, m);
    }
    return m;
  }

  private count(results: readonly FanOutResult[], floorMicros: number, trace: LeadTrace, sentAt: number): void {
    for (const { buyer, result } of results) {
      const m = this.buyerMetrics(buyer.id);
      m.ms.observe(result.ms);
      trace.ping(buyer.id, sentAt, result);
      if (result.kind === 'bid') {
        m.bids.inc();
        if (result.bidMicros < floorMicros) {
          this.metrics.passes.inc({ buyer: buyer.id, kind: 'BELOW_FLOOR' });
          trace.buyer(buyer.id, 'rank', 'BELOW_FLOOR');
        }
      } else {
        this.metrics.passes.inc({ buyer: buyer.id, kind: result.pass });
        if (result.pass === 'TIMEOUT') this.metrics.timeouts.inc({ buyer: buyer.id });
      }
    }
  }

  /**
   * Score the lead on the pool while every eligible buyer is pinged, then rank the bids; the
   * score is joined only if it is back by `collectBy`, which bounds the whole of it.
   */
  private async auction(c: CampaignRuntime, who: LeadContext & { floorMicros: number }, trace: LeadTrace, lead: Lead, bought: readonly string[], collectBy: number): Promise<AuctionResult> {
    const test = who.test;
    const buyers = await this.eligible(c, who, bought, collectBy - performance.now(), trace);
    if (buyers.length === 0) return { eligible: 0, ranked: [], score: null };
    // scored only when some buyer may take it: a lead no one is pinged for is not worth a worker's time
    const ticket = c.scoring !== null && this.scores !== null ? this.scores.score(c.id, lead) : null;
    const toPing = buyers.filter(pinged);
    const sentAt = Date.now();
    const pingedAt = performance.now();
    const results = toPing.length === 0 ? [] : await fanOut(c.id, toPing, this.transports, this.pingBody(trace.id, c, lead, test), collectBy);
    const settledAt = Date.now();
    for (const r of results) this.guards.settle(r.buyer.id, r.result, settledAt, sentAt);
    this.count(results, who.floorMicros, trace, pingedAt);
    // a fixed-price buyer is not pinged: its price is its bid, and under the floor it cannot rank
    for (const b of buyers) if (!pinged(b) && b.priceMicros! < who.floorMicros) trace.buyer(b.id, 'rank', 'BELOW_FLOOR');
    const score = ticket === null ? null : this.scored(c, await ticket.by(collectBy), trace);
    const now = Date.now();
    const grade = score?.grade ?? null;
    const ranked = await rankPlan(c, results, this.maxBids, {
      floorMicros: who.floorMicros,
      grade,
      chance: c.rankBy === 'expected_value' ? (buyer) => this.acceptRates.chance(buyer, grade, now) : null,
      belowGrade: (buyer) => {
        this.metrics.passes.inc({ buyer, kind: 'BELOW_GRADE' });
        trace.buyer(buyer, 'rank', 'BELOW_GRADE');
      },
      fixed: new Set(buyers.filter((b) => !pinged(b)).map((b) => b.id)),
      turn: (tier, candidates) => within(this.store.takeTurn(tier.turnKey, candidates), collectBy + this.marginMs - performance.now() - 1, this.storeFailed('turn')),
    });
    trace.ranking(ranked);
    return { eligible: buyers.length, ranked, score };
  }

  private scored(c: CampaignRuntime, outcome: ScoreOutcome, trace: LeadTrace): LeadScore | null {
    this.metrics.scores.inc({ campaign: c.id, outcome: outcome.kind === 'scored' ? outcome.grade : outcome.reason });
    trace.score(outcome);
    return outcome.kind === 'scored' ? { score: outcome.score, grade: outcome.grade } : null;
  }

  /** What the buyers' rules judge a lead by; `pingFields` null: a full lead, every field known. */
  private context(c: CampaignRuntime, seller: SellerRuntime, env: PingEnvelope, lead: Lead, pingFields: ReadonlySet<string> | null): LeadContext & { floorMicros: number } {
    return {
      floorMicros: seller.floorMicros ?? c.floorMicros,
      seller: seller.id,
      sellerBuyers: seller.buyers,
      subId: env.sub_id,
      test: env.test,
      lead,
      // at a ping, a field that is not a ping field may yet come with the post: unknown until then
      known: pingFields === null ? () => true : (f) => pingFields.has(f) || lead[f] !== undefined,
      now: Date.now(),
    };
  }

  /** When the answer to this ping must have left (performance.now() ms); null for an unknown campaign. */
  pingDeadline(env: PingEnvelope, receivedAt: number): number | null {
    const c = this.runtime.campaigns.get(env.campaign);
    return c === undefined ? null : receivedAt + Math.min(env.tmax_ms ?? c.tmaxMs, c.maxTmaxMs);
  }

  /** POST /v1/ping */
  async ping(seller: SellerRuntime, env: PingEnvelope, receivedAt: number, trace: LeadTrace): Promise<PingAnswer> {
    const c = this.campaignFor(seller, env.campaign);
    trace.lead(c.id, env.sub_id, env.test);
    const parsed = c.schema.parsePing(env.lead);
    if (!parsed.ok) {
      trace.invalid(parsed.details);
      throw new GavelError('INVALID_LEAD', undefined, parsed.details);
    }
    const lead = parsed.lead;
    const tmax = Math.min(env.tmax_ms ?? c.tmaxMs, c.maxTmaxMs);
    const answerBy = receivedAt + tmax;
    const collectBy = answerBy - this.marginMs;
    const pingId = trace.id;

    // a deadline that leaves no buyer time to answer is a NO_BID at once: nothing claimed, nothing held
    if (collectBy - performance.now() < MIN_BUYER_BUDGET_MS) {
      return this.answered(c, seller, env, receivedAt, 0, { status: 'no_bid', ping_id: pingId, reason: 'NO_BID' });
    }
    const digests = leadDigests(this.runtime.secret, c.dedup, lead, env.test);
    const admitted = await this.admit('ping', seller, c, env, lead, digests, pingId, collectBy, trace);
    if (admitted !== 'ok') {
      if (admitted === 'DUPLICATE') this.metrics.duplicates.inc({ campaign: c.id });
      return this.answered(c, seller, env, receivedAt, 0, { status: 'duplicate', reason: admitted });
    }
    const bought = digests.bought.map((b) => b.digest);
    const { eligible, ranked, score } = await this.auction(c, this.context(c, seller, env, lead, c.schema.pingFields), trace, lead, bought, collectBy);
    const settleFrom = performance.now();
    if (eligible === 0) return this.answered(c, seller, env, receivedAt, settleFrom, { status: 'no_bid', ping_id: pingId, reason: 'NO_ELIGIBLE_BUYER' });
    if (ranked.length === 0) return this.answered(c, seller, env, receivedAt, settleFrom, { status: 'no_bid', ping_id: pingId, reason: 'NO_BID' });

    // hold the best bidder with room (a full cap passes the win down) and save the auction for
    // its post; for the best bidder both go out together, one round trip (auto-pipelined)
    const expiresAt = Date.now() + c.pingTtlMs;
    const fingerprint = c.schema.pingFingerprint(lead);
    const save = (bids: RankedBid[]) =>
      within(this.store.saveAuction(pingId, seller.id, encodeState(c.id, fingerprint, env.test, bids, score, env.sub_id), c.pingTtlMs), answerBy - performance.now() - 1, this.storeFailed('save_auction'));
    const hold = (bid: RankedBid) => {
      const buyer = this.buyers.get(bid.buyer)!;
      // a test lead counts against no cap; a buyer with no cap and nothing bought has nothing to hold
      if (env.test || !this.holds(buyer, c.id, bought)) return Promise.resolve(ROOM);
      return within(
        this.holdFor(buyer, c.id, pingId, bid.priceMicros, bought, expiresAt + HOLD_SLACK_MS),
        answerBy - performance.now() - 1,
        this.storeFailed('hold'),
        (late) => late.ok && void this.release(buyer.id, pingId),
      );
    };
    let winner = 0;
    let held: Verdict;
    try {
      const [first, saved] = await Promise.allSettled([hold(ranked[0]!), save(ranked)]);
      if (first.status === 'rejected') throw first.reason;
      held = first.value;
      if (saved.status === 'rejected') throw saved.reason;
      while (!held.ok && ++winner < ranked.length) {
        this.leftOut(trace, 'hold', ranked[winner - 1]!.buyer, held);
        held = await hold(ranked[winner]!);
        if (held.ok) await save(ranked.slice(winner));
      }
    } catch (e) {
      // a hold taken for an answer that is now an error must not pin the buyer's room until it expires
      if (winner < ranked.length) void this.release(ranked[winner]!.buyer, pingId);
      throw e;
    }
    if (!held.ok) {
      this.leftOut(trace, 'hold', ranked[winner - 1]!.buyer, held);
      // no hold, no bid: the saved auction is emptied so a post of this ping id cannot sell
      await save([]);
      return this.answered(c, seller, env, receivedAt, settleFrom, { status: 'no_bid', ping_id: pingId, reason: 'CAP_REACHED' });
    }
    // a shared tier offers what its top max_buyers bidders would pay out together
    const top = ranked[winner]!;
    trace.buyer(top.buyer, 'hold', 'HELD');
    const sharing = ranked.slice(winner).filter((x) => x.tier === top.tier).slice(0, c.plan[top.tier]?.maxBuyers ?? 1);
    const price = fromMicros(sharing.reduce((sum, x) => sum + payout(x.priceMicros, this.marginFor(x.buyer, seller, c)), 0));
    return this.answered(c, seller, env, receivedAt, settleFrom, { status: 'bid', ping_id: pingId, price, expires_at: new Date(expiresAt).toISOString(), bids: ranked.length });
  }

  /** The margin on a sale: the buyer's own, else the seller's, else the campaign's. */
  private marginFor(buyer: string, seller: SellerRuntime, c: CampaignRuntime): MarginRuntime {
    return this.buyers.get(buyer)?.margin ?? seller.margin ?? c.margin;
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
  async post(seller: SellerRuntime, env: PostEnvelope, receivedAt: number, trace: LeadTrace): Promise<PostAnswer> {
    // look first, claim last: a post with a bad lead must not burn the seller's ping
    const found = await within(this.store.readAuction(env.ping_id, seller.id), 1000, this.storeFailed('read_auction'));
    if (found.kind === 'expired') throw new GavelError('PING_EXPIRED');
    if (found.kind === 'posted') throw new GavelError('ALREADY_POSTED');
    const state = decodeState(found.data);
    if (state.bids.length === 0) throw new GavelError('PING_EXPIRED', 'This ping had no bid');
    const c = this.runtime.campaigns.get(state.campaign);
    if (c === undefined) throw new GavelError('PING_EXPIRED', 'The campaign of this ping is no longer configured');
    // the seller's own live ping: from here the post is part of the lead's trace
    trace.lead(c.id, undefined, state.test);
    const parsed = c.schema.parseFull(env.lead);
    if (!parsed.ok) {
      trace.invalid(parsed.details);
      throw new GavelError('INVALID_LEAD', undefined, parsed.details);
    }
    if (c.schema.pingFingerprint(parsed.lead) !== state.fingerprint) throw new GavelError('PING_MISMATCH');
    const deadline = receivedAt + c.postTmaxMs;
    const claim = await within(this.store.claimAuction(env.ping_id, seller.id, POSTED_RETENTION_MS), deadline - performance.now(), this.storeFailed('claim_auction'));
    if (claim.kind === 'expired') throw new GavelError('PING_EXPIRED');
    if (claim.kind === 'posted') throw new GavelError('ALREADY_POSTED');

    const leadId = env.ping_id;
    // the post carries every identifier: the rules the ping could not judge are judged now
    const digests = leadDigests(this.runtime.secret, c.dedup, parsed.lead, state.test);
    const unique = await this.claim(digests, env.ping_id, deadline);
    trace.dedup(unique ? 'ok' : 'DUPLICATE');
    if (!unique) {
      await this.release(state.bids[0]!.buyer, env.ping_id);
      this.metrics.duplicates.inc({ campaign: c.id });
      this.metrics.sales.inc({ campaign: c.id, outcome: 'duplicate' });
      return { status: 'rejected', lead_id: leadId, reason: 'DUPLICATE' };
    }
    return this.sell(c, seller, state.subId, trace, parsed.lead, state.test, state.bids, state.score, true, deadline, digests);
  }

  /** POST /v1/leads: the whole ping tree inside one call */
  async directPost(seller: SellerRuntime, env: LeadsEnvelope, receivedAt: number, trace: LeadTrace): Promise<PostAnswer> {
    const c = this.campaignFor(seller, env.campaign);
    trace.lead(c.id, env.sub_id, env.test);
    const parsed = c.schema.parseFull(env.lead);
    if (!parsed.ok) {
      trace.invalid(parsed.details);
      throw new GavelError('INVALID_LEAD', undefined, parsed.details);
    }
    const lead = parsed.lead;
    const leadId = trace.id;
    const deadline = receivedAt + c.postTmaxMs;
    const collectBy = receivedAt + Math.min(env.tmax_ms ?? c.tmaxMs, c.maxTmaxMs) - this.marginMs;
    const rejected = (reason: 'DUPLICATE' | 'RESUBMITTED' | 'NO_ELIGIBLE_BUYER' | 'NO_BID'): PostAnswer => {
      this.metrics.sales.inc({ campaign: c.id, outcome: reason.toLowerCase() });
      return { status: 'rejected', lead_id: leadId, reason };
    };
    if (collectBy - performance.now() < MIN_BUYER_BUDGET_MS) return rejected('NO_BID');
    const digests = leadDigests(this.runtime.secret, c.dedup, lead, env.test);
    const admitted = await this.admit('leads', seller, c, env, lead, digests, leadId, collectBy, trace);
    if (admitted !== 'ok') {
      if (admitted === 'DUPLICATE') this.metrics.duplicates.inc({ campaign: c.id });
      return rejected(admitted);
    }
    const { eligible, ranked, score } = await this.auction(c, this.context(c, seller, env, lead, null), trace, lead, digests.bought.map((b) => b.digest), collectBy);
    if (eligible === 0) return rejected('NO_ELIGIBLE_BUYER');
    if (ranked.length === 0) return rejected('NO_BID');
    return this.sell(c, seller, env.sub_id ?? null, trace, lead, env.test, ranked, score, false, deadline, digests);
  }

  private async release(buyer: string, holdId: string): Promise<void> {
    // a release that fails is harmless: the hold expires by itself
    await this.store.releaseHold(buyer, holdId, Date.now()).catch(() => this.metrics.storeErrors.inc({ op: 'release', kind: 'error' }));
  }

  /**
   * Post the full lead down the ranked bids until one accepts: hold (or, for a ping's winner,
   * extend its hold), post, then commit on accept or release on reject. Never reports a sale
   * a buyer did not accept.
   */
  private async sell(
    c: CampaignRuntime,
    seller: SellerRuntime,
    subId: string | null,
    trace: LeadTrace,
    lead: Lead,
    test: boolean,
    bids: readonly RankedBid[],
    score: LeadScore | null,
    firstHeld: boolean,
    deadline: number,
    digests: LeadDigests,
  ): Promise<PostAnswer> {
    const leadId = trace.id;
    let reason: 'POST_REJECTED' | 'CAP_REACHED' | 'TIMEOUT' | 'POST_UNCONFIRMED' | 'NO_ELIGIBLE_BUYER' = 'POST_REJECTED';
    let message: string | undefined;
    const bought = digests.bought.map((b) => b.digest);
    // a shared tier sells to up to its max_buyers; once a tier has sold, no later tier is tried
    const sales: { buyer: string; priceMicros: number; payoutMicros: number; redirectUrl: string | undefined }[] = [];
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
      const buyer = this.buyers.get(bid.buyer);
      const transport = this.transports.get(bid.buyer);
      if (buyer === undefined || transport === undefined) continue; // removed from this process's config since the ping
      const left = deadline - performance.now();
      if (left < MIN_BUYER_BUDGET_MS) {
        reason = 'TIMEOUT';
        break;
      }
      // the full lead answers what the ping could not: a filter on a field that was not in it
      if (buyer.filter !== null && !buyer.filter(lead)) {
        this.leftOut(trace, 'post', buyer.id, { reason: 'FILTERED' });
        if (i === 0 && firstHeld && !test && this.holds(buyer, c.id, bought)) void this.release(buyer.id, leadId);
        reason = 'NO_ELIGIBLE_BUYER';
        continue;
      }
      const holdUntil = Date.now() + left + HOLD_SLACK_MS;
      let verdict: Verdict = { ok: false, reason: 'ALREADY_SOLD_TO_BUYER' };
      // a test lead, or a buyer with no cap and no identifiers of the lead to check: no hold (see holds())
      const held = !test && this.holds(buyer, c.id, bought);
      const extended = !held ? 'held' : i === 0 && firstHeld ? await within(this.store.extendHold(buyer.id, leadId, holdUntil, Date.now(), bought), left, this.storeFailed('extend')) : 'gone';
      if (extended === 'held') verdict = ROOM;
      else if (extended === 'gone') verdict = await within(this.holdFor(buyer, c.id, leadId, bid.priceMicros, bought, holdUntil), left, this.storeFailed('hold'));
      if (!verdict.ok) {
        this.leftOut(trace, 'hold', buyer.id, verdict);
        reason = verdict.reason === 'CAP_REACHED' ? 'CAP_REACHED' : 'NO_ELIGIBLE_BUYER';
        continue;
      }
      const budget = Math.min(buyer.config.post_timeout_ms, Math.floor(deadline - performance.now()));
      const body = JSON.stringify({ ping_id: leadId, bid_id: bid.bidId ?? null, price: fromMicros(bid.priceMicros), test, tmax_ms: budget, score: score?.score ?? null, grade: score?.grade ?? null, lead });
      const postedAt = performance.now();
      const outcome = await transport.post(c.id, body, budget);
      trace.post(buyer.id, bid.priceMicros, postedAt, outcome);
      // what ranking by expected value learns from; a post left unanswered counts as not accepted
      void this.acceptRates.record(buyer.id, score?.grade ?? null, outcome.accepted ? 'accepted' : 'rejected', Date.now());
      if (outcome.accepted) {
        this.metrics.posts.inc({ buyer: buyer.id, result: 'accepted' });
        const now = Date.now();
        const purchases = digests.bought.map((b) => ({ digest: b.digest, until: now + b.windowMs }));
        const payoutMicros = payout(bid.priceMicros, this.marginFor(buyer.id, seller, c));
        // the sale is in the ledger (or the durable queue, and kept here) before the seller hears
        // of it, alongside the commit; a test lead is no money and is not recorded
        const queued =
          test || this.sales === null
            ? undefined
            : this.sales.record(
                { id: saleId(leadId, buyer.id), lead_id: leadId, campaign: c.id, seller: seller.id, sub_id: subId, buyer: buyer.id, price_micros: bid.priceMicros, payout_micros: payoutMicros, grade: score?.grade ?? null, at: now },
                deadline - performance.now(),
              );
        const [committed] = await Promise.all([!held || this.store.commitHold(buyer.id, leadId, now, purchases).catch(() => false), queued]);
        // the buyer accepted, so it is a sale; a commit that failed is an operator alarm, not a lie to the seller
        if (!committed) {
          this.metrics.storeErrors.inc({ op: 'commit', kind: 'error' });
          this.log.error({ lead_id: leadId, buyer: buyer.id }, 'sale accepted but its cap hold could not be committed');
        }
        trace.sold(buyer.id, bid.priceMicros, payoutMicros);
        sales.push({ buyer: buyer.id, priceMicros: bid.priceMicros, payoutMicros, redirectUrl: outcome.redirectUrl });
        slots++;
        continue;
      }
      this.metrics.posts.inc({ buyer: buyer.id, result: !outcome.unconfirmed ? 'rejected' : outcome.reason === 'TIMEOUT' ? 'timeout' : 'unconfirmed' });
      refused.add(buyer.id);
      // no accept reached Gavel, so no sale is counted against the buyer's caps
      if (held) await this.release(buyer.id, leadId);
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
    const notify = this.lossNotices;
    if (notify !== null) {
      const lost = losers(bids, sales, refused);
      if (lost.length > 0) notify(leadId, test, lost, sales.length === 0 ? null : Math.min(...sales.map((x) => x.priceMicros)));
    }
    if (sales.length > 0) {
      this.metrics.sales.inc({ campaign: c.id, outcome: 'sold' });
      const answer: PostAnswer = { status: 'sold', lead_id: leadId, price: fromMicros(sales.reduce((sum, x) => sum + x.payoutMicros, 0)) };
      if (sales.length > 1 || (c.plan[tierAt]?.maxBuyers ?? 1) > 1) answer.buyers = sales.length;
      const redirect = sales.find((x) => x.redirectUrl !== undefined)?.redirectUrl;
      if (redirect !== undefined) answer.redirect_url = redirect;
      return answer;
    }
    this.metrics.sales.inc({ campaign: c.id, outcome: reason.toLowerCase() });
    const answer: PostAnswer = { status: 'rejected', lead_id: leadId, reason };
    if (message !== undefined && answer.status === 'rejected') answer.message = message;
    return answer;
  }
}
