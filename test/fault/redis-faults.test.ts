/**
 * Redis behind a fault proxy (black hole, latency) and Redis SIGKILLed and started again empty,
 * all under a steady stream of pings and direct posts to a real Gavel: every answer coded and on
 * time, /ready red while Redis is away and green after, sales again once it is back, and never a
 * sale told to a seller that a buyer's server did not accept.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { Gavel } from '../../src/gavel.js';
import { startBuyer, type TestBuyer } from '../support/buyer-server.js';
import { uncoded } from '../support/coded-answer.js';
import { call, fullLead, pingLead, startExchange, testConfig, testPrefix } from '../support/exchange.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { startOwnRedis, type OwnRedis } from '../support/own-redis.js';
import { startTraffic, type Sent } from '../support/seller-traffic.js';

const TMAX_MS = 150;
const POST_TMAX_MS = 600;
/**
 * Answer times are taken by the sellers, which share this process's event loop with Gavel, the
 * proxy and the buyers, on 2 cores other test files keep busy: the time before uWS hands Gavel
 * the request and after it writes the answer is the client's, and Gavel's deadline cannot see
 * it. 100 ms covers that queueing on a loaded box; a hang (the failure looked for) is seconds.
 * On top of it, the longest stall of this process's event loop in the run (spawning a
 * redis-server blocks it; 30 to 160 ms in eight runs with the load average at 6), capped: a stall holds
 * the clients' clocks as much as Gavel's timers.
 */
const CLIENT_MARGIN_MS = 100;
const MAX_STALL_ALLOWANCE_MS = 300;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

interface Setup {
  redis: OwnRedis;
  proxy: FaultProxy;
  gavel: Gavel;
  buyers: TestBuyer[];
}

async function setup(): Promise<Setup> {
  const redis = await startOwnRedis();
  cleanups.push(() => redis.stop());
  const proxy = await startFaultProxy(redis.port);
  cleanups.push(() => proxy.close());
  const buyers = [await startBuyer(() => ({ body: { bid: 10 } })), await startBuyer(() => ({ body: { bid: 6 } }))];
  for (const b of buyers) cleanups.push(() => b.close());
  const config = testConfig(
    buyers.map((b, i) => ({ id: `b${i}`, url: b.url })),
    { tmax_ms: TMAX_MS, post_tmax_ms: POST_TMAX_MS },
    testPrefix(),
  );
  for (const b of config.buyers) Object.assign(b, { post_timeout_ms: 300 });
  const gavel = await startExchange({ ...config, redis: { url: proxy.url('redis'), prefix: testPrefix() } });
  cleanups.push(() => gavel.shutdown());
  // A cold process (code not yet optimised, first script loads, empty pools) is slower, as the
  // README's Benchmarks say; the warm-up's answers are not timed, and leave no lead behind.
  for (let round = 0; round < 3; round++) {
    await Promise.all(
      Array.from({ length: 6 }, (_, i) => {
        const lead = fullLead();
        return call(gavel.port, i % 2 ? '/v1/leads' : '/v1/ping', { campaign: 'auto', lead: i % 2 ? lead : pingLead(lead) });
      }),
    );
  }
  for (const b of buyers) b.posts.length = 0;
  return { redis, proxy, gavel, buyers };
}

const readyStatus = (port: number) =>
  fetch(`http://127.0.0.1:${port}/ready`, { signal: AbortSignal.timeout(3000) }).then(
    (r) => r.status,
    () => 0,
  );

async function until(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await sleep(50);
  }
  return false;
}

/** The answers' promises, judged together: coded, on time, and no sale without an accept. */
function judge(sent: Sent[], buyers: TestBuyer[], stallMs: number): void {
  const problems: string[] = [];
  const margin = CLIENT_MARGIN_MS + Math.min(stallMs, MAX_STALL_ALLOWANCE_MS);
  for (const s of sent) {
    const bound = (s.path === '/v1/ping' ? TMAX_MS : POST_TMAX_MS) + margin;
    if (s.status === 0) problems.push(`${s.path}: no answer (${s.error})`);
    const wrong = s.status === 0 ? null : uncoded(s.status, s.body);
    if (wrong) problems.push(`${s.path}: ${wrong}`);
    else if (s.status !== 200 && s.body.error.code !== 'STORE_UNAVAILABLE') problems.push(`${s.path}: ${s.body.error.code}, not STORE_UNAVAILABLE or a normal answer`);
    if (s.ms > bound) problems.push(`${s.path}: answered in ${s.ms.toFixed(1)} ms, over ${bound.toFixed(1)}: ${JSON.stringify(s.body)}`);
  }
  expect(problems.slice(0, 20), `${problems.length} of ${sent.length} answers`).toEqual([]);
  // a sale told to the seller is one the buyer's own server recorded and accepted (every post is accepted here)
  const posted = new Map<string, number>();
  for (const b of buyers) for (const p of b.posts) posted.set(p.body.ping_id as string, (posted.get(p.body.ping_id as string) ?? 0) + 1);
  const sold = sent.filter((s) => s.body?.status === 'sold');
  expect(sold.filter((s) => !posted.has(s.body.lead_id)).map((s) => s.body.lead_id)).toEqual([]);
  // exclusive: no lead's full data went to two buyers
  expect([...posted].filter(([, n]) => n > 1)).toEqual([]);
}

describe('Redis behind a fault proxy, under traffic', () => {
  it('black-holed, then slow: every answer coded and on time, /ready red and green again, sales after', async () => {
    const { proxy, gavel, buyers } = await setup();
    expect(await readyStatus(gavel.port)).toBe(200);
    const stalls = monitorEventLoopDelay({ resolution: 10 });
    stalls.enable();
    const traffic = startTraffic(gavel.port, { loops: 6, paths: ['/v1/ping', '/v1/leads'] });
    await sleep(600);
    const before = traffic.sent.length;

    proxy.set({ kind: 'black-hole' });
    const blackHoleAt = traffic.sent.length;
    // /ready asks the store with 500 ms to answer: red within a second of the black hole
    expect(await until(async () => (await readyStatus(gavel.port)) === 503, 3000)).toBe(true);
    await sleep(800);
    const inHole = traffic.sent.slice(blackHoleAt);
    proxy.set({ kind: 'pass' });
    // the swallowed connections are reset; ioredis reconnects on its own (at most a second apart)
    expect(await until(async () => (await readyStatus(gavel.port)) === 200, 10_000)).toBe(true);

    // slow: a little (a round trip well inside the deadline), then a lot (past it)
    proxy.set({ kind: 'latency', ms: 5 });
    await sleep(700);
    proxy.set({ kind: 'latency', ms: 90 });
    await sleep(900);
    proxy.set({ kind: 'pass' });
    const clearedAt = traffic.sent.length;
    await sleep(1000);
    await traffic.stop();

    stalls.disable();
    judge(traffic.sent, buyers, stalls.max / 1e6);
    expect(before).toBeGreaterThan(0);
    // the black hole was felt: its calls were refused, none hung
    expect(inHole.filter((s) => s.status === 503).length).toBeGreaterThan(0);
    // and once Redis answers again, leads sell again
    const after = traffic.sent.slice(clearedAt);
    expect(after.filter((s) => s.body?.status === 'sold').length).toBeGreaterThan(0);
    expect(after.filter((s) => s.body?.status === 'bid').length).toBeGreaterThan(0);
    expect(await readyStatus(gavel.port)).toBe(200);
  });

  it('SIGKILLed and started again empty: answers stay coded, /ready comes back, leads sell again', async () => {
    const { redis, gavel, buyers } = await setup();
    const stalls = monitorEventLoopDelay({ resolution: 10 });
    stalls.enable();
    const traffic = startTraffic(gavel.port, { loops: 6, paths: ['/v1/ping', '/v1/leads'] });
    await sleep(600);
    const soldBefore = traffic.sent.filter((s) => s.body?.status === 'sold').length;

    await redis.kill();
    expect(await until(async () => (await readyStatus(gavel.port)) === 503, 3000)).toBe(true);
    await sleep(500);
    // holds, dedup claims, auctions and the queue are gone with it: accepted losses, said in the README
    await redis.restart();
    expect(await until(async () => (await readyStatus(gavel.port)) === 200, 10_000)).toBe(true);
    const backAt = traffic.sent.length;
    await sleep(1200);
    await traffic.stop();

    stalls.disable();
    judge(traffic.sent, buyers, stalls.max / 1e6);
    expect(soldBefore).toBeGreaterThan(0);
    const after = traffic.sent.slice(backAt);
    expect(after.filter((s) => s.body?.status === 'sold').length).toBeGreaterThan(0);
    expect(after.filter((s) => s.body?.status === 'bid').length).toBeGreaterThan(0);
    // the process lived through it
    expect((await fetch(`http://127.0.0.1:${gavel.port}/health`)).status).toBe(200);
  });
});
