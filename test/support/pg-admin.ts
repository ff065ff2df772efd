import pg from 'pg';
import { PG_URL } from './test-config.js';

let admin: Promise<pg.Pool> | undefined;

/**
 * A pool on the tests' real PostgreSQL, made once per file. When none answers, every test that
 * asks fails with how to start one, never skips: a skipped PostgreSQL test would prove nothing.
 */
export function pgAdmin(): Promise<pg.Pool> {
  admin ??= (async () => {
    const pool = new pg.Pool({ connectionString: PG_URL, max: 2, connectionTimeoutMillis: 3000 });
    pool.on('error', () => undefined);
    try {
      await pool.query('SELECT 1');
      return pool;
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw new Error(
        `No PostgreSQL answers at ${PG_URL} (${(e as Error).message}). Start one, e.g.:\n` +
          `  pg_ctlcluster 15 main start && psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE test'\n` +
          `  or: docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust -e POSTGRES_DB=test postgres:16\n` +
          `or point TEST_PG_URL at one.`,
      );
    }
  })();
  return admin;
}

/** End the pool, if one was made (for afterAll). */
export async function closePgAdmin(): Promise<void> {
  const pool = await admin?.catch(() => undefined);
  admin = undefined;
  await pool?.end();
}
