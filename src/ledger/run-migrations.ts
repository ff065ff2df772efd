import type pg from 'pg';

/** Names are spliced into SQL (quoted), so only plain lower-case identifiers are accepted. */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** One schema step: released once, never edited (a database that recorded its version would never see the edit). */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export interface MigrationSet {
  /** the table in the schema that records which steps were applied */
  table: string;
  /** what the steps belong to, in errors: "ledger", "config" */
  label: string;
  steps: readonly Migration[];
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

/**
 * Apply the steps of `set` not yet recorded in `schema`, each in a transaction of its own with
 * the schema as its search_path (the steps' SQL names tables without a schema). One advisory lock
 * per schema, shared by every set: processes starting at once, or the ledger and the config
 * versions on one schema, take turns, so each step is applied once.
 */
export async function runMigrations(c: pg.PoolClient, schema: string, set: MigrationSet): Promise<void> {
  for (let i = 1; i < set.steps.length; i++) {
    if (set.steps[i]!.version <= set.steps[i - 1]!.version) throw new Error(`${set.label} migrations must be in strictly increasing version order`);
  }
  const q = `"${schema}"`;
  const lock = (): Promise<unknown> => c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`gavel-migrations:${schema}`]);
  await inTransaction(c, async () => {
    await lock();
    // CREATE ... IF NOT EXISTS checks the privilege to create before existence: a schema made
    // beforehand by an administrator must not need that privilege
    const found = await c.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (found.rowCount === 0) await c.query(`CREATE SCHEMA ${q}`);
    const table = await c.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [`${q}.${set.table}`]);
    if (table.rows[0]!.t === null) {
      await c.query(`CREATE TABLE ${q}.${set.table} (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    }
  });
  for (const m of set.steps) {
    await inTransaction(c, async () => {
      await lock();
      const applied = await c.query<{ name: string }>(`SELECT name FROM ${q}.${set.table} WHERE version = $1`, [m.version]);
      if (applied.rows.length > 0) {
        const name = applied.rows[0]!.name;
        if (name !== m.name) throw new Error(`${set.label} schema ${schema}: migration ${m.version} was applied as "${name}", this build knows it as "${m.name}"`);
        return;
      }
      await c.query(`SET LOCAL search_path TO ${q}`);
      await c.query(m.sql);
      await c.query(`INSERT INTO ${q}.${set.table} (version, name) VALUES ($1, $2)`, [m.version, m.name]);
    });
  }
}
