import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Runtime } from './config/runtime.js';
import { LeadStats } from './ledger/lead-stats.js';
import type { Ledger } from './ledger/ledger.js';
import { LedgerWriter } from './ledger/ledger-writer.js';
import { MemoryLedger } from './ledger/memory-ledger.js';
import { openLedger } from './ledger/open-ledger.js';
import { SaleRecorder } from './ledger/sale-recorder.js';
import { SaleQueue } from './ledger/sales-queue.js';
import type { Store } from './store/store.js';
import type { Logger } from './telemetry/logger.js';
import type { Metrics } from './telemetry/metrics.js';

/** The ledger and what feeds it: sales on the post's path, the durable queue, the writer, the reports' counts. */
export interface LedgerParts {
  /** false: ledger.enabled is off, and nothing is fed to the ledger */
  readonly recording: boolean;
  readonly ledger: Ledger;
  readonly salesQueue: SaleQueue;
  readonly sales: SaleRecorder;
  readonly ledgerWriter: LedgerWriter;
  readonly stats: LeadStats;
  /** this process's name in the durable queues' consumer groups */
  readonly consumer: string;
}

/** Start-up step: open the ledger (PostgreSQL or memory) and start the parts that feed it. */
export async function openLedgerParts(runtime: Runtime, postgresUrl: string | undefined, store: Store, metrics: Metrics, log: Logger): Promise<LedgerParts> {
  const settings = runtime.data.ledger;
  const recording = settings.enabled;
  // off: an empty memory ledger answers returns and reports, and nothing is fed to it
  const ledger = recording ? await openLedger(postgresUrl, settings.schema, log) : new MemoryLedger();
  if (!recording) log.warn('ledger OFF (ledger.enabled: false): no sale is recorded, no report counted');
  const salesQueue = new SaleQueue(store, metrics, log);
  const sales = new SaleRecorder(ledger, salesQueue, { directMs: settings.direct_ms, maxKept: settings.max_kept_sales }, metrics, log);
  const consumer = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const ledgerWriter = new LedgerWriter(store, ledger, { consumer, batchSize: settings.batch_size, pollMs: settings.poll_ms, reclaimMs: settings.reclaim_after }, metrics, log);
  // reports' counts are rolled up from the traces as they are handed over
  const stats = new LeadStats(store, { consumer, flushMs: settings.stats_flush }, log);
  if (recording) {
    ledgerWriter.start();
    stats.start();
  }
  return { recording, ledger, salesQueue, sales, ledgerWriter, stats, consumer };
}
