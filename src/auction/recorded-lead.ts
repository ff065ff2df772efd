import { toMicros } from '../core/money.js';
import type { Grade } from '../scoring/scoring-schema.js';
import type { StoredSegment } from '../trace/lead-trace.js';

/** How a buyer's post ended, as the trace recorded it. */
export type PostFate = 'accepted' | 'rejected' | 'unconfirmed';

/** A sale as the live run made it. */
export interface RecordedSale {
  buyer: string;
  priceMicros: number;
  payoutMicros: number;
}

/**
 * One lead as its trace recorded it, what a replay runs it on: its ping (or direct post), every
 * pinged buyer's answer, and its post's outcomes. Only a lead recorded with its fields
 * (trace.record_fields) can be replayed.
 */
export interface RecordedLead {
  leadId: string;
  /** 'ping': a ping, and maybe its post; 'leads': a direct post (pinged and posted in one call) */
  route: 'ping' | 'leads';
  campaign: string;
  seller: string;
  subId: string | undefined;
  test: boolean;
  /** wall-clock ms of the ping's (or direct post's) receipt: schedules and caps are judged at it */
  at: number;
  /** the fields the buyers' rules judged then: the ping's (non-personal) fields, or the direct post's */
  fields: Readonly<Record<string, unknown>>;
  /** each buyer pinged live and its answer: a bid in micros, or null for a pass or no answer in time */
  answers: ReadonlyMap<string, number | null>;
  /** buyers left out live by their guards (breaker open, pings in flight): not there then, whatever the version */
  unavailable: ReadonlySet<string>;
  grade: Grade | null;
  /** the live answer offered a price (a ping's bid answer; a direct post: always true) */
  offered: boolean;
  /** the post, when the seller posted (a direct post: itself); null: never posted */
  post: {
    /** the full lead's non-personal fields (a post's filters judge the full lead) */
    fields: Readonly<Record<string, unknown>>;
    /** each buyer the live post reached, and how it ended */
    fates: ReadonlyMap<string, PostFate>;
  } | null;
  /** what was sold live */
  sold: RecordedSale[];
}

/** Guard refusals: the buyer's state at that moment, not a rule a version decides. */
const GUARDS = new Set(['BREAKER_OPEN', 'MAX_IN_FLIGHT']);

const fatesOf = (seg: StoredSegment) => new Map(seg.posts.map((p) => [p.buyer, p.accepted ? 'accepted' : p.unconfirmed ? 'unconfirmed' : ('rejected' as PostFate)]));

/**
 * A lead's segments (as stored, any order) read into what a replay needs; null when it cannot be
 * replayed: no ping or direct post among them, or its fields were not recorded.
 */
export function recordedLead(segs: readonly StoredSegment[]): RecordedLead | null {
  const first = segs.find((s) => s.phase === 'ping' || s.phase === 'leads');
  if (first === undefined || first.fields === undefined || first.campaign === '') return null;
  const answers = new Map<string, number | null>();
  for (const [buyer, , , kind, bid] of first.pings) answers.set(buyer, kind === 'bid' && bid !== null ? toMicros(bid) : null);
  const unavailable = new Set(first.buyers.filter((b) => b.stage === 'eligibility' && GUARDS.has(b.outcome)).map((b) => b.buyer));
  const score = first.score;
  const direct = first.phase === 'leads';
  // of a ping's posts, the one that went to buyers (a repeat refused as a duplicate reached none)
  const post = direct ? first : (segs.find((s) => s.phase === 'post' && s.posts.length > 0) ?? segs.find((s) => s.phase === 'post' && s.fields !== undefined));
  return {
    leadId: first.lead_id,
    route: direct ? 'leads' : 'ping',
    campaign: first.campaign,
    seller: first.seller,
    subId: first.sub_id ?? undefined,
    test: first.test,
    at: Date.parse(first.at),
    fields: first.fields,
    answers,
    unavailable,
    grade: score !== null && 'grade' in score ? (score.grade as Grade) : null,
    offered: direct || first.result?.status === 'bid',
    post: post === undefined ? null : { fields: post.fields ?? first.fields, fates: fatesOf(post) },
    sold: (post?.sold ?? []).map((s) => ({ buyer: s.buyer, priceMicros: toMicros(s.price), payoutMicros: toMicros(s.payout) })),
  };
}
