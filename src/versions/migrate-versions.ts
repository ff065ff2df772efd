import type pg from 'pg';
import { VERSIONS_MIGRATIONS } from './versions-migrations.js';

/** Names are spliced into SQL (quoted), so only plain lower-case identifiers are accepted, as for the ledger. */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Apply the versions' steps not yet recorded in `schema`, the way PostgresLedger.start applies the
 * ledger's: one advisory lock per schema, so processes starting at once apply each step once.
 */
export async function migrateVersions(c: pg.PoolClient, schema: string): Promise<void> {
  for (let i = 1; i < VERSIONS_MIGRATIONS.length; i++) {
    if (VERSIONS_MIGRATIONS[i]!.version <= VERSIONS_MIGRATIONS[i - 1]!.version) throw new Error('config versions migrations must be in strictly increasing version order');
  }
  const q = `"${schema}"`;
  // the ledger's lock name: a ledger and the versions starting at once on one schema take turns
  const lock = (): Promise<unknown> => c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`gavel-migrations:${schema}`]);
  await inTransaction(c, async () => {
    await lock();
    // as in the ledger: a schema made beforehand by an administrator must not need the privilege to create one
    const found = await c.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (found.rowCount === 0) await c.query(`CREATE SCHEMA ${q}`);
    const table = await c.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [`${q}.config_schema_migrations`]);
    if (table.rows[0]!.t === null) {
      await c.query(`CREATE TABLE ${q}.config_schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    }
  });
  for (const m of VERSIONS_MIGRATIONS) {
    await inTransaction(c, async () => {
      await lock();
      const applied = await c.query<{ name: string }>(`SELECT name FROM ${q}.config_schema_migrations WHERE version = $1`, [m.version]);
      if (applied.rows.length > 0) {
        const name = applied.rows[0]!.name;
        if (name !== m.name) throw new Error(`config schema ${schema}: migration ${m.version} was applied as "${name}", this build knows it as "${m.name}"`);
        return;
      }
      await c.query(`SET LOCAL search_path TO ${q}`);
      await c.query(m.sql);
      await c.query(`INSERT INTO ${q}.config_schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
    });
  }
}

export async function inTransaction<T>(c: pg.PoolClient, fn: () => Promise<T>): Promise<T> {
  await c.query('BEGIN');
  try {
    const out = await fn();
    await c.query('COMMIT');
    return out;
  } catch (e) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
