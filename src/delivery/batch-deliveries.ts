import type { SoldLead } from '../auction/stage-parts.js';
import type { RuntimeSource } from '../config/live-runtime.js';
import type { BuyerRuntime } from '../config/runtime.js';
import type { BatchDelivery } from '../config/batch-schema.js';
import { durationMs } from '../core/duration.js';
import { seal, unseal } from '../core/sealed.js';
import type { Logger } from '../telemetry/logger.js';
import type { LeadDelivery } from '../trace/trace-views.js';
import type { Metrics } from '../telemetry/metrics.js';
import { batchFileName, batchId, renderBatch, type BatchLayout } from './batch-file.js';
import { lastWindow } from './batch-schedule.js';
import { sftpPut } from './batch-sftp.js';
import type { BatchStore, BatchSummary, BatchToSend } from './batch-store.js';

/** The sealing purpose of a lead waiting for its batch (src/core/sealed.ts). */
const PURPOSE = 'batch-lead';
/** The longest wait between two tries of one batch. */
const MAX_BACKOFF_MS = 3_600_000;
/** A buyer's lease outlives one send (its batch.timeout) twice, and this: a holder renews it before each send. */
const LEASE_SLACK_MS = 5_000;
/** Sold leads kept in the process while the store refuses them (a buyer with a post_url and files). */
const MAX_UNQUEUED = 10_000;

/** A batch sent as an e-mail attachment (the mailer's, src/delivery/mailer.ts); null: none configured. */
export type BatchMail = (to: readonly string[], subject: string, file: { name: string; bytes: Buffer }, batchId: string) => Promise<void>;

export interface BatchDeliveriesParts {
  live: RuntimeSource;
  store: BatchStore;
  /** this process, in the store's lease */
  holder: string;
  /** how often each buyer's schedule is looked at (ms) */
  tickMs: number;
  mail: BatchMail | null;
  metrics: Metrics;
  log: Logger;
  /** the environment a private_key_env is read from */
  env?: NodeJS.ProcessEnv;
}

/**
 * Buyers' leads as files on a schedule. A sold lead is queued, sealed, for its buyer
 * (`addToBatch`); each tick, for every buyer with a `batch`, the process holding the buyer's
 * lease builds the window that ended last into one batch (its leads leave the queue as the
 * record is made) and sends every batch not yet delivered, oldest first, retrying with backoff.
 * A lead is in one batch; a batch is one file name and one content, whoever sends it and however
 * often, so a send repeated after a crash leaves the buyer one copy (README: Batch files).
 */
export class BatchDeliveries {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private closed = false;
  private readonly unqueued: SoldLead[] = [];

  constructor(private readonly parts: BatchDeliveriesParts) {}

  /** Queue a sold lead for its buyer's next batch, durably (the store's write) and sealed. */
  async addToBatch(sale: SoldLead): Promise<void> {
    const secret = this.parts.live.current().runtime.secret;
    const sealed = seal(secret, PURPOSE, JSON.stringify(sale));
    await this.parts.store.enqueue(sale.buyer, { leadId: sale.leadId, queuedAt: sale.at, sealed });
  }

  /** The deliveries hook's side: a sale of a buyer with a batch and a post_url of its own (a batch-only buyer's post queued it already). */
  told(sale: SoldLead): void {
    const buyer = this.parts.live.current().runtime.buyers.find((b) => b.id === sale.buyer);
    if (buyer?.config.batch === undefined || buyer.config.post_url === undefined) return;
    this.addToBatch(sale).catch((e) => {
      this.parts.metrics.batches.inc({ buyer: sale.buyer, result: 'unqueued' });
      this.parts.log.error({ buyer: sale.buyer, lead_id: sale.leadId, err: (e as Error).message }, 'sold lead not queued for its batch file: kept in this process, retried each round');
      this.keep(sale);
    });
  }

  /** A sale the store refused, kept for the next round; past the bound the oldest is dropped, said loudly. */
  private keep(sale: SoldLead): void {
    if (this.unqueued.length >= MAX_UNQUEUED) {
      const lost = this.unqueued.shift()!;
      this.parts.log.error({ buyer: lost.buyer, lead_id: lost.leadId }, 'sold lead dropped from its batch files: too many waiting for the store');
    }
    this.unqueued.push(sale);
  }

  /** Each round first queues again what the store refused before. */
  private async requeue(): Promise<void> {
    const waiting = this.unqueued.splice(0);
    for (const sale of waiting) {
      try {
        await this.addToBatch(sale);
      } catch {
        this.unqueued.push(sale);
      }
    }
  }

  start(): void {
    const loop = () => {
      if (this.closed) return;
      this.running = this.tick()
        .catch((e) => this.parts.log.error({ err: (e as Error).message }, 'batch files: a round failed'))
        .finally(() => {
          this.running = null;
          if (!this.closed) this.timer = setTimeout(loop, this.parts.tickMs);
        });
    };
    this.timer = setTimeout(loop, 0);
  }

  /** One round over every buyer with a batch: build what is due, send what waits. */
  async tick(now = Date.now()): Promise<void> {
    if (this.unqueued.length > 0) await this.requeue();
    for (const buyer of this.parts.live.current().runtime.buyers) {
      const batch = buyer.config.batch;
      if (batch === undefined || this.closed) continue;
      const leaseMs = 2 * durationMs(batch.timeout) + LEASE_SLACK_MS;
      try {
        if (!(await this.parts.store.lease(buyer.id, this.parts.holder, now, leaseMs))) continue;
        await this.build(buyer, batch, now);
        for (const b of await this.parts.store.due(buyer.id, Date.now())) {
          if (this.closed) return;
          if (!(await this.parts.store.lease(buyer.id, this.parts.holder, Date.now(), leaseMs))) break;
          await this.send(buyer, batch, b);
        }
      } catch (e) {
        this.parts.log.error({ buyer: buyer.id, err: (e as Error).message }, 'batch files: the store failed');
      }
    }
  }

  private async build(buyer: BuyerRuntime, batch: BatchDelivery, now: number): Promise<void> {
    const zone = buyer.config.caps.timezone;
    const w = lastWindow(batch, now, zone);
    const id = batchId(buyer.id, w.start);
    const file = batchFileName(buyer.id, w.start, batch.every !== undefined ? durationMs(batch.every) : null, zone, batch.format);
    const layout: BatchLayout = { format: batch.format, ...(batch.columns !== undefined ? { columns: batch.columns } : {}) };
    const built = await this.parts.store.build({ buyer: buyer.id, id, file, windowStart: w.start, before: w.end, at: now, layout: JSON.stringify(layout), channel: batch.sftp !== undefined ? 'sftp' : 'email' });
    if (built) {
      this.parts.metrics.batches.inc({ buyer: buyer.id, result: 'built' });
      this.parts.log.info({ buyer: buyer.id, batch: id, file }, 'batch built');
    }
  }

  private async send(buyer: BuyerRuntime, batch: BatchDelivery, b: BatchToSend): Promise<void> {
    const secret = this.parts.live.current().runtime.secret;
    try {
      const sales = b.items.map((item) => {
        const text = item.sealed === null ? null : unseal(secret, PURPOSE, item.sealed);
        if (text === null) throw new Error(`lead ${item.leadId} cannot be unsealed (was the secret changed?)`);
        return JSON.parse(text) as SoldLead;
      });
      const bytes = renderBatch(JSON.parse(b.layout) as BatchLayout, sales, b.builtAt);
      let how: string;
      if (batch.sftp !== undefined) {
        const s = batch.sftp;
        const key = s.private_key ?? (this.parts.env ?? process.env)[s.private_key_env!];
        if (key === undefined || key === '') throw new Error(`no private key: ${s.private_key_env} is not set`);
        how = await sftpPut({ host: s.host, port: s.port, user: s.user, privateKey: key, folder: s.folder, hostKey: s.host_key }, b.file, bytes, durationMs(batch.timeout));
      } else {
        if (this.parts.mail === null) throw new Error('no mailer configured for e-mail batches');
        await this.parts.mail(batch.email!.to, `Leads: ${b.file} (${b.leads})`, { name: b.file, bytes }, b.id);
        how = 'sent';
      }
      await this.parts.store.delivered(b.id, Date.now());
      this.parts.metrics.batches.inc({ buyer: buyer.id, result: 'delivered' });
      this.parts.log.info({ buyer: buyer.id, batch: b.id, file: b.file, leads: b.leads, attempt: b.attempts + 1, how }, 'batch delivered');
    } catch (e) {
      const error = errorText(e);
      const wait = Math.min(durationMs(batch.retry_after) * 2 ** b.attempts, MAX_BACKOFF_MS);
      await this.parts.store.failed(b.id, error, Date.now() + wait);
      this.parts.metrics.batches.inc({ buyer: buyer.id, result: 'retried' });
      this.parts.log.warn({ buyer: buyer.id, batch: b.id, file: b.file, attempt: b.attempts + 1, retry_in_ms: wait, err: error }, 'batch not delivered: retried after its backoff');
    }
  }

  /**
   * A lead's batch files, as its trace shows its deliveries beside the post: channel `batch:sftp`
   * or `batch:email`, waiting or retrying until delivered, its tries and last error.
   */
  async ofLead(leadId: string): Promise<LeadDelivery[]> {
    return (await this.parts.store.ofLead(leadId)).map((b) => ({
      buyer: b.buyer,
      channel: `batch:${b.channel}`,
      state: b.state === 'delivered' ? 'delivered' : b.attempts > 0 ? 'retrying' : 'waiting',
      attempts: b.attempts,
      first_at: new Date(b.builtAt).toISOString(),
      last_at: new Date(b.deliveredAt ?? b.builtAt).toISOString(),
      last_status: null,
      last_error: b.lastError,
    }));
  }

  list(buyer: string | undefined, limit: number): Promise<BatchSummary[]> {
    return this.parts.store.list(buyer, limit);
  }

  /** Stop scheduling; a round under way finishes (a batch it leaves unsent is sent by the next holder). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    await this.running;
    await this.parts.store.close();
  }
}

/** An error as a record keeps it: short, one line, no personal data (it comes from the transport, not the leads). */
function errorText(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').slice(0, 300);
}
