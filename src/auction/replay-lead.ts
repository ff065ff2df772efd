import type { CampaignRuntime, Runtime, SellerRuntime } from '../config/runtime.js';
import { sellerRuntime } from '../config/runtime.js';
import { campaignFor } from '../config/experiment-arm.js';
import { counts, judges, limitsAt } from '../core/cap-limits.js';
import { payout, toMicros } from '../core/money.js';
import { MemoryCaps } from '../store/memory-caps.js';
import { MemoryTurns } from '../store/memory-turns.js';
import type { FanOutResult } from './fan-out.js';
import { HOLD_SLACK_MS, tierOffer } from './hold.js';
import { marginFor } from './lead-run.js';
import { pinged, rankPlan, type RankedBid } from './rank.js';
import type { RecordedLead } from './recorded-lead.js';
import { draw, type ReplayEvidence } from './replay-evidence.js';

const NOT_LIVE = (): void => undefined;

/**
 * What one version's replay counts as it goes, its own and in memory: each buyer's caps (the
 * windows, holds and rolling limits of the live ones, judged by the same code, at each lead's
 * recorded time) and the turns of round-robin and weighted tiers. Nothing live is touched.
 */
export class ReplayMarket {
  readonly caps = new MemoryCaps(NOT_LIVE);
  readonly turns = new MemoryTurns(NOT_LIVE);

  constructor(
    readonly runtime: Runtime,
    readonly evidence: ReplayEvidence,
  ) {}
}

export interface ReplaySale {
  buyer: string;
  priceMicros: number;
  payoutMicros: number;
}

/** What a version would have done with a recorded lead. */
export interface ReplayedLead {
  /** why it could not be judged under the version at all (its campaign or seller is not in it, or paused); else absent */
  skipped?: 'UNKNOWN_CAMPAIGN' | 'UNKNOWN_SELLER' | 'CAMPAIGN_PAUSED' | 'SELLER_PAUSED';
  /** buyers the version's rules let through */
  eligible: string[];
  /** buyers a cap kept out, at eligibility or at a hold */
  capHits: string[];
  /** eligible buyers never pinged live: no recorded answer */
  unobserved: string[];
  /** of them, those given an answer drawn from their own recorded answers (ReplayEvidence) */
  estimatedBids: string[];
  /** the bids as the version's plan ranks them */
  ranked: RankedBid[];
  /** the buyer held first, and what the answer offers (its tier's payouts), micros; null: no offer */
  winner: string | null;
  offerMicros: number | null;
  /** the seller posted it (as recorded, or estimated: see postEstimated) */
  posted: boolean;
  postEstimated: boolean;
  /** posts whose outcome was drawn from the buyer's accept rate, not recorded */
  estimatedPosts: number;
  sales: ReplaySale[];
  /** some estimate took part in this lead's outcome: an estimated bid ranked, its post, or a post's outcome */
  estimated: boolean;
}

function none(skipped: NonNullable<ReplayedLead['skipped']>): ReplayedLead {
  return { skipped, eligible: [], capHits: [], unobserved: [], estimatedBids: [], ranked: [], winner: null, offerMicros: null, posted: false, postEstimated: false, estimatedPosts: 0, sales: [], estimated: false };
}

/**
 * A recorded lead run again under a version, the live one or a draft, with the live stages'
 * own code where it decides: the buyers' rules (filters, schedules at the recorded time, seller
 * and sub-id lists), their caps (counted as the replay goes, in `market`), each buyer's
 * recorded answer ranked by the version's plan, floor, pricing and grades, the hold of the
 * best bidder with room and the offer it makes, then the post down the ranking as the post
 * loop walks it (tiers, shared tiers' slots, fall-through on a reject). A post reached live
 * has its recorded outcome; any other is drawn from the buyer's accept rate. What only the
 * live moment knew stays as it was: a buyer's breaker, a ping's lateness, the store.
 */
export async function replayLead(market: ReplayMarket, r: RecordedLead): Promise<ReplayedLead> {
  const { runtime, evidence, caps } = market;
  const campaign = runtime.campaigns.get(r.campaign);
  if (campaign === undefined) return none('UNKNOWN_CAMPAIGN');
  // a campaign under an A/B test: the lead's arm under this version, by its id, as live picks it
  const c = campaignFor(campaign, r.leadId);
  const sellerData = runtime.data.sellers.find((s) => s.id === r.seller);
  if (sellerData === undefined) return none('UNKNOWN_SELLER');
  const seller = sellerRuntime(sellerData);
  if (!seller.active) return none('SELLER_PAUSED');
  if (!c.active) return none('CAMPAIGN_PAUSED');
  const out: ReplayedLead = { eligible: [], capHits: [], unobserved: [], estimatedBids: [], ranked: [], winner: null, offerMicros: null, posted: false, postEstimated: false, estimatedPosts: 0, sales: [], estimated: false };
  const floorMicros = seller.floorMicros ?? c.floorMicros;
  const at = r.at;
  const context = {
    seller: seller.id,
    sellerBuyers: seller.buyers,
    subId: r.subId,
    test: r.test,
    lead: r.fields,
    known: r.route === 'leads' ? () => true : (f: string) => c.schema.pingFields.has(f) || r.fields[f] !== undefined,
    now: at,
  };
  const results: FanOutResult[] = [];
  const fixed = new Set<string>();
  for (const b of c.buyers) {
    if (b.rules(context) !== null || r.unavailable.has(b.id)) continue;
    const rules = b.caps.get(c.id)!;
    if (!r.test && judges(rules)) {
      const v = await caps.checkBuyer(b.id, limitsAt(rules, at), [], rules.pingRate, floorMicros, at);
      if (!v.ok) {
        if (v.reason === 'CAP_REACHED') out.capHits.push(b.id);
        continue;
      }
    }
    out.eligible.push(b.id);
    if (!pinged(b)) {
      fixed.add(b.id);
      continue;
    }
    const recorded = r.answers.get(b.id);
    let answer: number | null;
    if (recorded !== undefined) answer = recorded;
    else {
      out.unobserved.push(b.id);
      const drawn = evidence.answerFor(b.id, c.id, r.grade, r.leadId);
      if (drawn === undefined) continue;
      answer = drawn;
      out.estimatedBids.push(b.id);
    }
    results.push({ buyer: b, result: answer === null ? { kind: 'pass', pass: 'NO_BID', reason: undefined, ms: 0 } : { kind: 'bid', bidMicros: answer, bidId: undefined, ms: 0 } });
  }
  const ranked = await rankPlan(c, results, runtime.data.server.max_bids, {
    floorMicros,
    grade: r.grade,
    chance: c.rankBy === 'expected_value' ? (buyer) => evidence.acceptChance(buyer, r.grade) : null,
    belowGrade: () => undefined,
    fixed,
    turn: (tier, candidates) => market.turns.takeTurn(tier.turnKey, candidates),
  });
  out.ranked = ranked;
  const estimatedBid = new Set(out.estimatedBids);
  if (ranked.some((x) => estimatedBid.has(x.buyer))) out.estimated = true;
  if (ranked.length === 0) return out;

  const run = { runtime, seller, campaign: c };
  const rulesOf = (buyer: string) => c.buyers.find((b) => b.id === buyer)?.caps.get(c.id);
  const holds = (buyer: string) => {
    const rules = rulesOf(buyer);
    return !r.test && rules !== undefined && counts(rules);
  };
  const hold = (bid: RankedBid, until: number) => caps.hold(bid.buyer, r.leadId, bid.priceMicros, limitsAt(rulesOf(bid.buyer)!, at), [], at, until);

  // a ping's hold: the best bidder with room, as hold.ts takes it; a direct post holds as it posts
  let from = 0;
  if (r.route === 'ping') {
    const until = at + c.pingTtlMs + HOLD_SLACK_MS;
    for (; from < ranked.length; from++) {
      const bid = ranked[from]!;
      if (!holds(bid.buyer)) break;
      const v = await hold(bid, until);
      if (v.ok) break;
      if (v.reason === 'CAP_REACHED') out.capHits.push(bid.buyer);
    }
    if (from === ranked.length) return out;
    out.winner = ranked[from]!.buyer;
    out.offerMicros = toMicros(tierOffer(run, ranked.slice(from)));
  } else {
    out.winner = ranked[0]!.buyer;
    out.offerMicros = toMicros(tierOffer(run, ranked));
  }

  // did the seller post it: as it did live; a lead offered nothing live, by its recorded share of posts
  if (r.route === 'leads' || r.post !== null) out.posted = true;
  else if (!r.offered) {
    out.postEstimated = true;
    out.estimated = true;
    out.posted = draw(r.leadId, 'post') < evidence.postChance(r.seller);
  }
  if (!out.posted) return out;
  await postDown(market, r, c, ranked.slice(from), out, holds, hold);
  return out;
}

/** The post loop's walk (post-loop.ts) over recorded or drawn outcomes. */
async function postDown(
  market: ReplayMarket,
  r: RecordedLead,
  c: CampaignRuntime,
  bids: readonly RankedBid[],
  out: ReplayedLead,
  holds: (buyer: string) => boolean,
  hold: (bid: RankedBid, until: number) => ReturnType<MemoryCaps['hold']>,
): Promise<void> {
  const { runtime, evidence, caps } = market;
  const seller: SellerRuntime = sellerRuntime(runtime.data.sellers.find((s) => s.id === r.seller)!);
  const run = { runtime, seller, campaign: c };
  const at = r.at;
  const fields = r.post?.fields ?? r.fields;
  const firstHeld = r.route === 'ping';
  let tierAt = -1;
  let slots = 0;
  for (let i = 0; i < bids.length; i++) {
    const bid = bids[i]!;
    if (bid.tier !== tierAt) {
      if (out.sales.length > 0 || slots > 0) break;
      tierAt = bid.tier;
    }
    const maxBuyers = c.plan[bid.tier]?.maxBuyers ?? 1;
    if (slots >= maxBuyers) break;
    const buyer = c.buyers.find((b) => b.id === bid.buyer);
    if (buyer === undefined || !buyer.config.active) continue;
    if (buyer.filter !== null && !buyer.filter(fields)) {
      if (i === 0 && firstHeld && holds(buyer.id)) await caps.releaseHold(buyer.id, r.leadId, at);
      continue;
    }
    const held = holds(buyer.id);
    if (held && !(i === 0 && firstHeld)) {
      const v = await hold(bid, at + c.postTmaxMs + HOLD_SLACK_MS);
      if (!v.ok) {
        if (v.reason === 'CAP_REACHED') out.capHits.push(buyer.id);
        continue;
      }
    }
    let fate = r.post?.fates.get(buyer.id);
    if (fate === undefined) {
      out.estimatedPosts++;
      out.estimated = true;
      fate = draw(r.leadId, `post:${buyer.id}`) < evidence.acceptChance(buyer.id, r.grade) ? 'accepted' : 'rejected';
    }
    if (fate === 'accepted') {
      if (held) await caps.commitHold(buyer.id, r.leadId, at, []);
      out.sales.push({ buyer: buyer.id, priceMicros: bid.priceMicros, payoutMicros: payout(bid.priceMicros, marginFor(run, buyer.id)) });
      slots++;
      continue;
    }
    if (held) await caps.releaseHold(buyer.id, r.leadId, at);
    if (fate === 'unconfirmed') {
      // as live: the lead may be with this buyer, so it is offered to no other of an exclusive tier
      if (maxBuyers === 1) break;
      slots++;
    }
  }
}
