import { Cluster } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Limits, CapWindow, RollingLimit } from '../../src/core/cap-limits.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { RedisStore } from '../../src/store/redis-store.js';
import type { Store } from '../../src/store/store.js';
import { cleanPrefix, REDIS_URL, testPrefix } from '../support/exchange.js';
import { startCluster, type TestCluster } from '../support/redis-cluster.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startCluster();
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

/** One contract, three stores: what the exchange relies on holds for each. */
const stores: Record<string, () => Promise<Store>> = {
  redis: async () => {
    const s = new RedisStore({ url: REDIS_URL, prefix: testPrefix() });
    if (!(await s.waitReady(3000))) throw new Error(`no Redis at ${REDIS_URL}`);
    return s;
  },
  'redis cluster': async () => {
    const s = new RedisStore({ cluster: cluster.nodes, prefix: testPrefix() });
    if (!(await s.waitReady(10_000))) throw new Error('the test cluster did not become ready');
    return s;
  },
  memory: async () => new MemoryStore(),
};

const open: Store[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) {
    await s.close();
    // the cluster goes with its servers; the shared Redis must be left as it was found
    if (s instanceof RedisStore && !(s.client instanceof Cluster)) await cleanPrefix(s.prefix);
  }
});

const DAY = 86_400_000;
const cal = (id: string, maxCount: number, maxSpend = -1): CapWindow => ({ id, maxCount, maxSpend, expiresAt: Date.now() + DAY });
const limits = (calendar: CapWindow[], rolling: RollingLimit[] = []): Limits => ({ calendar, rolling });
const roll = (spec: string, lengthMs: number, maxCount: number, maxSpend = -1): RollingLimit => ({ spec, lengthMs, maxCount, maxSpend });

it('memory store: the traces of at most maxTraces leads are kept, the oldest dropped first', async () => {
  const s = new MemoryStore(3);
  open.push(s);
  for (let i = 0; i < 5; i++) await s.appendTraces([[`lead-${i}`, `{"n":${i}}`]], 60_000, 8);
  expect(await s.readTrace('lead-0', 60_000, 3)).toEqual([]);
  expect(await s.readTrace('lead-1', 60_000, 3)).toEqual([]);
  expect(await s.readTrace('lead-4', 60_000, 3)).toEqual(['{"n":4}']);
  // a lead written again is the newest: it outlives the ones written since it was first
  await s.appendTraces([['lead-2', '{"again":true}']], 60_000, 8);
  await s.appendTraces([['lead-5', '{"n":5}']], 60_000, 8);
  expect(await s.readTrace('lead-2', 60_000, 3)).toEqual(['{"n":2}', '{"again":true}']);
  expect(await s.readTrace('lead-3', 60_000, 3)).toEqual([]);
});

describe.each(Object.keys(stores))('store contract: %s', (kind) => {
  async function store(): Promise<Store> {
    const s = await stores[kind]!();
    open.push(s);
    return s;
  }

  it('dedup: of 50 simultaneous claims of one identifier, exactly one wins; its owner may claim again', async () => {
    const s = await store();
    const now = Date.now();
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => s.claimDedup('c:auto', ['x'], `owner-${i}`, 60_000, now)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = `owner-${results.indexOf(true)}`;
    expect(await s.claimDedup('c:auto', ['x'], winner, 60_000, now)).toBe(true);
    expect(await s.claimDedup('c:auto', ['x'], 'someone-else', 60_000, now)).toBe(false);
    // another scope does not see it
    expect(await s.claimDedup('c:home', ['x'], 'someone-else', 60_000, now)).toBe(true);
  });

  it('dedup: ANY identifier matches; twins sharing one identifier of two: exactly one passes', async () => {
    const s = await store();
    const now = Date.now();
    expect(await s.claimDedup('g', ['phone:1', 'email:a'], 'lead-1', 60_000, now)).toBe(true);
    expect(await s.claimDedup('g', ['phone:2', 'email:a'], 'lead-2', 60_000, now)).toBe(false);
    // the refused lead claimed nothing: its own phone is still free
    expect(await s.claimDedup('g', ['phone:2'], 'lead-3', 60_000, now)).toBe(true);
    const twins = await Promise.all([s.claimDedup('g', ['phone:9', 'email:z'], 'a', 60_000, now), s.claimDedup('g', ['email:z', 'phone:9'], 'b', 60_000, now)]);
    expect(twins.filter(Boolean)).toHaveLength(1);
  });

  it('dedup: a claim ends with its window', async () => {
    const s = await store();
    const now = Date.now();
    expect(await s.claimDedup('c:auto', ['y'], 'a', 1000, now)).toBe(true);
    expect(await s.claimDedup('c:auto', ['y'], 'b', 1000, now + 999)).toBe(false);
    expect(await s.claimDedup('c:auto', ['y'], 'b', 1000, now + 1000)).toBe(true);
  });

  it('seller gate: a rate of 5/s admits 5 at once, then one per 200 ms; refusals record nothing', async () => {
    const s = await store();
    const rate = { intervalMs: 200, toleranceMs: 800 };
    const t = Date.now();
    const burst = await Promise.all(Array.from({ length: 8 }, () => s.gateSeller('pub1', rate, null, 60_000, t)));
    expect(burst.filter((v) => v === 'ok')).toHaveLength(5);
    expect(burst.filter((v) => v === 'RATE_LIMITED')).toHaveLength(3);
    expect(await s.gateSeller('pub1', rate, null, 60_000, t + 100)).toBe('RATE_LIMITED');
    expect(await s.gateSeller('pub1', rate, null, 60_000, t + 200)).toBe('ok');
    expect(await s.gateSeller('pub1', rate, null, 60_000, t + 201)).toBe('RATE_LIMITED');
    // another seller has its own
    expect(await s.gateSeller('pub2', rate, null, 60_000, t)).toBe('ok');
  });

  it('seller gate: the same payload within the window is RESUBMITTED, then passes again', async () => {
    const s = await store();
    const t = Date.now();
    expect(await s.gateSeller('pub1', null, 'p1', 60_000, t)).toBe('ok');
    expect(await s.gateSeller('pub1', null, 'p1', 60_000, t + 59_999)).toBe('RESUBMITTED');
    expect(await s.gateSeller('pub2', null, 'p1', 60_000, t)).toBe('ok');
    expect(await s.gateSeller('pub1', null, 'p2', 60_000, t)).toBe('ok');
    expect(await s.gateSeller('pub1', null, 'p1', 60_000, t + 60_000)).toBe('ok');
  });

  it('holds: 100 simultaneous holds against a count cap of 10 leave exactly 10', async () => {
    const s = await store();
    const now = Date.now();
    const l = limits([cal('d:2026-11-22', 10)]);
    const r = await Promise.all(Array.from({ length: 100 }, (_, i) => s.hold('acme', `h${i}`, 1_000_000, l, [], now, now + 60_000)));
    expect(r.filter((x) => x.ok)).toHaveLength(10);
    expect(r.find((x) => !x.ok)).toEqual({ ok: false, reason: 'CAP_REACHED', limit: 'count', window: 'd:2026-11-22' });
    expect(await s.usage('acme', 'd:2026-11-22', now)).toEqual({ count: 0, spend: 0, heldCount: 10, heldSpend: 10_000_000 });
    expect(await s.checkBuyer('acme', l, [], null, 1, now)).toMatchObject({ ok: false, reason: 'CAP_REACHED', window: 'd:2026-11-22' });
  });

  it('holds: a budget is never passed by one micro, under concurrency', async () => {
    const s = await store();
    const now = Date.now();
    const l = limits([cal('d:1', -1, 10_000_000)]);
    // 40 racing holds of 0.3 (micros 300_000): exactly 33 fit in 10.0
    const r = await Promise.all(Array.from({ length: 40 }, (_, i) => s.hold('b', `h${i}`, 300_000, l, [], now, now + 60_000)));
    expect(r.filter((x) => x.ok)).toHaveLength(33);
    expect((await s.usage('b', 'd:1', now)).heldSpend).toBe(9_900_000);
    // a buyer is worth pinging only if a bid at the floor still fits
    expect(await s.checkBuyer('b', l, [], null, 100_001, now)).toMatchObject({ ok: false, reason: 'CAP_REACHED', limit: 'spend' });
    expect(await s.checkBuyer('b', l, [], null, 100_000, now)).toEqual({ ok: true });
    expect(await s.hold('b', 'x', 100_001, l, [], now, now + 60_000)).toEqual({ ok: false, reason: 'CAP_REACHED', limit: 'spend', window: 'd:1' });
    expect((await s.hold('b', 'y', 100_000, l, [], now, now + 60_000)).ok).toBe(true);
    expect(await s.checkBuyer('b', l, [], null, 1, now)).toMatchObject({ ok: false, limit: 'spend' });
  });

  it('holds: commit makes usage, release frees room, both only once', async () => {
    const s = await store();
    const now = Date.now();
    const l = limits([cal('d:1', 2)]);
    await s.hold('c', 'h1', 5_000_000, l, [], now, now + 60_000);
    await s.hold('c', 'h2', 7_000_000, l, [], now, now + 60_000);
    expect(await s.commitHold('c', 'h1', now, [])).toBe(true);
    expect(await s.commitHold('c', 'h1', now, [])).toBe(false);
    expect(await s.releaseHold('c', 'h2', now)).toBe(true);
    expect(await s.releaseHold('c', 'h2', now)).toBe(false);
    expect(await s.usage('c', 'd:1', now)).toEqual({ count: 1, spend: 5_000_000, heldCount: 0, heldSpend: 0 });
    expect((await s.hold('c', 'h3', 1, l, [], now, now + 60_000)).ok).toBe(true);
    expect((await s.hold('c', 'h4', 1, l, [], now, now + 60_000)).ok).toBe(false);
  });

  it('holds: taking the same hold twice counts it once', async () => {
    const s = await store();
    const now = Date.now();
    const l = limits([cal('d:1', 5)], [roll('60m', 3_600_000, 5)]);
    await s.hold('d', 'h1', 1_000_000, l, [], now, now + 60_000);
    await s.hold('d', 'h1', 1_000_000, l, [], now, now + 60_000);
    expect((await s.usage('d', 'd:1', now)).heldCount).toBe(1);
    expect((await s.usage('d', 'r:60m', now)).count).toBe(1);
  });

  it('holds: an expired hold stops counting with no background job, and cannot be committed', async () => {
    const s = await store();
    const now = Date.now();
    const l = limits([cal('d:1', 1)], [roll('24h', DAY, 1)]);
    expect((await s.hold('e', 'h1', 1_000_000, l, [], now, now + 1_000)).ok).toBe(true);
    expect((await s.hold('e', 'h2', 1_000_000, l, [], now, now + 1_000)).ok).toBe(false);
    const later = now + 1_001;
    // the counters still show the expired hold; the check must not be fooled by them
    expect(await s.checkBuyer('e', l, [], null, 1, later)).toEqual({ ok: true });
    expect(await s.commitHold('e', 'h1', later, [])).toBe(false);
    expect((await s.hold('e', 'h2', 1_000_000, l, [], later, later + 1_000)).ok).toBe(true);
    expect(await s.usage('e', 'd:1', later)).toEqual({ count: 0, spend: 0, heldCount: 1, heldSpend: 1_000_000 });
    expect((await s.usage('e', 'r:24h', later)).count).toBe(1);
  });

  it('holds: extend keeps a hold alive past its first expiry; refuses one the buyer already bought', async () => {
    const s = await store();
    const now = Date.now();
    const l = limits([cal('d:1', 3)]);
    await s.hold('f', 'h1', 1, l, [], now, now + 1_000);
    expect(await s.extendHold('f', 'h1', now + 10_000, now, [])).toBe('held');
    expect(await s.commitHold('f', 'h1', now + 5_000, [{ digest: 'lead-x', until: now + DAY }])).toBe(true);
    expect(await s.extendHold('f', 'missing', now + 10_000, now, [])).toBe('gone');
    // a ping without identifiers won; its post shows the buyer bought this consumer already
    await s.hold('f', 'h2', 1, l, [], now, now + 60_000);
    expect(await s.extendHold('f', 'h2', now + 10_000, now, ['lead-x'])).toBe('sold');
    expect((await s.usage('f', 'd:1', now)).heldCount).toBe(0);
  });

  it('holds: a commit lands in the windows the hold was taken in, even after midnight', async () => {
    const s = await store();
    const now = Date.now();
    await s.hold('g', 'h1', 2_000_000, limits([cal('d:2026-11-22', 5)]), [], now, now + 60_000);
    expect(await s.commitHold('g', 'h1', now + 1000, [])).toBe(true);
    expect(await s.usage('g', 'd:2026-11-22', now + 1000)).toEqual({ count: 1, spend: 2_000_000, heldCount: 0, heldSpend: 0 });
    expect((await s.usage('g', 'd:2026-11-23', now + 1000)).count).toBe(0);
  });

  it('holds: every window is judged together; a refused hold leaves nothing behind', async () => {
    const s = await store();
    const now = Date.now();
    const l = limits([cal('h:1', 10), cal('d:1', 10), cal('w:1', 2), cal('m:1', 10)], [roll('60m', 3_600_000, 10)]);
    expect((await s.hold('h', 'a', 1, l, [], now, now + 60_000)).ok).toBe(true);
    expect((await s.hold('h', 'b', 1, l, [], now, now + 60_000)).ok).toBe(true);
    expect(await s.hold('h', 'c', 1, l, [], now, now + 60_000)).toEqual({ ok: false, reason: 'CAP_REACHED', limit: 'count', window: 'w:1' });
    expect((await s.usage('h', 'd:1', now)).heldCount).toBe(2);
    expect((await s.usage('h', 'r:60m', now)).count).toBe(2);
  });

  it('rolling: the last hour holds at most N, and room returns as sales leave the window', async () => {
    const s = await store();
    const t = Date.now();
    const HOUR = 3_600_000;
    const l = limits([], [roll('60m', HOUR, 3, 10_000_000)]);
    for (const [i, at] of [t, t + 10 * 60_000, t + 20 * 60_000].entries()) {
      expect((await s.hold('r', `s${i}`, 1_000_000, l, [], at, at + 60_000)).ok).toBe(true);
      expect(await s.commitHold('r', `s${i}`, at, [])).toBe(true);
    }
    expect(await s.hold('r', 'x', 1_000_000, l, [], t + 59 * 60_000, t + HOUR)).toMatchObject({ ok: false, window: 'r:60m', limit: 'count' });
    // the first sale leaves the window one hour after it was held
    expect((await s.hold('r', 'y', 1_000_000, l, [], t + HOUR + 1, t + 2 * HOUR)).ok).toBe(true);
    expect((await s.usage('r', 'r:60m', t + HOUR + 1)).count).toBe(3);
    // a released hold leaves at once
    expect(await s.releaseHold('r', 'y', t + HOUR + 2)).toBe(true);
    expect((await s.hold('r', 'z', 1_000_000, l, [], t + HOUR + 3, t + 2 * HOUR)).ok).toBe(true);
  });

  it('restore: a returned sale gives its place back in its calendar and rolling windows, once', async () => {
    const s = await store();
    const t = Date.now();
    const l = limits([cal('d:ret', 2, 10_000_000)], [roll('60m', 3_600_000, 2)]);
    for (const id of ['s1', 's2']) {
      expect((await s.hold('ret', id, 3_000_000, l, [], t, t + 60_000)).ok).toBe(true);
      expect(await s.commitHold('ret', id, t, [])).toBe(true);
    }
    expect(await s.hold('ret', 'x', 1_000_000, l, [], t + 1, t + 60_000)).toMatchObject({ ok: false, reason: 'CAP_REACHED' });
    expect(await s.restoreSale('ret', 's1', 3_000_000, l, t + 2)).toBe(true);
    expect(await s.usage('ret', 'd:ret', t + 2)).toEqual({ count: 1, spend: 3_000_000, heldCount: 0, heldSpend: 0 });
    expect((await s.usage('ret', 'r:60m', t + 2)).count).toBe(1);
    // given back once: a second return of the same sale changes nothing
    expect(await s.restoreSale('ret', 's1', 3_000_000, l, t + 3)).toBe(false);
    expect((await s.usage('ret', 'd:ret', t + 3)).count).toBe(1);
    // a sale never made gives nothing back
    expect(await s.restoreSale('ret', 'nope', 3_000_000, l, t + 3)).toBe(false);
    expect((await s.hold('ret', 'x', 1_000_000, l, [], t + 4, t + 60_000)).ok).toBe(true);
  });

  it('rolling: a hold from a process whose clock is behind still leaves when released', async () => {
    const s = await store();
    const l = limits([], [roll('60m', 3_600_000, 20)]);
    const t = Date.now();
    await s.hold('skew', 'h1', 1_000_000, l, [], t, t + 60_000);
    await s.hold('skew', 'h2', 2_000_000, l, [], t - 5, t + 60_000);
    expect(await s.releaseHold('skew', 'h2', t + 10)).toBe(true);
    expect(await s.usage('skew', 'r:60m', t + 10)).toEqual({ count: 1, spend: 1_000_000, heldCount: 0, heldSpend: 0 });
  });

  it('rolling: a spend window slides by the micro', async () => {
    const s = await store();
    const t = Date.now();
    const l = limits([], [roll('24h', DAY, -1, 5_000_000)]);
    await s.hold('rs', 'a', 3_000_000, l, [], t, t + 60_000);
    await s.commitHold('rs', 'a', t, []);
    await s.hold('rs', 'b', 2_000_000, l, [], t + 1000, t + 2 * DAY);
    expect(await s.hold('rs', 'c', 1, l, [], t + 2000, t + 60_000)).toMatchObject({ ok: false, limit: 'spend', window: 'r:24h' });
    expect((await s.hold('rs', 'c', 3_000_000, l, [], t + DAY + 1, t + DAY + 60_000)).ok).toBe(true);
    expect((await s.usage('rs', 'r:24h', t + DAY + 1)).spend).toBe(5_000_000);
  });

  it('rolling: many events leave in one step, however many there are', async () => {
    const s = await store();
    const t = Date.now();
    const l = limits([], [roll('1m', 60_000, 1000)]);
    await Promise.all(Array.from({ length: 300 }, (_, i) => s.hold('rm', `e${i}`, 1, l, [], t + (i % 7), t + 3_600_000)));
    expect((await s.usage('rm', 'r:1m', t)).count).toBe(300);
    const later = t + 120_000;
    // a bounded purge per call: several calls of the judge empty the window (these holds,
    // refused by a zero budget, move the window without adding to it)
    const judgeOnly = limits([], [roll('1m', 60_000, 1000, 0)]);
    for (let i = 0; i < 10; i++) expect((await s.hold('rm', `probe${i}`, 1, judgeOnly, [], later, later + 1000)).ok).toBe(false);
    expect((await s.usage('rm', 'r:1m', later)).count).toBe(0);
    expect((await s.checkBuyer('rm', l, [], null, 1, later)).ok).toBe(true);
  });

  it('purchases: a buyer that bought a lead is refused it within the window, then not', async () => {
    const s = await store();
    const now = Date.now();
    const l = limits([cal('d:1', 100)]);
    await s.hold('p', 'h1', 1, l, ['digest-1'], now, now + 60_000);
    await s.commitHold('p', 'h1', now, [{ digest: 'digest-1', until: now + 10_000 }]);
    expect(await s.checkBuyer('p', l, ['digest-2', 'digest-1'], null, 1, now + 1)).toEqual({ ok: false, reason: 'ALREADY_SOLD_TO_BUYER' });
    expect(await s.hold('p', 'h2', 1, l, ['digest-1'], now + 1, now + 60_000)).toEqual({ ok: false, reason: 'ALREADY_SOLD_TO_BUYER' });
    expect((await s.checkBuyer('q', l, ['digest-1'], null, 1, now + 1)).ok).toBe(true);
    expect((await s.checkBuyer('p', l, ['digest-1'], null, 1, now + 10_000)).ok).toBe(true);
  });

  it('ping rate: a buyer at 2/s is checked twice a second at most', async () => {
    const s = await store();
    const t = Date.now();
    const rate = { intervalMs: 500, toleranceMs: 500 };
    const v = await Promise.all(Array.from({ length: 5 }, () => s.checkBuyer('pr', limits([]), [], rate, 1, t)));
    expect(v.filter((x) => x.ok)).toHaveLength(2);
    expect(v.find((x) => !x.ok)).toEqual({ ok: false, reason: 'PING_RATE' });
    expect((await s.checkBuyer('pr', limits([]), [], rate, 1, t + 500)).ok).toBe(true);
  });

  it('auctions: one claim wins; other sellers never see it; expiry ends it', async () => {
    const s = await store();
    await s.saveAuction('p1', 'pub1', '{"x":1}', 60_000);
    expect(await s.readAuction('p1', 'pub2')).toEqual({ kind: 'expired' });
    expect(await s.claimAuction('p1', 'pub2', 60_000)).toEqual({ kind: 'expired' });
    expect(await s.readAuction('p1', 'pub1')).toEqual({ kind: 'live', data: '{"x":1}' });
    const claims = await Promise.all(Array.from({ length: 20 }, () => s.claimAuction('p1', 'pub1', 60_000)));
    expect(claims.filter((c) => c.kind === 'claimed')).toEqual([{ kind: 'claimed', data: '{"x":1}' }]);
    expect(claims.filter((c) => c.kind === 'posted')).toHaveLength(19);
    expect(await s.readAuction('p1', 'pub1')).toEqual({ kind: 'posted' });
    await s.saveAuction('p2', 'pub1', '{}', 40);
    await new Promise((r) => setTimeout(r, 70));
    expect(await s.claimAuction('p2', 'pub1', 60_000)).toEqual({ kind: 'expired' });
  });

  it('calls: of 20 simultaneous claims of one key, one runs; its answer is every retry\'s; another request under the key is refused; a dead claim is taken over', async () => {
    const s = await store();
    const now = Date.now();
    const claims = await Promise.all(Array.from({ length: 20 }, () => s.claimCall('pub1', 'k1', 'fp-a', now, 60_000, 60_000)));
    expect(claims.filter((c) => c.kind === 'claimed')).toHaveLength(1);
    expect(claims.filter((c) => c.kind === 'running')).toHaveLength(19);
    // another seller's key of the same name is its own
    expect(await s.claimCall('pub2', 'k1', 'fp-a', now, 60_000, 60_000)).toEqual({ kind: 'claimed' });
    expect(await s.claimCall('pub1', 'k1', 'fp-b', now, 60_000, 60_000)).toEqual({ kind: 'mismatch' });
    // only the request that claimed may finish it
    expect(await s.finishCall('pub1', 'k1', 'fp-b', '{"x":2}', 60_000)).toBe(false);
    expect(await s.finishCall('pub1', 'k1', 'fp-a', '{"x":1}', 60_000)).toBe(true);
    expect(await s.finishCall('pub1', 'k1', 'fp-a', '{"x":3}', 60_000)).toBe(false);
    expect(await s.claimCall('pub1', 'k1', 'fp-a', now + 1, 60_000, 60_000)).toEqual({ kind: 'done', answer: '{"x":1}' });
    // a claim given back (the call could not be answered) runs again
    expect(await s.claimCall('pub1', 'k2', 'fp-a', now, 60_000, 60_000)).toEqual({ kind: 'claimed' });
    expect(await s.finishCall('pub1', 'k2', 'fp-a', null, 60_000)).toBe(true);
    expect(await s.claimCall('pub1', 'k2', 'fp-a', now, 60_000, 60_000)).toEqual({ kind: 'claimed' });
    // a claim past its lease (its process died) is taken over
    expect(await s.claimCall('pub1', 'k3', 'fp-a', now, 1000, 60_000)).toEqual({ kind: 'claimed' });
    expect(await s.claimCall('pub1', 'k3', 'fp-a', now + 500, 1000, 60_000)).toEqual({ kind: 'running' });
    expect(await s.claimCall('pub1', 'k3', 'fp-a', now + 1001, 1000, 60_000)).toEqual({ kind: 'claimed' });
    // and a record is gone after its window
    expect(await s.claimCall('pub1', 'k4', 'fp-a', now, 1000, 50)).toEqual({ kind: 'claimed' });
    expect(await s.finishCall('pub1', 'k4', 'fp-a', '{}', 50)).toBe(true);
    await new Promise((r) => setTimeout(r, 80));
    expect(await s.claimCall('pub1', 'k4', 'fp-b', Date.now(), 1000, 50)).toEqual({ kind: 'claimed' });
  });

  it('accept records: outcomes add up under each grade, decay by half every half-life, a return takes an accept back', async () => {
    const s = await store();
    const t0 = Date.now();
    const HALF = 3_600_000;
    await s.recordPostOutcome('acme', ['A', '*'], 'accepted', t0, HALF);
    await s.recordPostOutcome('acme', ['A', '*'], 'accepted', t0, HALF);
    await s.recordPostOutcome('acme', ['*'], 'rejected', t0, HALF);
    expect(Object.fromEntries(await s.acceptRecords('acme'))).toEqual({ A: { accepts: 2, posts: 2, at: t0 }, '*': { accepts: 2, posts: 3, at: t0 } });
    // one half-life later: what was seen weighs half, then the new outcome lands in full
    await s.recordPostOutcome('acme', ['B', '*'], 'rejected', t0 + HALF, HALF);
    await s.recordPostOutcome('acme', ['A', '*'], 'returned', t0 + HALF, HALF);
    const later = await s.acceptRecords('acme');
    expect(later.get('*')).toEqual({ accepts: 0, posts: 2.5, at: t0 + HALF });
    expect(later.get('A')).toEqual({ accepts: 0, posts: 1, at: t0 + HALF });
    expect(later.get('B')).toEqual({ accepts: 0, posts: 1, at: t0 + HALF });
    expect((await s.acceptRecords('bolt')).size).toBe(0);
  });

  it('traces: segments append in order per lead, trimmed to the first N, gone after the retention (and at most an eighth of it, or 100 ms, more)', async () => {
    const s = await store();
    await s.appendTraces([['lead-1', '{"phase":"ping"}'], ['lead-2', '{"phase":"leads"}']], 300, 3);
    await s.appendTraces([['lead-1', '{"phase":"post"}']], 300, 3);
    expect(await s.readTrace('lead-1', 300, 3)).toEqual(['{"phase":"ping"}', '{"phase":"post"}']);
    expect(await s.readTrace('lead-2', 300, 3)).toEqual(['{"phase":"leads"}']);
    expect(await s.readTrace('lead-3', 300, 3)).toEqual([]);
    // a lead cannot grow without bound, whatever is sent under its id
    await s.appendTraces(Array.from({ length: 5 }, (_, i) => ['lead-2', `{"n":${i}}`] as const), 300, 3);
    expect(await s.readTrace('lead-2', 300, 3)).toEqual(['{"phase":"leads"}', '{"n":0}', '{"n":1}']);
    await new Promise((r) => setTimeout(r, 450));
    expect(await s.readTrace('lead-1', 300, 3)).toEqual([]);
  });

  it('queues: each event goes to one consumer; one left unacknowledged is handed over again after reclaimMs; acknowledged ones are gone', async () => {
    const s = await store();
    for (let i = 0; i < 5; i++) await s.enqueue('sales', `{"n":${i}}`);
    const a = await s.dequeue('sales', 'proc-a', 3, 60_000);
    expect(a.map((e) => e.body)).toEqual(['{"n":0}', '{"n":1}', '{"n":2}']);
    // another consumer gets the rest, not what proc-a holds
    const b = await s.dequeue('sales', 'proc-b', 10, 60_000);
    expect(b.map((e) => e.body)).toEqual(['{"n":3}', '{"n":4}']);
    expect(await s.dequeue('sales', 'proc-b', 10, 60_000)).toEqual([]);
    await s.acknowledge('sales', b.map((e) => e.entry));
    await s.acknowledge('sales', [a[0]!.entry]);
    // proc-a "dies" holding two: once they have waited reclaimMs, proc-b is handed them
    expect(await s.dequeue('sales', 'proc-b', 10, 150)).toEqual([]);
    await new Promise((r) => setTimeout(r, 200));
    const again = await s.dequeue('sales', 'proc-b', 10, 150);
    expect(again.map((e) => e.body)).toEqual(['{"n":1}', '{"n":2}']);
    await s.acknowledge('sales', again.map((e) => e.entry));
    await new Promise((r) => setTimeout(r, 200));
    expect(await s.dequeue('sales', 'proc-a', 10, 150)).toEqual([]);
    // queues are apart; a queue never used reads empty
    await s.enqueue('other', 'x');
    expect(await s.dequeue('never-used', 'proc-a', 10, 150)).toEqual([]);
    expect((await s.dequeue('other', 'proc-a', 10, 150)).map((e) => e.body)).toEqual(['x']);
  });

  it('ping answers while the store is up', async () => {
    const s = await store();
    await expect(s.ping()).resolves.toBeUndefined();
  });
});
