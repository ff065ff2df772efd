import { z } from 'zod';
import { readQueued } from './queued-json.js';
import { within } from '../core/within.js';
import type { QueueStore } from '../store/store.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import { recordIds, type SaleEvent } from './ledger.js';

/** The durable queue sales travel through, from the exchange that sold to the ledger (store.enqueue). */
export const SALES_QUEUE = 'sales';

const micros = z.int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** A sale as queued: written by Gavel, but read back from a store others may write to, so checked. */
export const SaleEventSchema = z.strictObject({
  id: z.string().min(1).max(300),
  lead_id: z.string().min(1).max(128),
  campaign: z.string().min(1).max(64),
  seller: z.string().min(1).max(64),
  sub_id: z.string().max(128).nullable(),
  buyer: z.string().min(1).max(64),
  price_micros: micros,
  payout_micros: micros,
  grade: z.string().max(8).nullable(),
  at: z.int().positive(),
  experiment: z.string().min(1).max(64).optional(),
  arm: z.string().min(1).max(64).optional(),
});

/** a lead is sold at most once to a buyer: the id makes a replayed sale a no-op */
export const saleId = recordIds.sale;

export function readSale(body: string): SaleEvent | null {
  return readQueued(SaleEventSchema, body);
}

/**
 * The exchange's side of the queue. A sale is in the durable queue before the seller hears of it
 * (`enqueue` resolves then), so a process that dies after answering loses no sale. When the
 * store refuses or is too slow, the sale is kept here and retried each second: the seller is
 * still answered (the buyer did accept), and the gauge and the log say a sale waits.
 */
export class SaleQueue {
  private readonly waiting: string[] = [];
  private readonly timer: NodeJS.Timeout;
  private retrying = false;

  constructor(
    private readonly store: QueueStore,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    this.timer = setInterval(() => void this.retry(), 1000);
    this.timer.unref();
  }

  /** resolves (never rejects) once the sale is queued, or kept for retry after `ms` */
  async enqueue(sale: SaleEvent, ms: number): Promise<void> {
    const body = JSON.stringify(sale);
    try {
      // a write that lands after we gave up is no harm: the ledger records a sale id once
      await within(this.store.enqueue(SALES_QUEUE, body), Math.max(1, ms), () => undefined);
    } catch {
      this.keep(body, sale.id);
    }
  }

  private keep(body: string, id: string): void {
    this.metrics.ledgerErrors.inc({ op: 'enqueue' });
    this.waiting.push(body);
    this.metrics.salesUnqueued.set(this.waiting.length);
    this.log.error({ sale: id, waiting: this.waiting.length }, 'sale not in the durable queue yet: kept in this process and retried');
  }

  private async retry(): Promise<void> {
    if (this.retrying || this.waiting.length === 0) return;
    this.retrying = true;
    try {
      while (this.waiting.length > 0) {
        await this.store.enqueue(SALES_QUEUE, this.waiting[0]!);
        this.waiting.shift();
      }
      this.log.info('every kept sale is in the durable queue');
    } catch {
      // still refused: the next second tries again
    } finally {
      this.metrics.salesUnqueued.set(this.waiting.length);
      this.retrying = false;
    }
  }

  /** sales still held here */
  get unqueued(): number {
    return this.waiting.length;
  }

  /** at shutdown: a last try, then what could not be queued is logged whole, so an operator can replay it */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.retry();
    for (const body of this.waiting) this.log.fatal({ sale: body }, 'sale never reached the durable queue');
  }
}
