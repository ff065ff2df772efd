import { pinged, rankPlan, type RankedBid } from '../../src/auction/rank.js';
import { pass, readPingReply } from '../../src/buyers/buyer-replies.js';
import { BuyerGuards } from '../../src/buyers/buyer-guards.js';
import type { Bid, Pass } from '../../src/buyers/transport.js';
import { parseConfig } from '../../src/config/load-config.js';
import { compileRuntime, type BuyerRuntime, type CampaignRuntime, type Runtime, type SellerRuntime } from '../../src/config/runtime.js';
import { judges } from '../../src/core/cap-limits.js';
import { fromMicros, payout, type MarginRuntime } from '../../src/core/money.js';
import type { LeadContext } from '../../src/rules/buyer-rules.js';
import { takeTurn } from '../../src/store/turn-order.js';
import { caseConfig, pingReplyOf, REPLY_KEYS, SECOND_SELLER_KEY, type Case, type Reply, type Step } from './distribution-case.js';
import { fullLead, pingLead, SELLER_KEY } from './test-config.js';

/** What one step came to, in the terms of a case's `expect`. */
export interface StepOutcome {
  answer: { status: string; reason?: string; price?: number; buyers?: number };
  pinged: string[];
  posted: string[];
  /** the buyers that accepted the post */
  winners: string[];
  /** buyer -> why it was left out (the last reason, where it was left out twice) */
  leftOut: Record<string, string>;
}

/**
 * What a case needs that lives outside the process (in the store, or in the time a transport
 * takes), so this market cannot play it: an empty list when it can.
 */
export function outOfProcess(c: Case, runtime: Runtime = compileCase(c)): string[] {
  const gaps: string[] = [];
  const capped = runtime.buyers.filter((b) => [...b.caps.values()].some(judges)).map((b) => b.id);
  if (capped.length > 0) gaps.push(`caps (${capped.join(', ')}) are counted in the store`);
  if (c.campaign?.dedup !== undefined || c.steps.some((s) => s.lead?.phone !== undefined)) gaps.push('dedup claims live in the store');
  if (c.sellers?.some((s) => s.rate_limit !== undefined)) gaps.push("a seller's rate is kept in the store");
  if (c.campaign?.scoring !== undefined || c.campaign?.rank_by !== undefined) gaps.push('scores come from the worker pool, accept rates from the store');
  if (c.buyers.some((b) => b.delay_ms !== undefined) || c.steps.some((s) => Object.values(s.replies ?? {}).some((r) => r.delay_ms !== undefined))) {
    gaps.push("a reply's delay is the transport's time");
  }
  return gaps;
}

/** The case's config through Gavel's own parser and runtime compiler; the buyers' URLs are never called. */
function compileCase(c: Case): Runtime {
  return compileRuntime(parseConfig(caseConfig(c, () => 'http://127.0.0.1:9')), undefined);
}

/**
 * One case's market, in-process: its config compiled as Gavel compiles it, each buyer's rules
 * (src/rules) judging each lead, the breaker of src/buyers, the ranking of src/auction/rank.ts
 * with the turn order the memory store keeps, and the case's bids read as the HTTP transport
 * reads a reply. What the exchange adds between them is played here as the README states it:
 * the seller's floor over the campaign's, the post down the ranked bids (a reject falls through,
 * a filter on a field the ping did not carry is judged on the full lead, a shared tier sells up
 * to its max_buyers, a tier that sold ends the walk) and the margin (the buyer's, else the
 * seller's, else the campaign's).
 */
export class InProcessMarket {
  private readonly runtime: Runtime;
  private readonly campaign: CampaignRuntime;
  private readonly replies: Map<string, Reply>;
  private readonly guards: BuyerGuards;
  private readonly turns = new Map<string, Map<string, number>>();
  private clock: number | undefined;

  constructor(c: Case) {
    this.runtime = compileCase(c);
    const gaps = outOfProcess(c, this.runtime);
    if (gaps.length > 0) throw new Error(`"${c.name}" cannot run in-process: ${gaps.join('; ')}`);
    this.campaign = this.runtime.campaigns.get('auto')!;
    this.replies = new Map(c.buyers.map((b) => [b.id, Object.fromEntries(Object.entries(b).filter(([k]) => REPLY_KEYS.has(k) && k !== 'id')) as Reply]));
    this.guards = new BuyerGuards(this.runtime.buyers, () => undefined);
  }

  async step(s: Step): Promise<StepOutcome> {
    if (s.at !== undefined || s.advance_ms !== undefined) this.clock = s.at !== undefined ? Date.parse(s.at) : (this.clock ?? Date.now()) + s.advance_ms!;
    const now = this.clock ?? Date.now();
    for (const [id, r] of Object.entries(s.replies ?? {})) this.replies.set(id, r);
    const party = this.runtime.keys.resolve(s.seller === 'pub2' ? SECOND_SELLER_KEY : SELLER_KEY);
    if (party?.kind !== 'seller') throw new Error('the case config has no seller for this key');
    const seller = party.seller;
    const raw = fullLead(s.lead ?? {});
    for (const f of s.omit ?? []) delete raw[f];
    const c = this.campaign;
    const full = c.schema.parseFull(raw);
    if (!full.ok) throw new Error(`the step's lead is not valid: ${JSON.stringify(full.details)}`);
    const out: StepOutcome = { answer: { status: '' }, pinged: [], posted: [], winners: [], leftOut: {} };
    const ctx = (lead: LeadContext['lead'], pingFields: ReadonlySet<string> | null): LeadContext => ({
      seller: seller.id,
      sellerBuyers: seller.buyers,
      subId: s.sub_id,
      test: s.test ?? false,
      lead,
      known: pingFields === null ? () => true : (f) => pingFields.has(f) || lead[f] !== undefined,
      now,
    });

    if ((s.call ?? 'leads') === 'leads') {
      const { eligible, ranked } = await this.auction(ctx(full.lead, null), seller, now, out);
      if (eligible === 0) return { ...out, answer: { status: 'rejected', reason: 'NO_ELIGIBLE_BUYER' } };
      if (ranked.length === 0) return { ...out, answer: { status: 'rejected', reason: 'NO_BID' } };
      return this.post(ranked, full.lead, seller, out);
    }
    const ping = c.schema.parsePing(pingLead(raw));
    if (!ping.ok) throw new Error(`the step's ping is not valid: ${JSON.stringify(ping.details)}`);
    const { eligible, ranked } = await this.auction(ctx(ping.lead, c.schema.pingFields), seller, now, out);
    if (eligible === 0) return { ...out, answer: { status: 'no_bid', reason: 'NO_ELIGIBLE_BUYER' } };
    if (ranked.length === 0) return { ...out, answer: { status: 'no_bid', reason: 'NO_BID' } };
    if (s.call === 'ping+post') return this.post(ranked, full.lead, seller, out);
    // a ping's price: what the top bidder's tier would pay out together (its max_buyers of it)
    const top = ranked[0]!;
    const sharing = ranked.filter((x) => x.tier === top.tier).slice(0, c.plan[top.tier]!.maxBuyers);
    return { ...out, answer: { status: 'bid', price: fromMicros(sharing.reduce((sum, x) => sum + payout(x.priceMicros, this.marginOf(x.buyer, seller)), 0)) } };
  }

  /** Eligibility (rules, then the breaker), the bids of the buyers pinged, and their ranking. */
  private async auction(ctx: LeadContext, seller: SellerRuntime, now: number, out: StepOutcome): Promise<{ eligible: number; ranked: RankedBid[] }> {
    const c = this.campaign;
    const eligible: BuyerRuntime[] = [];
    for (const b of c.buyers) {
      const refusal = b.rules(ctx) ?? (pinged(b) ? this.guards.take(b.id, now) : null);
      if (refusal !== null) out.leftOut[b.id] = refusal;
      else eligible.push(b);
    }
    const results = eligible.filter(pinged).map((buyer) => ({ buyer, result: this.bidOf(buyer.id) }));
    for (const r of results) this.guards.settle(r.buyer.id, r.result, now, now);
    out.pinged = results.map((r) => r.buyer.id).sort();
    const ranked = await rankPlan(c, results, this.runtime.data.server.max_bids, {
      floorMicros: seller.floorMicros ?? c.floorMicros,
      grade: null,
      chance: null,
      belowGrade: () => undefined,
      fixed: new Set(eligible.filter((b) => !pinged(b)).map((b) => b.id)),
      turn: (tier, candidates) => {
        let current = this.turns.get(tier.turnKey);
        if (current === undefined) this.turns.set(tier.turnKey, (current = new Map()));
        return Promise.resolve(takeTurn(current, candidates));
      },
    });
    return { eligible: eligible.length, ranked };
  }

  /** A ping's answer as the HTTP transport reads it: a status outside 2xx is an HTTP_ERROR pass. */
  private bidOf(buyer: string): Bid | Pass {
    const { status, body } = pingReplyOf(this.replies.get(buyer)!);
    return status !== undefined && (status < 200 || status >= 300) ? pass('HTTP_ERROR', 0) : readPingReply(body, 0);
  }

  /** The post down the ranked bids until the tier has sold (or no bid is left). */
  private post(ranked: readonly RankedBid[], lead: LeadContext['lead'], seller: SellerRuntime, out: StepOutcome): StepOutcome {
    const c = this.campaign;
    const sales: { buyer: string; priceMicros: number }[] = [];
    let reason = 'POST_REJECTED';
    let tierAt = -1;
    for (const bid of ranked) {
      if (bid.tier !== tierAt) {
        if (sales.length > 0) break;
        tierAt = bid.tier;
      }
      if (sales.length >= c.plan[bid.tier]!.maxBuyers) break;
      const buyer = c.buyers.find((b) => b.id === bid.buyer)!;
      if (buyer.filter !== null && !buyer.filter(lead)) {
        out.leftOut[buyer.id] = 'FILTERED';
        reason = 'NO_ELIGIBLE_BUYER';
        continue;
      }
      out.posted.push(buyer.id);
      if (this.replies.get(buyer.id)!.post === 'reject') reason = 'POST_REJECTED';
      else sales.push(bid);
    }
    out.posted.sort();
    out.winners = sales.map((x) => x.buyer).sort();
    if (sales.length === 0) return { ...out, answer: { status: 'rejected', reason } };
    const price = fromMicros(sales.reduce((sum, x) => sum + payout(x.priceMicros, this.marginOf(x.buyer, seller)), 0));
    const shared = sales.length > 1 || c.plan[tierAt]!.maxBuyers > 1;
    return { ...out, answer: { status: 'sold', price, ...(shared ? { buyers: sales.length } : {}) } };
  }

  /** The margin on a sale: the buyer's own, else the seller's, else the campaign's. */
  private marginOf(buyer: string, seller: SellerRuntime): MarginRuntime {
    return this.runtime.buyers.find((b) => b.id === buyer)!.margin ?? seller.margin ?? this.campaign.margin;
  }
}
