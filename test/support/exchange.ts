import { randomBytes } from 'node:crypto';
import { parseConfig } from '../../src/config/load-config.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { startGavel, type Gavel } from '../../src/gavel.js';
import { dropSchema as dropLedgerSchema } from '../../bench/support/bench-ledger.js';
import { ADMIN_KEY, PG_URL, REDIS_URL, SELLER_KEY } from './test-config.js';

export * from './test-config.js';

export async function startExchange(config: ConfigInput, store: 'redis' | 'memory' = 'redis'): Promise<Gavel> {
  const data = parseConfig(store === 'redis' ? config : { ...config, redis: undefined });
  return startGavel({ config: data, port: 0, host: '127.0.0.1', operatorPort: 0, logLevel: 'silent' });
}

export interface Answer {
  status: number;
  body: any;
  ms: number;
}

/** A seller's call to Gavel over real HTTP. */
export async function call(port: number, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const t0 = performance.now();
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${SELLER_KEY}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' || body instanceof Uint8Array ? (body as string) : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* left as text: the test says what it expected */
  }
  return { status: res.status, body: parsed, ms: performance.now() - t0 };
}

/** A GET with a party's key, on the listener of the port given: its status and JSON body. */
export async function getAs(port: number, path: string, key: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, body: (await res.json()) as any };
}

/** GET /v1/leads/{id} with a key (the operator's by default), each on its listener: the operator's key on the operator one. */
export async function readTrace(g: { port: number; operatorPort: number }, leadId: string, key = ADMIN_KEY): Promise<Answer> {
  const t0 = performance.now();
  const port = key === ADMIN_KEY ? g.operatorPort : g.port;
  const res = await fetch(`http://127.0.0.1:${port}/v1/leads/${encodeURIComponent(leadId)}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, body: await res.json(), ms: performance.now() - t0 };
}

/** Gavel's Prometheus text, from its operator listener. */
export async function metricsOf(g: { operatorPort: number }): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${g.operatorPort}/metrics`);
  if (!res.ok) throw new Error(`GET /metrics: HTTP ${res.status}`);
  return res.text();
}

/** Delete every key under a test's prefix (dedup keys live 30 days otherwise). */
export async function cleanPrefix(prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, found] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (found.length) await client.del(...found);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

/** A PostgreSQL schema of a test's own, so tests never see each other's ledger. */
export function testSchema(): string {
  return `t_${randomBytes(6).toString('hex')}`;
}

export function dropSchema(schema: string): Promise<void> {
  return dropLedgerSchema(PG_URL, schema);
}

/** Shut an exchange down and remove what it left in Redis. */
export async function stopExchange(g: Gavel): Promise<void> {
  const prefix = g.runtime.data.redis?.prefix;
  await g.shutdown();
  if (g.store.kind === 'redis' && prefix) await cleanPrefix(prefix);
}
