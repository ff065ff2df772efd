import type { LeadIndexStore, TraceBatch, TraceStore } from '../store/store.js';
import { traceShard } from '../store/trace-shard.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { LeadTrace, StoredSegment, TraceSegment } from './lead-trace.js';
import { wholeSegment } from './trace-views.js';
import { leadSummary } from './lead-index.js';

export interface TraceSettings {
  enabled: boolean;
  retentionMs: number;
  /** segments waiting to be written; past it new ones are dropped and counted */
  maxBuffered: number;
  /** a batch is written this long after its first segment, or at once when it is full */
  flushMs: number;
  batchSize: number;
  /** segments kept per lead (a ping, its post: two; the rest is a bound, not a use) */
  maxSegments: number;
}

/**
 * Writes lead traces off the hot path: a call hands its finished trace over and goes on; the
 * traces are serialised and written in batches, one write in flight at a time. What cannot be
 * buffered (the store is down or slow and the buffer is full) is dropped and counted in
 * gavel_traces_dropped_total, never waited for: a trace must not slow an auction.
 */
export class TraceRecorder {
  /** [lead id, segment JSON, its index summary's JSON]: serialised when handed over, so the trace's objects die young (a cheap scavenge) instead of waiting for the batch in the old generation */
  private buffer: [string, string, string][] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> | null = null;
  /** the batch being written: neither buffered nor surely in the store */
  private inFlight: readonly [string, string, string][] = [];

  constructor(
    private readonly store: TraceStore & LeadIndexStore,
    readonly settings: TraceSettings,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    /** told of every segment handed over, written or not (the reports' counts: src/ledger/lead-stats.ts) */
    private readonly counted: (seg: StoredSegment) => void = () => undefined,
  ) {}

  record(trace: LeadTrace): void {
    if (!this.settings.enabled || !trace.keep) return;
    this.counted(trace.seg);
    if (this.buffer.length >= this.settings.maxBuffered) {
      this.metrics.tracesDropped.inc({ why: 'buffer_full' });
      return;
    }
    this.buffer.push([trace.id, JSON.stringify(trace.seg), JSON.stringify(leadSummary(trace.seg))]);
    if (this.buffer.length >= this.settings.batchSize) this.flushSoon(0);
    else if (this.timer === null) this.flushSoon(this.settings.flushMs);
  }

  private flushSoon(ms: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, ms);
    this.timer.unref();
  }

  /** Write what is buffered; resolves once it is written (or dropped). */
  async flush(): Promise<void> {
    while (this.writing !== null) await this.writing;
    if (this.buffer.length === 0) return;
    const batch = this.buffer.splice(0, this.settings.batchSize);
    this.inFlight = batch;
    this.writing = this.write(batch).finally(() => {
      this.writing = null;
      this.inFlight = [];
      // what came in during the write goes next
      if (this.buffer.length > 0 && this.timer === null) this.flushSoon(0);
    });
    await this.writing;
  }

  private async write(entries: readonly [string, string, string][]): Promise<void> {
    try {
      // the index beside the traces, under their retention: a listing finds what a read by id finds
      await Promise.all([
        this.store.appendTraces(
          entries.map(([id, seg]) => [id, seg] as const),
          this.settings.retentionMs,
          this.settings.maxSegments,
        ),
        this.store.indexLeads(
          entries.map((e) => e[2]),
          this.settings.retentionMs,
        ),
      ]);
      this.metrics.tracesWritten.inc(entries.length);
    } catch (e) {
      this.metrics.tracesDropped.inc({ why: 'store_error' }, entries.length);
      this.log.warn({ err: (e as Error).message, traces: entries.length }, 'trace batch not written');
    }
  }

  /** A lead's segments (made whole), written, being written or still buffered here, oldest first. */
  async read(leadId: string): Promise<TraceSegment[]> {
    // what this process holds is taken before the store is read: a batch written meanwhile is
    // then found in one or the other (or both: the store's copy counts)
    const held = [...this.inFlight, ...this.buffer].filter((t) => t[0] === leadId).map((t) => t[1]);
    const stored = await this.store.readTrace(leadId, this.settings.retentionMs, this.settings.maxSegments);
    const seen = new Set(stored);
    return [...stored, ...held.filter((x) => !seen.has(x))].slice(0, this.settings.maxSegments).map((x) => wholeSegment(JSON.parse(x) as StoredSegment));
  }

  /**
   * Every lead's segments (as stored) written from `from` to `to`, a batch at a time (a replay's
   * read, src/auction/recorded-traffic.ts); what this process has not written yet comes last, so
   * a lead may come in more than one batch, and a segment twice.
   */
  async scan(from: number, to: number, each: (batch: TraceBatch, complete: number) => Promise<void> | void, shards?: ReadonlySet<number>): Promise<void> {
    const held = [...this.inFlight, ...this.buffer].filter(([id]) => shards === undefined || shards.has(traceShard(id)));
    await this.store.scanTraces(from, to, this.settings.retentionMs, each, shards);
    const byLead = new Map<string, string[]>();
    for (const [id, seg] of held) byLead.set(id, [...(byLead.get(id) ?? []), seg]);
    if (byLead.size > 0) await each([...byLead], -Infinity);
  }

  /** At shutdown: everything buffered is written. */
  async close(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    while (this.buffer.length > 0 || this.writing !== null) await this.flush();
  }
}
