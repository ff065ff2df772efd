import type { LeadScore } from '../scoring/lead-scorer.js';
import type { Grade } from '../scoring/scoring-schema.js';
import type { RankedBid } from './rank.js';

/**
 * What a ping leaves in the store for its post, which may land on another Gavel process.
 * Kept small and flat: it is written once per bid answer.
 */
export interface AuctionState {
  /** campaign id */
  c: string;
  /** fingerprint of the ping fields */
  f: string;
  test: boolean;
  /** bids from the held winner down, as [buyer, bid micros, bid id, price micros, tier] */
  b: [string, number, string | null, number, number][];
  /** the lead's score and grade, when it was scored in time */
  s?: [number, Grade];
  /** the seller's sub id of the ping, for the sale's record */
  u?: string;
  /** when the ping was received, wall-clock epoch ms: a buyer's own format may send it with the post */
  r?: number;
}

export function encodeState(
  campaign: string,
  fingerprint: string,
  test: boolean,
  bids: readonly RankedBid[],
  score: LeadScore | null,
  subId: string | undefined,
  pingReceivedAt: number,
): string {
  const state: AuctionState = { c: campaign, f: fingerprint, test, b: bids.map((x) => [x.buyer, x.bidMicros, x.bidId ?? null, x.priceMicros, x.tier]) };
  if (score !== null) state.s = [score.score, score.grade];
  if (subId !== undefined) state.u = subId;
  state.r = Math.round(pingReceivedAt);
  return JSON.stringify(state);
}

export function decodeState(data: string): {
  campaign: string;
  fingerprint: string;
  test: boolean;
  bids: RankedBid[];
  score: LeadScore | null;
  subId: string | null;
  /** null: a ping of a Gavel that did not record it */
  pingReceivedAt: number | null;
} {
  const s = JSON.parse(data) as AuctionState;
  return {
    campaign: s.c,
    fingerprint: s.f,
    test: s.test,
    bids: s.b.map(([buyer, bidMicros, bidId, priceMicros, tier]) => ({ buyer, bidMicros, bidId: bidId ?? undefined, priceMicros, tier })),
    score: s.s === undefined ? null : { score: s.s[0], grade: s.s[1] },
    subId: s.u ?? null,
    pingReceivedAt: s.r ?? null,
  };
}
