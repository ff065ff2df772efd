import { parseConfig } from '../../src/config/load-config.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { startGavel, type Gavel } from '../../src/gavel.js';
import { PostgresVersions } from '../../src/versions/postgres-versions.js';
import { ADMIN_KEY, PG_URL } from './test-config.js';

export interface AdminAnswer {
  status: number;
  body: any;
  text: string;
  type: string | null;
}

/** One call of the admin API on the operator listener, with the operator's key unless told otherwise. */
export async function admin(g: { operatorPort: number }, method: string, path: string, body?: unknown, key: string | null = ADMIN_KEY): Promise<AdminAnswer> {
  const res = await fetch(`http://127.0.0.1:${g.operatorPort}${path}`, {
    method,
    headers: { ...(key !== null ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* YAML or empty: the test reads `text` */
  }
  return { status: res.status, body: parsed, text, type: res.headers.get('content-type') };
}

/**
 * An exchange whose configuration lives as versions in PostgreSQL (a schema of the test's own),
 * seeded from `config` as a first start from a file would be, and running its live version.
 */
export async function startVersionedExchange(config: ConfigInput, schema: string, pollMs?: number): Promise<{ g: Gavel; versions: PostgresVersions }> {
  const versions = new PostgresVersions({ url: PG_URL, schema });
  await versions.start();
  await versions.seedIfEmpty(config, 'file');
  const live = await versions.live();
  const g = await startGavel({
    config: parseConfig(live.document),
    versions: { store: versions, startedOn: live.version },
    port: 0,
    host: '127.0.0.1',
    operatorPort: 0,
    logLevel: 'silent',
    ...(pollMs !== undefined ? { configPollMs: pollMs } : {}),
  });
  return { g, versions };
}
