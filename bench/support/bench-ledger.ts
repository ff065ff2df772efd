import pg from 'pg';

/** The bench's Gavel records its sales as production does: in PostgreSQL (BENCH_PG_URL), a schema per run. */
export const BENCH_PG_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** the schema of a run under a Redis prefix (`bench:1a2b3c4d:` -> `bench_1a2b3c4d`) */
export function benchSchema(prefix: string): string {
  return prefix.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/_+$/, '');
}

export function benchLedger(prefix: string): { postgres_url: string; schema: string } {
  return { postgres_url: BENCH_PG_URL, schema: benchSchema(prefix) };
}

/** drop a ledger's schema and everything in it (the bench's runs, the tests' own schemas) */
export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** drop what a run's Gavel recorded */
export function dropBenchLedger(prefix: string): Promise<void> {
  return dropSchema(BENCH_PG_URL, benchSchema(prefix));
}
