import { Redis } from 'ioredis';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { ROOT } from '../../src/core/paths.js';
import { ensureBuilt } from './dist-guard.js';
import { buildConsole } from '../../console/build.mjs';

/**
 * Tests talk to a real Redis and a real PostgreSQL. When either does not answer, the run fails
 * at once with how to start it, never skips: a skipped store test would prove nothing.
 * Then dist/ is brought up to date with the source (test/support/dist-guard.ts): Gavel
 * processes, the scoring pool's threads and the CLI run the built code.
 */
export default async function setup(project: TestProject): Promise<void> {
  const url = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    throw new Error(
      `No Redis answers at ${url} (${(e as Error).message}). Start one with:\n` +
        `  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no\n` +
        `or point TEST_REDIS_URL at one.`,
    );
  } finally {
    client.disconnect();
  }
  // the ledger's tests talk to a real PostgreSQL, as the store's talk to a real Redis
  const pgUrl = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const db = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 3000 });
  try {
    await db.connect();
    await db.query('SELECT 1');
  } catch (e) {
    throw new Error(
      `No PostgreSQL answers at ${pgUrl} (${(e as Error).message}). Start one (Debian: pg_ctlcluster 15 main start, ` +
        `with trust auth on 127.0.0.1 and a database named test), or point TEST_PG_URL at one.`,
    );
  } finally {
    await db.end().catch(() => undefined);
  }
  ensureBuilt(ROOT);
  // the console's bundle (well under a second), here once rather than in each test file that
  // serves it, so no file deletes dist/console while another one's server reads it
  await buildConsole();
  // a watch run calls this setup once: each re-run after an edit checks dist/ again first
  project.onTestsRerun(() => ensureBuilt(ROOT));
}
