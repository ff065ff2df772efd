import { GRADES, type Grade } from '../scoring/scoring-schema.js';
import type { FanOutResult } from './fan-out.js';

export interface RankedBid {
  buyer: string;
  bidMicros: number;
  bidId: string | undefined;
}

/** What a lead's score changes in its ranking. */
export interface RankBy {
  /** the lead's grade; null: it was not scored (in time) */
  grade: Grade | null;
  /** a buyer's chance of accepting the post; null: rank by bid alone */
  chance: ((buyer: string) => number) | null;
  /** a bid not taken because the lead is under the buyer's min_grade */
  belowGrade(buyer: string): void;
}

const RANK = new Map<Grade, number>(GRADES.map((g, i) => [g, i]));

/** A lead meets a min_grade when it was graded that or better; a lead with no grade meets none. */
export function meetsGrade(grade: Grade | null, min: Grade | undefined): boolean {
  return min === undefined || (grade !== null && RANK.get(grade)! <= RANK.get(min)!);
}

/**
 * Best first: by bid, or by bid × chance of acceptance (expected value); bids below the floor
 * are out, and so are bids of buyers whose min_grade the lead does not meet. Ties go to the
 * buyer listed first in the config, so a ranking is reproducible. (Other methods of a tier are issue #6.)
 */
export function rankBids(results: readonly FanOutResult[], floorMicros: number, order: ReadonlyMap<string, number>, maxBids: number, by: RankBy): RankedBid[] {
  const bids: (RankedBid & { key: number })[] = [];
  for (const { buyer, result } of results) {
    if (result.kind !== 'bid' || result.bidMicros < floorMicros) continue;
    if (!meetsGrade(by.grade, buyer.config.min_grade)) {
      by.belowGrade(buyer.id);
      continue;
    }
    const key = by.chance === null ? result.bidMicros : result.bidMicros * by.chance(buyer.id);
    bids.push({ buyer: buyer.id, bidMicros: result.bidMicros, bidId: result.bidId, key });
  }
  bids.sort((a, b) => b.key - a.key || order.get(a.buyer)! - order.get(b.buyer)!);
  const top = bids.length > maxBids ? bids.slice(0, maxBids) : bids;
  return top.map(({ buyer, bidMicros, bidId }) => ({ buyer, bidMicros, bidId }));
}
