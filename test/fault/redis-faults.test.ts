/**
 * Redis behind a fault proxy (black hole, latency) and Redis SIGKILLed and started again empty,
 * all under a steady stream of pings and direct posts to a real Gavel: every answer coded and on
 * time, /ready red while Redis is away and green after, sales again once it is back, and never a
 * sale told to a seller that a buyer's server did not accept.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { Gavel } from '../../src/gavel.js';
import { startBuyer, type TestBuyer } from '../support/buyer-server.js';
import { startExchange, testConfig, testPrefix } from '../support/exchange.js';
import { answerProblems, postsPerLead } from '../support/judge-answers.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { startOwnRedis, type OwnRedis } from '../support/own-redis.js';
import { startTraffic, warmUp, type Sent } from '../support/seller-traffic.js';
import { stopAfterEach } from '../support/stop-after.js';

const TMAX_MS = 150;
const POST_TMAX_MS = 600;
const cleanups = stopAfterEach({ ignoreFailures: true });

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
  await warmUp(gavel.port);
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

/** Every answer coded and on time, no sale without an accept, no lead posted twice. */
function judge(sent: Sent[], buyers: TestBuyer[], stallMs: number): void {
  const problems = answerProblems(sent, (s) => (s.path === '/v1/ping' ? TMAX_MS : POST_TMAX_MS), ['STORE_UNAVAILABLE'], stallMs);
  expect(problems.slice(0, 20), `${problems.length} of ${sent.length} answers`).toEqual([]);
  // a sale told to the seller is one a buyer's own server was posted and accepted (each accepts every post here)
  const posted = postsPerLead(buyers);
  expect(sent.filter((s) => s.body?.status === 'sold' && !posted.has(s.body.lead_id)).map((s) => s.body.lead_id)).toEqual([]);
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
