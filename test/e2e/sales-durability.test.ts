import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { startGavel, type Gavel } from '../../src/gavel.js';
import { saleId } from '../../src/ledger/sales-queue.js';
import { startBuyer } from '../support/buyer-server.js';
import { call, dropSchema, fullLead, PG_URL, testConfig, testPrefix, testSchema } from '../support/exchange.js';
import { freePort } from '../support/process.js';

/**
 * Issue 14, "lost": a sale a seller was told of survives the loss of any one part. Here Redis
 * restarting empty, and PostgreSQL away and then Redis restarting empty in turn. (A Gavel process
 * killed after answering: test/e2e/ledger.test.ts.) These tests run a Redis of their own, since
 * they kill it.
 */
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** a redis-server of the test's own that keeps nothing on disk, as the README's own command starts it */
async function ownRedis(port: number): Promise<{ kill(): Promise<void> }> {
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let i = 0; i < 100; i++) {
    if (await answers(port)) break;
    await sleep(50);
  }
  if (!(await answers(port))) throw new Error(`redis-server on ${port} did not start: is redis-server installed (apt-get install redis-server)?`);
  return {
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => s.write('PING\r\n'));
    s.once('data', (d) => {
      s.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    s.once('error', () => resolve(false));
  });
}

/** PostgreSQL behind a TCP proxy the test can take away (every connection cut, new ones refused) and bring back */
async function pgProxy(): Promise<{ url: string; down(): Promise<void>; up(): Promise<void> }> {
  const target = new URL(PG_URL);
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  const up = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = connect(Number(target.port || 5432), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => undefined);
        }
        client.pipe(upstream).pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      server.listen(port, '127.0.0.1', () => resolve());
    });
  const down = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      if (server === null) return resolve();
      server.close(() => resolve());
      server = null;
    });
  await up();
  cleanups.push(down);
  const url = new URL(PG_URL);
  url.port = String(port);
  return { url: url.toString(), down, up };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** the sale ids a schema's ledger holds, read straight from PostgreSQL */
async function ledgerSales(schema: string): Promise<Set<string>> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    const r = await client.query<{ event_id: string }>(`SELECT event_id FROM "${schema}".ledger_events WHERE kind = 'sale'`);
    return new Set(r.rows.map((x) => x.event_id));
  } finally {
    await client.end();
  }
}

async function exchange(redisPort: number, pgUrl: string, schema: string): Promise<{ g: Gavel; buyerUrl: string }> {
  const b = await startBuyer(() => ({ body: { bid: 10 } }));
  cleanups.push(() => b.close());
  const c = testConfig([{ id: 'a', url: b.url }], {}, testPrefix());
  // the writer reads the queue once a minute: what reaches the ledger here did not wait for it
  const config = { ...c, redis: { url: `redis://127.0.0.1:${redisPort}`, prefix: 'gavel:' }, ledger: { postgres_url: pgUrl, schema, poll_ms: 60_000 } };
  const g = await startGavel({ config: parseConfig(config), port: 0, host: '127.0.0.1', logLevel: 'silent' });
  cleanups.push(() => g.shutdown());
  return { g, buyerUrl: b.url };
}

async function sellMany(port: number, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await call(port, '/v1/leads', { campaign: 'auto', lead: fullLead() });
    expect(r.body.status).toBe('sold');
    ids.push(saleId(r.body.lead_id, 'a'));
  }
  return ids;
}

describe('a sale a seller was told of is never lost', () => {
  it('Redis killed and restarted empty right after 20 sales: all 20 are in the ledger', async () => {
    const schema = testSchema();
    cleanups.push(() => dropSchema(schema));
    const redisPort = await freePort();
    let redis = await ownRedis(redisPort);
    cleanups.push(() => redis.kill());
    const { g } = await exchange(redisPort, PG_URL, schema);
    const told = await sellMany(g.port, 20);
    await redis.kill();
    redis = await ownRedis(redisPort);
    const inLedger = await ledgerSales(schema);
    expect(told.filter((id) => !inLedger.has(id))).toEqual([]);
    expect(await g.metrics.registry.getSingleMetricAsString('gavel_sales_recorded_total')).toContain('path="direct"} 20');
  });

  it('PostgreSQL away, then Redis restarted empty: the process keeps what it sold and records it when PostgreSQL returns', async () => {
    const schema = testSchema();
    cleanups.push(() => dropSchema(schema));
    const redisPort = await freePort();
    let redis = await ownRedis(redisPort);
    cleanups.push(() => redis.kill());
    const proxy = await pgProxy();
    const { g } = await exchange(redisPort, proxy.url, schema);
    await sellMany(g.port, 2);
    await proxy.down();
    // the ledger is away: sales are answered all the same, through the durable queue
    const t0 = performance.now();
    const told = await sellMany(g.port, 10);
    expect((performance.now() - t0) / 10).toBeLessThan(400); // at most one direct_ms (250) wait, then straight to the queue
    expect(await g.metrics.registry.getSingleMetricAsString('gavel_sales_unrecorded')).toMatch(/gavel_sales_unrecorded \d+/);
    // and the queue is lost with Redis
    await redis.kill();
    redis = await ownRedis(redisPort);
    await proxy.up();
    let missing = told;
    for (let i = 0; i < 60 && missing.length > 0; i++) {
      await sleep(100);
      const inLedger = await ledgerSales(schema);
      missing = told.filter((id) => !inLedger.has(id));
    }
    expect(missing).toEqual([]);
    expect(await g.metrics.registry.getSingleMetricAsString('gavel_sales_unrecorded')).toContain('gavel_sales_unrecorded 0');
  });
});
