import { performance } from 'node:perf_hooks';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { Ledger, SaleEvent } from './ledger.js';
import type { SaleQueue } from './sales-queue.js';

export interface SaleRecorderOptions {
  /** the longest a post waits for the ledger before its sale goes the queue's way instead */
  directMs: number;
  /** sales this process keeps while the ledger is away; past it, the durable queue alone holds the rest */
  maxKept: number;
}

/** after the ledger failed a write, posts go straight to the queue this long, so an absent ledger costs them no wait */
const DIRECT_OFF_MS = 1000;
/** how often sales kept while the ledger was away are offered to it again */
const RETRY_MS = 1000;
/** sales recorded per statement */
const BATCH = 500;

interface Waiting {
  sale: SaleEvent;
  done: (recorded: boolean) => void;
}

/**
 * How a sale a buyer accepted reaches the ledger with no single fault able to lose it
 * (ARCHITECTURE.md invariant 7), before the seller is told:
 *
 * 1. Straight into the ledger, on the post's path. Sales accepted in the same moment share one
 *    statement (one in flight at a time), so the ledger sees batches, not one round trip per sale.
 * 2. When the ledger does not answer within `directMs` (or failed in the last second), the sale
 *    goes into the durable queue (Redis), whose writers record it once the ledger is back, and is
 *    also kept in this process, offered to the ledger every second until it takes it. So Redis
 *    restarting empty while PostgreSQL is away loses nothing this process sold, and this process
 *    dying then loses nothing the queue holds.
 *
 * Recording is idempotent by sale id, so a sale that reaches the ledger by two ways is one sale.
 */
export class SaleRecorder {
  private waiting: Waiting[] = [];
  private flushing = false;
  private directOffUntil = 0;
  /** sold and queued while the ledger was away, not yet known to be in it, by sale id */
  private readonly kept = new Map<string, SaleEvent>();
  private readonly timer: NodeJS.Timeout;
  private retrying = false;

  constructor(
    private readonly ledger: Ledger,
    private readonly queue: SaleQueue,
    private readonly opts: SaleRecorderOptions,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    this.timer = setInterval(() => void this.retryKept(), RETRY_MS);
    this.timer.unref();
  }

  /** resolves (never rejects) once the sale is in the ledger, or in the queue and kept; `ms`: the caller's time left */
  async record(sale: SaleEvent, ms: number): Promise<void> {
    const t0 = performance.now();
    // directMs 0: the queue alone, for an operator whose Redis keeps what it is given (AOF)
    if (this.opts.directMs > 0) {
      if (t0 >= this.directOffUntil && (await this.direct(sale, Math.min(ms, this.opts.directMs)))) {
        this.metrics.salesRecorded.inc({ path: 'direct' });
        return;
      }
      this.keep(sale);
    }
    this.metrics.salesRecorded.inc({ path: 'queued' });
    await this.queue.enqueue(sale, ms - (performance.now() - t0));
  }

  private direct(sale: SaleEvent, ms: number): Promise<boolean> {
    if (ms <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      this.waiting.push({
        sale,
        done: (recorded) => {
          clearTimeout(timer);
          resolve(recorded);
        },
      });
      if (!this.flushing) {
        this.flushing = true;
        // the sales accepted in this turn of the event loop go in one statement
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, BATCH);
      let recorded = false;
      try {
        await this.ledger.recordSales(batch.map((w) => w.sale));
        recorded = true;
      } catch (e) {
        this.directOffUntil = performance.now() + DIRECT_OFF_MS;
        this.metrics.ledgerErrors.inc({ op: 'record' });
        this.log.error({ err: (e as Error).message, sales: batch.length }, 'ledger refused sales on the post path: they go through the durable queue, and are kept here until it takes them');
      }
      for (const w of batch) w.done(recorded);
    }
    this.flushing = false;
  }

  private keep(sale: SaleEvent): void {
    if (this.kept.size >= this.opts.maxKept) {
      this.log.error({ sale: sale.id, kept: this.kept.size }, 'too many sales kept while the ledger is away: this one is in the durable queue only');
      return;
    }
    this.kept.set(sale.id, sale);
    this.metrics.salesUnrecorded.set(this.kept.size);
  }

  private async retryKept(): Promise<void> {
    if (this.retrying || this.kept.size === 0) return;
    this.retrying = true;
    try {
      const sales = [...this.kept.values()];
      for (let i = 0; i < sales.length; i += BATCH) {
        const batch = sales.slice(i, i + BATCH);
        await this.ledger.recordSales(batch);
        for (const s of batch) this.kept.delete(s.id);
      }
      this.log.info('every sale kept while the ledger was away is in it');
    } catch {
      // still away: the next second tries again
    } finally {
      this.metrics.salesUnrecorded.set(this.kept.size);
      this.retrying = false;
    }
  }

  /** sales this process holds that the ledger may not have yet */
  get unrecorded(): number {
    return this.kept.size;
  }

  /** at shutdown: the sales on their way are written or queued, a last try for the kept ones, and any left are logged whole */
  async close(): Promise<void> {
    clearInterval(this.timer);
    // a write in flight ends within the ledger's own query bound; this waits at most 2 s for it
    const until = performance.now() + 2000;
    while (this.flushing && performance.now() < until) await new Promise((r) => setTimeout(r, 10));
    await this.retryKept();
    // each of these is in the durable queue too (or logged by it): the log is the operator's last copy
    for (const sale of this.kept.values()) this.log.error({ sale }, 'sale not yet in the ledger at shutdown (it waits in the durable queue)');
  }
}
