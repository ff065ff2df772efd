import type { QueueStore } from '../store/store.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { Ledger } from './ledger.js';
import { readStats, STATS_QUEUE } from './lead-stats.js';
import { readSale, SALES_QUEUE } from './sales-queue.js';

export interface LedgerWriterOptions {
  /** this process's name in the queue's consumer group */
  consumer: string;
  /** sales taken per read */
  batchSize: number;
  /** the pause after a read that found less than a batch (doubled after each read that found nothing, up to IDLE_PAUSE_MS) */
  pollMs: number;
  /** a sale taken by a consumer and not acknowledged for this long is taken over (its consumer died) */
  reclaimMs: number;
}

/** the longest pause after failures, so a ledger that is back is written to within seconds */
const MAX_BACKOFF_MS = 5000;
/**
 * The longest pause while the queues read empty (or poll_ms, if longer). Polling both queues
 * every 100 ms was 40 Redis commands a second and about 13 ms of CPU a second on an idle
 * process; a quiet exchange now reads them about once a second, and a sale after a quiet spell
 * reaches the ledger within that second.
 */
const IDLE_PAUSE_MS = 1000;
/** the loop looks for sales abandoned by a dead consumer this often, as a share of reclaimMs (they are taken over within 1.25 × reclaimMs) */
const RECLAIM_CHECKS_PER_WINDOW = 4;

/**
 * Moves sales (and stats batches, the same way) from the durable queues into the ledger, off the hot path: every Gavel process runs
 * one, as a consumer of the queue's one group, so each sale is taken by one process at a time.
 * A sale is acknowledged only once the ledger holds it; one whose process died in between is
 * taken over after `reclaimMs` and recorded again, which the ledger skips (idempotent by sale id).
 */
export class LedgerWriter {
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private failures = 0;
  /** reads in a row that found nothing */
  private empties = 0;
  private reclaimedAt = Number.NEGATIVE_INFINITY;
  /** the batch under way: the next waits for it */
  private last: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: QueueStore,
    private readonly ledger: Ledger,
    private readonly opts: LedgerWriterOptions,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let taken = 0;
      try {
        // the abandoned are looked for a few times per reclaim window, not on every read: an
        // XAUTOCLAIM per queue per read was half of what an idle process asked of Redis
        const now = performance.now();
        const reclaim = now - this.reclaimedAt >= this.opts.reclaimMs / RECLAIM_CHECKS_PER_WINDOW;
        if (reclaim) this.reclaimedAt = now;
        taken = await this.once(reclaim);
        this.failures = 0;
      } catch (e) {
        this.failures++;
        this.log.warn({ err: (e as Error).message, failures: this.failures }, 'ledger writer: a batch failed; its sales stay queued and are retried');
      }
      if (!this.running) break;
      // a full batch means more may be waiting: read again at once
      if (taken >= this.opts.batchSize && this.failures === 0) continue;
      this.empties = taken === 0 && this.failures === 0 ? this.empties + 1 : 0;
      const pause =
        this.failures > 0
          ? Math.min(MAX_BACKOFF_MS, this.opts.pollMs * 2 ** this.failures)
          : Math.min(Math.max(this.opts.pollMs, IDLE_PAUSE_MS), this.opts.pollMs * 2 ** Math.min(this.empties, 16));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pause);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  /**
   * One batch: take, record, acknowledge. Returns how many were taken. Batches run one at a time
   * (the loop's and a drain's alike), so a drain that reads an empty queue knows that nothing this
   * writer took is still on its way to the ledger. `reclaim`: also take over what a dead consumer
   * left unacknowledged for reclaimMs.
   */
  once(reclaim = true): Promise<number> {
    const next = this.last.then(
      () => this.batch(reclaim),
      () => this.batch(reclaim),
    );
    this.last = next.catch(() => 0);
    return next;
  }

  private async batch(reclaim: boolean): Promise<number> {
    const reclaimMs = reclaim ? this.opts.reclaimMs : null;
    const sales = await this.take(SALES_QUEUE, reclaimMs, 'sale', readSale, async (list) => {
      const recorded = await this.ledger.recordSales(list);
      this.metrics.ledgerSales.inc({ result: 'recorded' }, recorded);
      if (list.length > recorded) this.metrics.ledgerSales.inc({ result: 'replayed' }, list.length - recorded);
    });
    const stats = await this.take(STATS_QUEUE, reclaimMs, 'stats batch', readStats, (list) => this.ledger.recordStats(list));
    return sales + stats;
  }

  /** take a batch of one queue, record what it holds, acknowledge it; returns how many were taken */
  private async take<T extends { id: string }>(queue: string, reclaimMs: number | null, what: string, read: (body: string) => T | null, record: (items: T[]) => Promise<unknown>): Promise<number> {
    let events;
    try {
      events = await this.store.dequeue(queue, this.opts.consumer, this.opts.batchSize, reclaimMs);
    } catch (e) {
      this.metrics.ledgerErrors.inc({ op: 'dequeue' });
      throw e;
    }
    if (events.length === 0) return 0;
    const items: T[] = [];
    const seen = new Set<string>();
    for (const e of events) {
      const item = read(e.body);
      if (item === null) {
        // not what Gavel wrote: kept whole in the log (nothing is lost), and off the queue so it blocks nothing
        this.metrics.ledgerErrors.inc({ op: 'bad_event' });
        this.log.error({ queue, entry: e.entry, body: e.body.slice(0, 4096) }, `ledger writer: an event in the ${queue} queue is not a ${what}; set aside`);
        continue;
      }
      // one queued twice (a retried enqueue that had landed) is one
      if (seen.has(item.id)) continue;
      seen.add(item.id);
      items.push(item);
    }
    try {
      if (items.length > 0) await record(items);
    } catch (e) {
      this.metrics.ledgerErrors.inc({ op: 'record' });
      throw e;
    }
    await this.store.acknowledge(
      queue,
      events.map((e) => e.entry),
    );
    return events.length;
  }

  /** record what is queued now, until the queue reads empty or `ms` pass (shutdown, and tests) */
  async drain(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      const taken = await this.once().catch(() => -1);
      if (taken === 0) return;
      if (taken < 0) await new Promise((r) => setTimeout(r, 50));
    }
  }

  async close(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }
}
