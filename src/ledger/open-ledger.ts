import type { Logger } from '../telemetry/logger.js';
import type { Ledger } from './ledger.js';
import { MemoryLedger } from './memory-ledger.js';
import { PostgresLedger } from './postgres-ledger.js';

/**
 * The ledger the config asks for: PostgreSQL (migrated at start) when a URL is given, else
 * memory, said loudly: its money records die with the process and no other process sees them.
 * A PostgreSQL that cannot be reached at start stops the start: a ledger that silently
 * records nowhere would be worse than no exchange.
 */
export async function openLedger(url: string | undefined, schema: string, log: Logger): Promise<Ledger> {
  if (url === undefined) {
    const ledger = new MemoryLedger();
    await ledger.start();
    log.warn('ledger: EMBEDDED MEMORY (sales, returns and credits are lost when this process exits; set DATABASE_URL or ledger.postgres_url for PostgreSQL)');
    return ledger;
  }
  const ledger = new PostgresLedger({ url, schema });
  try {
    await ledger.start();
  } catch (e) {
    await ledger.close().catch(() => undefined);
    throw new Error(`ledger: PostgreSQL at ${url.replace(/\/\/[^@]*@/, '//***@')} could not be opened: ${(e as Error).message}`);
  }
  log.info({ schema }, 'ledger: PostgreSQL (migrations applied)');
  return ledger;
}
