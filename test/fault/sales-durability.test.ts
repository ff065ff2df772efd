import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { startGavel, type Gavel } from '../../src/gavel.js';
import { saleId } from '../../src/ledger/sales-queue.js';
import { startBuyer } from '../support/buyer-server.js';
import { call, dropSchema, fullLead, PG_URL, testConfig, testPrefix, testSchema } from '../support/exchange.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { startOwnRedis } from '../support/own-redis.js';
import { stopAfterEach } from '../support/stop-after.js';

/**
 * A sale a seller was told of survives the loss of any one part. Here Redis
 * restarting empty, and PostgreSQL away and then Redis restarting empty in turn. (A Gavel process
 * killed after answering: test/e2e/ledger.test.ts.) These tests run a Redis of their own, since
 * they kill it.
 */
const cleanups = stopAfterEach();

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

async function exchange(redisUrl: string, pgUrl: string, schema: string): Promise<{ g: Gavel; buyerUrl: string }> {
  const b = await startBuyer(() => ({ body: { bid: 10 } }));
  cleanups.push(() => b.close());
  const c = testConfig([{ id: 'a', url: b.url }], {}, testPrefix());
  // the writer reads the queue once a minute: what reaches the ledger here did not wait for it
  const config = { ...c, redis: { url: redisUrl, prefix: 'gavel:' }, ledger: { postgres_url: pgUrl, schema, poll_ms: 60_000 } };
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
    const redis = await startOwnRedis();
    cleanups.push(() => redis.stop());
    const { g } = await exchange(redis.url, PG_URL, schema);
    const told = await sellMany(g.port, 20);
    await redis.kill();
    await redis.restart();
    const inLedger = await ledgerSales(schema);
    expect(told.filter((id) => !inLedger.has(id))).toEqual([]);
    expect(await g.metrics.registry.getSingleMetricAsString('gavel_sales_recorded_total')).toContain('path="direct"} 20');
  });

  it('PostgreSQL away, then Redis restarted empty: the process keeps what it sold and records it when PostgreSQL returns', async () => {
    const schema = testSchema();
    cleanups.push(() => dropSchema(schema));
    const redis = await startOwnRedis();
    cleanups.push(() => redis.stop());
    const pgPort = Number(new URL(PG_URL).port || 5432);
    const proxy = await startFaultProxy(pgPort);
    cleanups.push(() => proxy.close());
    const pgUrl = new URL(PG_URL);
    pgUrl.port = String(proxy.port);
    const { g } = await exchange(redis.url, pgUrl.toString(), schema);
    await sellMany(g.port, 2);
    // PostgreSQL away: every connection cut, new ones refused
    proxy.set({ kind: 'reset' });
    // sales are answered all the same, through the durable queue
    const t0 = performance.now();
    const told = await sellMany(g.port, 10);
    expect((performance.now() - t0) / 10).toBeLessThan(400); // at most one direct_ms (250) wait, then straight to the queue
    expect(await g.metrics.registry.getSingleMetricAsString('gavel_sales_unrecorded')).toContain('gavel_sales_unrecorded 10');
    // and the queue is lost with Redis
    await redis.kill();
    await redis.restart();
    proxy.set({ kind: 'pass' });
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
