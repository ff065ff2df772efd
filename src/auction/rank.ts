import type { FanOutResult } from './fan-out.js';

export interface RankedBid {
  buyer: string;
  bidMicros: number;
  bidId: string | undefined;
}

/**
 * Highest bid first; bids below the floor are out. Ties go to the buyer listed first in the
 * config, so a ranking is reproducible. (Other methods of a tier are issue #6.)
 */
export function rankHighest(results: readonly FanOutResult[], floorMicros: number, order: ReadonlyMap<string, number>, maxBids: number): RankedBid[] {
  const bids: RankedBid[] = [];
  for (const { buyer, result } of results) {
    if (result.kind === 'bid' && result.bidMicros >= floorMicros) bids.push({ buyer: buyer.id, bidMicros: result.bidMicros, bidId: result.bidId });
  }
  bids.sort((a, b) => b.bidMicros - a.bidMicros || order.get(a.buyer)! - order.get(b.buyer)!);
  return bids.length > maxBids ? bids.slice(0, maxBids) : bids;
}
