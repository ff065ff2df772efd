import type { Runtime } from './config/runtime.js';
import { durationMs } from './core/duration.js';
import type { RuntimeSource } from './config/live-runtime.js';
import { BatchDeliveries, type BatchMail } from './delivery/batch-deliveries.js';
import { domainOf, Mailer } from './delivery/mailer.js';
import { MemoryBatchStore } from './delivery/batch-memory-store.js';
import { PostgresBatchStore } from './delivery/batch-postgres-store.js';
import type { Ledger } from './ledger/ledger.js';
import type { Store } from './store/store.js';
import type { Logger } from './telemetry/logger.js';
import type { Metrics } from './telemetry/metrics.js';

export interface BatchStart {
  runtime: Runtime;
  live: RuntimeSource;
  ledger: Ledger;
  postgresUrl: string | undefined;
  store: Store;
  /** this process's name in the store's lease */
  holder: string;
  metrics: Metrics;
  log: Logger;
}

/** Gavel will not start batch files this way; the message says why. */
export class BatchesRefused extends Error {}

/**
 * Start-up step, before anything opens: batch buyers on a shared store need their records in
 * PostgreSQL (`ledgerOnPostgres`: a URL, and the ledger on).
 */
export function refuseSharedMemory(runtime: Runtime, storeKind: string, ledgerOnPostgres: boolean): void {
  const batchBuyers = runtime.buyers.filter((b) => b.config.batch !== undefined).map((b) => b.id);
  if (!ledgerOnPostgres && batchBuyers.length > 0 && storeKind !== 'memory') {
    throw new BatchesRefused(`buyers ${batchBuyers.join(', ')} take batch files: with a shared Redis their records need the ledger on PostgreSQL (DATABASE_URL or ledger.postgres_url)`);
  }
}

/**
 * Start-up step: buyers' batch files, their records where the ledger is. PostgreSQL (the
 * ledger's schema) when the ledger is there; else this process's memory, which only a lone
 * process may use: several processes on one Redis would each build files of their own leads
 * under the same names, so that is refused.
 */
export function openBatches(s: BatchStart): BatchDeliveries {
  const batchBuyers = s.runtime.buyers.filter((b) => b.config.batch !== undefined).map((b) => b.id);
  const onPostgres = s.ledger.kind === 'postgres' && s.postgresUrl !== undefined;
  refuseSharedMemory(s.runtime, s.store.kind, onPostgres);
  const store = onPostgres ? new PostgresBatchStore(s.postgresUrl!, s.runtime.data.ledger.schema) : new MemoryBatchStore();
  if (batchBuyers.length > 0) {
    if (store.kind === 'memory') s.log.warn({ buyers: batchBuyers }, 'batch files: EMBEDDED MEMORY (leads waiting for a batch and unsent batches are lost when this process exits)');
    else s.log.info({ buyers: batchBuyers }, 'batch files: PostgreSQL');
  }
  // a batch every few seconds (tests, demos) is looked at as often; a daily one each second is cheap
  const tickMs = Math.min(1000, ...s.runtime.buyers.flatMap((b) => (b.config.batch?.every !== undefined ? [Math.max(100, durationMs(b.config.batch.every) / 4)] : [])));
  return new BatchDeliveries({ live: s.live, store, holder: s.holder, tickMs, mail: batchMail(s.runtime), metrics: s.metrics, log: s.log });
}

/**
 * E-mail batches through the operator's relay (the config's `smtp`), one message per batch and
 * try, its Message-ID the batch's: a batch mailed again after a crash is recognisably the same
 * message (e-mail is at least once; the buyer's mail reader may drop the repeat). None: no relay.
 */
function batchMail(runtime: Runtime): BatchMail | null {
  const smtp = runtime.data.smtp;
  if (smtp === undefined) return null;
  const mailer = new Mailer(smtp);
  const domain = domainOf(smtp.from);
  return async (to, subject, file, batchId) => {
    await mailer.sendMail({
      to,
      subject,
      text: `${file.name}: Gavel's batch of leads, attached.`,
      attachments: [{ filename: file.name, content: file.bytes, contentType: file.name.endsWith('.csv') ? 'text/csv' : 'application/x-ndjson' }],
      messageId: `<batch.${Buffer.from(batchId).toString('base64url')}@${domain}>`,
    });
  };
}
