import { randomBytes, randomInt } from 'node:crypto';
import { parseConfig } from '../../src/config/load-config.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { startGavel, type Gavel } from '../../src/gavel.js';
import { dropSchema as dropLedgerSchema } from '../../bench/support/bench-ledger.js';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** the ledger's PostgreSQL (test/support/global-setup.ts fails the run when it does not answer) */
export const PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const SECRET = 'test-secret-0123456789abcdef';
export const SELLER_KEY = 'seller-key-0123456789';
/** the operator's key in testConfig: GET /v1/leads/{id} shows it whole traces */
export const ADMIN_KEY = 'admin-key-0123456789abcdef';

/** A unique key prefix per test, so tests never see each other's keys in the one Redis. */
export function testPrefix(): string {
  return `test:${randomBytes(6).toString('hex')}:`;
}

export interface BuyerSpec {
  id: string;
  url: string;
  timeout_ms?: number;
  caps?: Record<string, unknown>;
  campaign_caps?: Record<string, Record<string, unknown>>;
}

/** The lead of the e2e tests: ping fields zip/state/age; PII name/phone/email. */
export const TEST_FIELDS = {
  zip: { type: 'string', pattern: '^[0-9]{5}$', required: true, ping: true },
  state: { type: 'string', required: true, ping: true },
  age: { type: 'integer', min: 18, max: 120, ping: true },
  name: { type: 'string', pii: true },
  phone: { type: 'phone', required: true, pii: true },
  email: { type: 'email', pii: true },
} as const;

/** The campaign of the e2e tests: ping fields zip/state/age, PII phone/email/name, dedup on phone. */
export function testConfig(buyers: BuyerSpec[], campaign: Record<string, unknown> = {}, prefix = testPrefix()): ConfigInput {
  return {
    redis: { url: REDIS_URL, prefix },
    secret: SECRET,
    admin_key: ADMIN_KEY,
    campaigns: [
      {
        id: 'auto',
        tmax_ms: 150,
        margin: 0.2,
        floor: 1.0,
        dedup: { fields: ['phone'], window: '30d' },
        fields: TEST_FIELDS,
        ...campaign,
      },
    ],
    sellers: [{ id: 'pub1', api_key: SELLER_KEY }],
    buyers: buyers.map((b) => ({
      id: b.id,
      campaigns: ['auto'],
      ping_url: `${b.url}/ping`,
      post_url: `${b.url}/post`,
      timeout_ms: b.timeout_ms ?? 100,
      ...(b.caps ? { caps: b.caps } : {}),
      ...(b.campaign_caps ? { campaign_caps: b.campaign_caps } : {}),
    })),
  };
}

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

let phoneSeq = randomInt(0, 100_000_000);
/** A fresh, valid full lead with a phone of its own. */
export function fullLead(over: Record<string, unknown> = {}): Record<string, unknown> {
  const phone = `55${String(phoneSeq++ % 100_000_000).padStart(8, '0')}`;
  return { zip: '90210', state: 'CA', age: 40, name: 'Ada Lovelace', phone, email: 'Ada@Example.com', ...over };
}

export function pingLead(lead: Record<string, unknown>): Record<string, unknown> {
  return { zip: lead.zip, state: lead.state, age: lead.age };
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
