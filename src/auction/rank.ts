import type { BuyerRuntime, CampaignRuntime, TierRuntime } from '../config/runtime.js';
import { GRADES, type Grade } from '../scoring/scoring-schema.js';
import type { FanOutResult } from './fan-out.js';

export interface RankedBid {
  buyer: string;
  bidMicros: number;
  /** what the buyer pays if it takes the lead: its bid, or less under second price or max_price */
  priceMicros: number;
  bidId: string | undefined;
  /** the index of its tier in the plan */
  tier: number;
}

/** What the lead and the moment change in a ranking. */
export interface RankBy {
  /** the floor of this seller's leads */
  floorMicros: number;
  /** the lead's grade; null: it was not scored (in time) */
  grade: Grade | null;
  /** a buyer's chance of accepting the post; null: rank by bid alone */
  chance: ((buyer: string) => number) | null;
  /** a bid not taken because the lead is under the buyer's min_grade */
  belowGrade(buyer: string): void;
  /** fixed-price buyers that passed eligibility: they take part without a ping */
  fixed: ReadonlySet<string>;
  /** round_robin and weighted tiers: the store's turn order of the candidates */
  turn(tier: TierRuntime, candidates: readonly (readonly [string, number])[]): Promise<string[]>;
}

const RANK = new Map<Grade, number>(GRADES.map((g, i) => [g, i]));

/** A lead meets a min_grade when it was graded that or better; a lead with no grade meets none. */
export function meetsGrade(grade: Grade | null, min: Grade | undefined): boolean {
  return min === undefined || (grade !== null && RANK.get(grade)! <= RANK.get(min)!);
}

/** The tier's bids that count: at or over the floor, the buyer's grade rule met; fixed-price buyers at their price. */
function tierBids(tier: TierRuntime, ti: number, byBuyer: ReadonlyMap<string, FanOutResult['result']>, by: RankBy): RankedBid[] {
  const bids: RankedBid[] = [];
  for (const b of tier.buyers) {
    let bidMicros: number;
    let bidId: string | undefined;
    if (tier.method === 'fixed_price') {
      if (!by.fixed.has(b.id) || b.priceMicros! < by.floorMicros) continue;
      bidMicros = b.priceMicros!;
    } else {
      const r = byBuyer.get(b.id);
      if (r === undefined || r.kind !== 'bid') continue;
      bidMicros = tier.maxBuyers > 1 && r.sharedBidMicros !== undefined ? r.sharedBidMicros : r.bidMicros;
      if (bidMicros < by.floorMicros || bidMicros === 0) continue;
      bidId = r.bidId;
    }
    if (!meetsGrade(by.grade, b.config.min_grade)) {
      by.belowGrade(b.id);
      continue;
    }
    bids.push({ buyer: b.id, bidMicros, priceMicros: bidMicros, bidId, tier: ti });
  }
  return bids;
}

/** Highest first (by expected value when `chance` is given), ties to the tier's order. */
function byValue(bids: RankedBid[], chance: RankBy['chance']): RankedBid[] {
  const key = (x: RankedBid) => (chance === null ? x.bidMicros : x.bidMicros * chance(x.buyer));
  const keyed = bids.map((x, i) => ({ x, i, k: key(x) }));
  keyed.sort((a, b) => b.k - a.k || a.i - b.i);
  return keyed.map((e) => e.x);
}

/** Second price: each pays the next bid down plus the increment (the floor when none follows), never above its own bid. */
function secondPrices(ranked: RankedBid[], floorMicros: number, incrementMicros: number): void {
  for (let i = 0; i < ranked.length; i++) {
    const next = ranked[i + 1];
    const price = next === undefined ? floorMicros : next.bidMicros + incrementMicros;
    ranked[i]!.priceMicros = Math.min(ranked[i]!.bidMicros, Math.max(floorMicros, price));
  }
}

/** One tier's bids in the order of its method. */
function orderTier(c: CampaignRuntime, tier: TierRuntime, bids: RankedBid[], by: RankBy): RankedBid[] | Promise<RankedBid[]> {
  if (bids.length === 0 || tier.method === 'priority') return bids;
  switch (tier.method) {
    case 'round_robin':
    case 'weighted': {
      if (bids.length === 1) return bids;
      const at = new Map(bids.map((x) => [x.buyer, x]));
      return by.turn(tier, bids.map((x) => [x.buyer, tier.weights.get(x.buyer)!] as const)).then((order) => order.map((id) => at.get(id)!));
    }
    case 'fixed_price':
      return byValue(bids, null);
    case 'highest_bid': {
      const ranked = byValue(bids, by.chance);
      if (c.secondPriceIncrementMicros !== null) secondPrices(ranked, by.floorMicros, c.secondPriceIncrementMicros);
      return ranked;
    }
  }
}

/**
 * The plan's ranking: each tier's bids in the order of its method, tier after tier, so a
 * lead that no buyer of a tier takes falls to the next. highest_bid: best bid (or expected
 * value) first; priority: the tier's listed order; fixed_price: best price first;
 * round_robin and weighted: the store's turn order among the buyers that bid.
 */
export async function rankPlan(c: CampaignRuntime, results: readonly FanOutResult[], maxBids: number, by: RankBy): Promise<RankedBid[]> {
  const byBuyer = new Map(results.map((r) => [r.buyer.id, r.result]));
  // only a round_robin or weighted tier with a choice to make waits on the store; the rest rank in place
  const ordered = c.plan.map((tier, ti) => orderTier(c, tier, tierBids(tier, ti, byBuyer, by), by));
  const tiers = ordered.some((x) => x instanceof Promise) ? await Promise.all(ordered) : (ordered as RankedBid[][]);
  const all = tiers.flat();
  if (c.maxPriceMicros !== null) for (const x of all) x.priceMicros = Math.min(x.priceMicros, c.maxPriceMicros);
  return all.length > maxBids ? all.slice(0, maxBids) : all;
}

/** The plan's buyers that are pinged (all but fixed-price ones). */
export function pinged(b: BuyerRuntime): boolean {
  return b.priceMicros === null;
}
