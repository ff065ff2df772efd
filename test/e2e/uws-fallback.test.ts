import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../src/core/paths.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { startBuyer } from '../support/buyer-server.js';
import { call, cleanPrefix, dropSchema, fullLead, PG_URL, REDIS_URL, testConfig, testPrefix, testSchema } from '../support/exchange.js';
import { spawnGavel, writeConfig } from '../support/process.js';
import { stopAfterEach } from '../support/stop-after.js';

/** node as it runs when uWebSockets.js's binary does not load: the package's own fallback takes over */
const BINARY_FAILS = { NODE_OPTIONS: `--require ${join(ROOT, 'test/support/uws-binary-fails.cjs')}` };

const cleanups = stopAfterEach();

/** a keep-alive connection that has had one answer and stays open */
async function keptAlive(port: number): Promise<{ socket: Socket; closed: Promise<void> }> {
  const socket = connect(port, '127.0.0.1');
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const answered = new Promise<string>((resolve) => socket.once('data', (d: Buffer) => resolve(d.toString())));
  socket.write('GET /health HTTP/1.1\r\nHost: gavel\r\n\r\n');
  expect(await answered).toMatch(/^HTTP\/1\.1 200/);
  return { socket, closed };
}

describe('uWebSockets.js binary that does not load', () => {
  it('Gavel refuses to start on the fallback, exit 1 with what to do', async () => {
    const config = writeConfig({ ...testConfig([]), redis: undefined });
    await expect(spawnGavel(config, BINARY_FAILS)).rejects.toThrow(/exited with 1 before listening[\s\S]*NATIVE BINARY NOT LOADED[\s\S]*--allow-uws-fallback/);
  });

  it('allowed, it serves, reports ready, and SIGTERM closes every connection and still flushes traces and the ledger', async () => {
    const buyer = await startBuyer(() => ({ body: { bid: 5 } }), () => ({ body: { accepted: true } }));
    const prefix = testPrefix();
    const schema = testSchema();
    cleanups.push(() => buyer.close(), () => cleanPrefix(prefix), () => dropSchema(schema));
    // a cold process on the slow fallback, on a shared machine: time enough that the sale is not what is tested
    const input = testConfig([{ id: 'a', url: buyer.url, timeout_ms: 800 }], { tmax_ms: 1000 }, prefix);
    // nothing reaches Redis's traces or the ledger on its own before the process is told to stop:
    // only shutdown's flush and drain can have put them there
    const config = { ...input, trace: { flush_ms: 10_000 }, ledger: { postgres_url: PG_URL, schema, poll_ms: 60_000, stats_flush: '1h' } };
    const g = await spawnGavel(writeConfig(config), { ...BINARY_FAILS, GAVEL_ALLOW_UWS_FALLBACK: '1' });
    cleanups.push(async () => void g.child.kill('SIGKILL'));

    expect(g.logs.some((l) => l.level === 50 && /NATIVE BINARY NOT LOADED/.test(String(l.msg)))).toBe(true);
    const ready = await fetch(`http://127.0.0.1:${g.port}/ready`);
    expect(await ready.json()).toMatchObject({ ready: true, uws: { native: false, fallback_allowed: true } });
    expect(ready.status).toBe(200);
    const sold = await call(g.port, '/v1/leads', { campaign: 'auto', lead: fullLead() });
    expect(sold.body, JSON.stringify(sold.body)).toMatchObject({ status: 'sold' });
    const leadId = sold.body.lead_id as string;
    const idle = await keptAlive(g.port);

    g.child.kill('SIGTERM');
    expect(await g.exited).toBe(0);
    await idle.closed;
    expect(g.logs.filter((l) => /shutdown step failed/.test(String(l.msg)))).toEqual([]);
    expect(g.logs.some((l) => l.msg === 'gavel stopped')).toBe(true);
    await expect(fetch(`http://127.0.0.1:${g.port}/health`)).rejects.toThrow();

    const store = new RedisStore({ url: REDIS_URL, prefix });
    try {
      expect(await store.waitReady(5000)).toBe(true);
      expect((await store.readTrace(leadId, 7 * 86_400_000, 100)).length).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
    const db = new pg.Client({ connectionString: PG_URL });
    await db.connect();
    try {
      const { rows } = await db.query(`SELECT lead_id FROM "${schema}".ledger_events WHERE kind = 'sale'`);
      expect(rows).toEqual([{ lead_id: leadId }]);
    } finally {
      await db.end();
    }
  });
});
