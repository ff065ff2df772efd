import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { startBuyer } from '../support/buyer-server.js';
import { call, fullLead, pingLead, testConfig, testPrefix } from '../support/exchange.js';
import { spawnGavel, writeConfig, type GavelProcess } from '../support/process.js';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A Redis of this test's own, so stopping it harms no other test. */
function startRedis(port: number): ChildProcess {
  return spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
}

async function until(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

let redis: ChildProcess | undefined;
let gavel: GavelProcess | undefined;
afterAll(() => {
  redis?.kill('SIGKILL');
  gavel?.child.kill('SIGKILL');
});

describe('Redis unreachable', () => {
  it('answers 503 STORE_UNAVAILABLE inside tmax, turns /ready red, and recovers by itself', async () => {
    const port = await freePort();
    redis = startRedis(port);
    const pong = await until(async () => spawnSync('redis-cli', ['-p', String(port), 'ping']).stdout?.toString().trim() === 'PONG', 5000);
    expect(pong, 'redis-server must be installed (it ships with every machine of this project)').toBe(true);

    const buyer = await startBuyer(() => ({ body: { bid: 4 } }));
    const config = { ...testConfig([{ id: 'a', url: buyer.url }], {}, testPrefix()), redis: { url: `redis://127.0.0.1:${port}`, prefix: 'outage:' } };
    gavel = await spawnGavel(writeConfig(config));
    const ready = () => fetch(`http://127.0.0.1:${gavel!.port}/ready`).then((r) => r.status);
    expect(await ready()).toBe(200);
    expect((await call(gavel.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) })).body.status).toBe('bid');

    redis.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    for (const path of ['/v1/ping', '/v1/leads']) {
      const r = await call(gavel.port, path, { campaign: 'auto', lead: fullLead(), tmax_ms: 100 });
      expect(r.status).toBe(503);
      expect(r.body.error.code).toBe('STORE_UNAVAILABLE');
      expect(r.ms).toBeLessThan(100);
    }
    const readyBody = await (await fetch(`http://127.0.0.1:${gavel.port}/ready`)).json();
    expect(readyBody).toMatchObject({ ready: false, store: { kind: 'redis', ok: false } });
    expect(buyer.posts).toHaveLength(0); // never a sale without its hold

    redis = startRedis(port);
    expect(await until(async () => (await ready()) === 200, 10_000)).toBe(true);
    const lead = fullLead();
    const ping = await call(gavel.port, '/v1/ping', { campaign: 'auto', lead: pingLead(lead) });
    expect(ping.body.status).toBe('bid');
    expect((await call(gavel.port, '/v1/post', { ping_id: ping.body.ping_id, lead })).body.status).toBe('sold');
    await buyer.close();
  });

  it('answers inside tmax when Redis hangs instead of refusing', async () => {
    const port = await freePort();
    const hung = startRedis(port);
    await until(async () => spawnSync('redis-cli', ['-p', String(port), 'ping']).stdout?.toString().trim() === 'PONG', 5000);
    const buyer = await startBuyer(() => ({ body: { bid: 4 } }));
    const config = { ...testConfig([{ id: 'a', url: buyer.url }]), redis: { url: `redis://127.0.0.1:${port}`, prefix: 'hang:' } };
    const g = await spawnGavel(writeConfig(config));
    try {
      hung.kill('SIGSTOP');
      const r = await call(g.port, '/v1/ping', { campaign: 'auto', lead: fullLead(), tmax_ms: 80 });
      expect(r.status).toBe(503);
      expect(r.body.error.code).toBe('STORE_UNAVAILABLE');
      expect(r.ms).toBeLessThan(80);
    } finally {
      hung.kill('SIGKILL');
      g.child.kill('SIGKILL');
      await buyer.close();
    }
  });
});
