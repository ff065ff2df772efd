import type { Runtime } from '../config/runtime.js';
import { sellerRuntime } from '../config/runtime.js';
import { toMicros } from '../core/money.js';
import type { Grade } from '../scoring/scoring-schema.js';
import type { TraceSegment } from '../trace/lead-trace.js';
import type { FanOutResult } from './fan-out.js';
import { tierOffer } from './hold.js';
import { pinged, rankPlan, type RankedBid } from './rank.js';

/**
 * A ping as its trace recorded it: what a replay runs it on. Only a segment with its fields
 * (trace.record_fields) can be replayed.
 */
export interface RecordedPing {
  leadId: string;
  campaign: string;
  seller: string;
  subId: string | undefined;
  test: boolean;
  /** wall-clock ms of its receipt: the buyers' schedules are judged at it */
  at: number;
  fields: Readonly<Record<string, unknown>>;
  /** each buyer pinged live and its answer: a bid in micros, or null for a pass or no answer in time */
  answers: ReadonlyMap<string, number | null>;
  grade: Grade | null;
}

/** A ping segment read into what a replay needs, or null when it cannot be replayed (no fields recorded, not a ping). */
export function recordedPing(seg: TraceSegment): RecordedPing | null {
  if (seg.phase !== 'ping' || seg.fields === undefined || seg.campaign === '') return null;
  const answers = new Map<string, number | null>();
  for (const p of seg.pings) answers.set(p.buyer, p.kind === 'bid' && p.bid !== undefined ? toMicros(p.bid) : null);
  const score = seg.score;
  return {
    leadId: seg.lead_id,
    campaign: seg.campaign,
    seller: seg.seller,
    subId: seg.sub_id ?? undefined,
    test: seg.test,
    at: Date.parse(seg.at),
    fields: seg.fields,
    answers,
    grade: score !== null && 'grade' in score ? (score.grade as Grade) : null,
  };
}

/** What a version would have offered for a recorded ping. */
export interface ReplayedPing {
  /** why it could not be judged under the version at all (its campaign or seller is not in it); else absent */
  skipped?: 'UNKNOWN_CAMPAIGN' | 'UNKNOWN_SELLER' | 'CAMPAIGN_PAUSED' | 'SELLER_PAUSED';
  /** buyers the version's rules let through (eligibility without the caps: a replay counts no cap here) */
  eligible: string[];
  /** buyers eligible under the version that were not pinged live: no recorded answer, so no bid (counted, never guessed) */
  unobserved: string[];
  /** the bids as the version's plan ranks them: floors, tiers, max price, grades */
  ranked: RankedBid[];
  /** the buyer held first, and what the answer offers the seller (its tier's top buyers' payouts), micros; null: no bid */
  winner: string | null;
  offerMicros: number | null;
}

/**
 * A recorded ping judged again under a version (a draft, or the live one): its buyers' rules
 * (filters, schedules at the ping's recorded time, lists), then each buyer's recorded answer
 * ranked by the version's plan, floor and pricing, and the offer its answer would have made.
 * Nothing live is touched: no store, no buyer, no counter. Caps are not judged here, and a
 * round-robin or weighted tier takes its bids in their ranked order (the live turn is the
 * store's): a replay of such a plan is the highest-bid reading of it.
 */
export async function replayPing(runtime: Runtime, r: RecordedPing): Promise<ReplayedPing> {
  const none = (skipped: NonNullable<ReplayedPing['skipped']>): ReplayedPing => ({ skipped, eligible: [], unobserved: [], ranked: [], winner: null, offerMicros: null });
  const c = runtime.campaigns.get(r.campaign);
  if (c === undefined) return none('UNKNOWN_CAMPAIGN');
  const sellerData = runtime.data.sellers.find((s) => s.id === r.seller);
  if (sellerData === undefined) return none('UNKNOWN_SELLER');
  const seller = sellerRuntime(sellerData);
  if (!seller.active) return none('SELLER_PAUSED');
  if (!c.active) return none('CAMPAIGN_PAUSED');
  const pingFields = c.schema.pingFields;
  const context = {
    seller: seller.id,
    sellerBuyers: seller.buyers,
    subId: r.subId,
    test: r.test,
    lead: r.fields,
    known: (f: string) => pingFields.has(f) || r.fields[f] !== undefined,
    now: r.at,
  };
  const eligible = c.buyers.filter((b) => b.rules(context) === null);
  const unobserved: string[] = [];
  const results: FanOutResult[] = [];
  for (const b of eligible) {
    if (!pinged(b)) continue;
    if (!r.answers.has(b.id)) {
      unobserved.push(b.id);
      continue;
    }
    const bid = r.answers.get(b.id)!;
    results.push({ buyer: b, result: bid === null ? { kind: 'pass', pass: 'NO_BID', reason: undefined, ms: 0 } : { kind: 'bid', bidMicros: bid, bidId: undefined, ms: 0 } });
  }
  const floorMicros = seller.floorMicros ?? c.floorMicros;
  const ranked = await rankPlan(c, results, runtime.data.server.max_bids, {
    floorMicros,
    grade: r.grade,
    chance: null,
    belowGrade: () => undefined,
    fixed: new Set(eligible.filter((b) => !pinged(b)).map((b) => b.id)),
    turn: (_tier, candidates) => Promise.resolve(candidates.map(([id]) => id)),
  });
  const top = ranked[0];
  if (top === undefined) return { eligible: eligible.map((b) => b.id), unobserved, ranked, winner: null, offerMicros: null };
  // the answer's price as the live hold makes it, the buyer first in the ranking held
  const offer = tierOffer({ runtime, seller, campaign: c }, ranked);
  return { eligible: eligible.map((b) => b.id), unobserved, ranked, winner: top.buyer, offerMicros: toMicros(offer) };
}
