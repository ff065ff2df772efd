import { performance } from 'node:perf_hooks';
import type { Bid, Pass, PostOutcome } from '../buyers/transport.js';
import type { Detail } from '../core/codes.js';
import type { ScoreOutcome } from '../scoring/score-pool.js';
import { fromMicros } from '../core/money.js';

export type TracePhase = 'ping' | 'post' | 'leads';


/** A ranked bid as the trace keeps it (the auction's RankedBid has this shape and more). */
export interface TracedRank {
  buyer: string;
  bidMicros: number;
  priceMicros: number;
  tier: number;
}

/** A ping as stored: [buyer, sent ms, latency ms, bid or pass kind, the bid (null for a pass), the buyer's reason (or null)]. */
export type StoredPing = [string, number, number, string, number | null, string | null];
/** A ranked bid as stored: [buyer, tier, bid, price]. */
export type StoredRank = [string, number, number, number];

/**
 * A segment as it is written, smaller than it is read: pings and the ranking as rows, not
 * objects, and nothing a reader can derive (a pinged buyer's ELIGIBLE, when a ping was answered).
 * Serialising a 20-buyer trace was a measurable share of an auction; src/trace/trace-views.ts
 * makes the whole TraceSegment back for every reader.
 */
export type StoredSegment = Omit<TraceSegment, 'pings' | 'ranking'> & { pings: StoredPing[]; ranking: StoredRank[] };

/** Where in a lead's way a buyer was left out. */
export type TraceStage = 'eligibility' | 'rank' | 'hold' | 'post';

/**
 * What one seller call did to one lead: a ping, its post, or a direct post. A ping and its post
 * may run on two processes, so each writes its own segment under the lead's id and a reader
 * puts them together (src/trace/trace-views.ts). Times are ms from the call's receipt; money is
 * in the seller API's decimals, as a reader wants it.
 */
export interface TraceSegment {
  lead_id: string;
  phase: TracePhase;
  /** wall clock of receipt, ISO */
  at: string;
  seller: string;
  campaign: string;
  sub_id: string | null;
  test: boolean;
  /** size of the seller's message */
  bytes: number;
  /** null: the lead matched the schema; else what did not */
  invalid: Detail[] | null;
  /** ok, DUPLICATE, RESUBMITTED, RATE_LIMITED; null: not reached */
  dedup: string | null;
  /** every buyer considered and what became of it, in the order it happened */
  buyers: { buyer: string; stage: TraceStage; outcome: string; detail?: string }[];
  pings: { buyer: string; sent_ms: number; answered_ms: number; ms: number; kind: string; bid?: number; reason?: string }[];
  score: { score: number; grade: string } | { unscored: string } | null;
  ranking: { buyer: string; tier: number; bid: number; price: number }[];
  posts: { buyer: string; price: number; sent_ms: number; ms: number; accepted: boolean; reason?: string; unconfirmed?: true }[];
  /** sold buyers with what each pays and what the seller gets for it */
  sold: { buyer: string; price: number; payout: number }[];
  /** the answer the seller got: status and reason (or the error code), and the price offered or paid */
  result: { status: string; reason?: string; price?: number; message?: string } | null;
  total_ms: number;
  /**
   * the campaign's A/B test and the lead's arm in it; absent when the campaign runs none. The
   * test's id travels beside the arm because the ledger counts per (campaign, test, arm): a later
   * test may reuse an arm's name.
   */
  experiment?: string;
  arm?: string;
  /** the lead's non-personal fields, as validated (trace.record_fields): what a replay runs it on; absent when not recorded */
  fields?: Readonly<Record<string, unknown>>;
}

const round = (ms: number) => Math.round(ms * 100) / 100;

/**
 * The trace of one lead's call, filled as the exchange decides. Only what the exchange already
 * knows is copied in, no lookups; the segment is serialised later, off the call's path, by the
 * recorder. `keep` stays false for a call that never concerned a lead (an unknown campaign, a
 * post of a ping that is not the seller's): it is not written.
 */
export class LeadTrace {
  keep = false;
  readonly seg: StoredSegment;

  constructor(
    readonly id: string,
    phase: TracePhase,
    seller: string,
    private readonly receivedAt: number,
    bytes: number,
  ) {
    this.seg = {
      lead_id: id,
      phase,
      at: new Date(Date.now() - (performance.now() - receivedAt)).toISOString(),
      seller,
      campaign: '',
      sub_id: null,
      test: false,
      bytes,
      invalid: null,
      dedup: null,
      buyers: [],
      pings: [],
      score: null,
      ranking: [],
      posts: [],
      sold: [],
      result: null,
      total_ms: 0,
    };
  }

  /** the call concerns a lead of this campaign: from here on it is written */
  lead(campaign: string, subId: string | undefined, test: boolean): void {
    this.keep = true;
    this.seg.campaign = campaign;
    this.seg.sub_id = subId ?? null;
    this.seg.test = test;
  }

  /** the lead runs under this arm of its campaign's A/B test */
  arm(tag: { readonly experiment: string; readonly name: string }): void {
    this.seg.experiment = tag.experiment;
    this.seg.arm = tag.name;
  }

  since(at: number): number {
    return round(at - this.receivedAt);
  }

  /** the lead's fields as recorded: the caller passes none that is personal */
  fields(view: Readonly<Record<string, unknown>>): void {
    this.seg.fields = view;
  }

  invalid(details: Detail[] | undefined): void {
    this.seg.invalid = details ?? [];
  }

  dedup(outcome: string): void {
    this.seg.dedup = outcome;
  }

  buyer(buyer: string, stage: TraceStage, outcome: string, detail?: string): void {
    this.seg.buyers.push(detail === undefined ? { buyer, stage, outcome } : { buyer, stage, outcome, detail });
  }

  ping(buyer: string, sentAt: number, result: Bid | Pass): void {
    const bid = result.kind === 'bid';
    this.seg.pings.push([buyer, this.since(sentAt), round(result.ms), bid ? 'bid' : result.pass, bid ? fromMicros(result.bidMicros) : null, bid ? null : (result.reason ?? null)]);
  }

  score(outcome: ScoreOutcome | null): void {
    if (outcome === null) return;
    this.seg.score = outcome.kind === 'scored' ? { score: outcome.score, grade: outcome.grade } : { unscored: outcome.reason.toUpperCase() };
  }

  ranking(ranked: readonly TracedRank[]): void {
    this.seg.ranking = ranked.map((x) => [x.buyer, x.tier, fromMicros(x.bidMicros), fromMicros(x.priceMicros)]);
  }

  post(buyer: string, priceMicros: number, sentAt: number, outcome: PostOutcome): void {
    const entry: TraceSegment['posts'][number] = { buyer, price: fromMicros(priceMicros), sent_ms: this.since(sentAt), ms: round(outcome.ms), accepted: outcome.accepted };
    if (outcome.reason !== undefined) entry.reason = outcome.reason;
    if (outcome.unconfirmed) entry.unconfirmed = true;
    this.seg.posts.push(entry);
  }

  sold(buyer: string, priceMicros: number, payoutMicros: number): void {
    this.seg.sold.push({ buyer, price: fromMicros(priceMicros), payout: fromMicros(payoutMicros) });
  }

  /** the seller's answer; ends the segment */
  result(result: NonNullable<TraceSegment['result']>): void {
    this.seg.result = result;
    this.seg.total_ms = this.since(performance.now());
  }
}

/**
 * A lead's trace with tracing off (`trace.enabled: false`): the exchange makes the same calls,
 * and they keep nothing, so turning the trace off spares building it as well as writing it.
 */
export class UntracedLead extends LeadTrace {
  override fields(): void {}
  override invalid(): void {}
  override dedup(): void {}
  override buyer(): void {}
  override ping(): void {}
  override score(): void {}
  override ranking(): void {}
  override post(): void {}
  override sold(): void {}
  override result(): void {}
}
