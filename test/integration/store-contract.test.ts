import { afterEach, describe, expect, it } from 'vitest';
import type { CapWindow } from '../../src/store/cap-windows.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { RedisStore } from '../../src/store/redis-store.js';
import type { Store } from '../../src/store/store.js';
import { cleanPrefix, REDIS_URL, testPrefix } from '../support/exchange.js';

/** One contract, two stores: what the exchange relies on must hold for both. */
const stores: Record<string, () => Promise<Store>> = {
  redis: async () => {
    const s = new RedisStore({ url: REDIS_URL, prefix: testPrefix() });
    if (!(await s.waitReady(3000))) throw new Error(`no Redis at ${REDIS_URL}`);
    return s;
  },
  memory: async () => new MemoryStore(),
};

const open: Store[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) {
    await s.close();
    if (s instanceof RedisStore) await cleanPrefix(s.client.options.keyPrefix!);
  }
});

const day = (id: string, maxCount: number, maxSpend = -1): CapWindow => ({ id, maxCount, maxSpend, expiresAt: Date.now() + 86_400_000 });

describe.each(Object.keys(stores))('store contract: %s', (kind) => {
  async function store(): Promise<Store> {
    const s = await stores[kind]!();
    open.push(s);
    return s;
  }

  it('dedup: of 50 simultaneous claims of one key, exactly one wins; its owner may claim again', async () => {
    const s = await store();
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => s.claimDedup('d:auto:x', `owner-${i}`, 60_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = `owner-${results.indexOf(true)}`;
    expect(await s.claimDedup('d:auto:x', winner, 60_000)).toBe(true);
    expect(await s.claimDedup('d:auto:x', 'someone-else', 60_000)).toBe(false);
  });

  it('dedup: a claim ends with its window', async () => {
    const s = await store();
    expect(await s.claimDedup('d:auto:y', 'a', 50)).toBe(true);
    await new Promise((r) => setTimeout(r, 80));
    expect(await s.claimDedup('d:auto:y', 'b', 50)).toBe(true);
  });

  it('holds: 100 simultaneous holds against a count cap of 10 leave exactly 10', async () => {
    const s = await store();
    const now = Date.now();
    const w = [day('d:2026-11-22', 10)];
    const r = await Promise.all(Array.from({ length: 100 }, (_, i) => s.hold('acme', `h${i}`, 1_000_000, w, now, now + 60_000)));
    expect(r.filter((x) => x.ok)).toHaveLength(10);
    expect(r.find((x) => !x.ok)).toEqual({ ok: false, limit: 'count', window: 'd:2026-11-22' });
    expect(await s.usage('acme', 'd:2026-11-22', now)).toEqual({ count: 0, spend: 0, heldCount: 10, heldSpend: 10_000_000 });
    expect(await s.capsFull('acme', w, now)).toBe(true);
  });

  it('holds: a spend cap is never passed by one micro', async () => {
    const s = await store();
    const now = Date.now();
    const w = [day('d:1', -1, 10_000_000)];
    expect((await s.hold('b', 'h1', 6_000_000, w, now, now + 60_000)).ok).toBe(true);
    expect(await s.hold('b', 'h2', 4_000_001, w, now, now + 60_000)).toEqual({ ok: false, limit: 'spend', window: 'd:1' });
    expect((await s.hold('b', 'h3', 4_000_000, w, now, now + 60_000)).ok).toBe(true);
    expect(await s.capsFull('b', w, now)).toBe(true);
  });

  it('holds: commit makes usage, release frees room, both only once', async () => {
    const s = await store();
    const now = Date.now();
    const w = [day('d:1', 2)];
    await s.hold('c', 'h1', 5_000_000, w, now, now + 60_000);
    await s.hold('c', 'h2', 7_000_000, w, now, now + 60_000);
    expect(await s.commitHold('c', 'h1', now)).toBe(true);
    expect(await s.commitHold('c', 'h1', now)).toBe(false);
    expect(await s.releaseHold('c', 'h2', now)).toBe(true);
    expect(await s.releaseHold('c', 'h2', now)).toBe(false);
    expect(await s.usage('c', 'd:1', now)).toEqual({ count: 1, spend: 5_000_000, heldCount: 0, heldSpend: 0 });
    expect((await s.hold('c', 'h3', 1, w, now, now + 60_000)).ok).toBe(true);
    expect((await s.hold('c', 'h4', 1, w, now, now + 60_000)).ok).toBe(false);
  });

  it('holds: taking the same hold twice counts it once', async () => {
    const s = await store();
    const now = Date.now();
    const w = [day('d:1', 5)];
    await s.hold('d', 'h1', 1_000_000, w, now, now + 60_000);
    await s.hold('d', 'h1', 1_000_000, w, now, now + 60_000);
    expect((await s.usage('d', 'd:1', now)).heldCount).toBe(1);
  });

  it('holds: an expired hold stops counting with no background job, and cannot be committed', async () => {
    const s = await store();
    const now = Date.now();
    const w = [day('d:1', 1)];
    expect((await s.hold('e', 'h1', 1_000_000, w, now, now + 1_000)).ok).toBe(true);
    expect((await s.hold('e', 'h2', 1_000_000, w, now, now + 1_000)).ok).toBe(false);
    const later = now + 1_001;
    expect(await s.commitHold('e', 'h1', later)).toBe(false);
    expect((await s.hold('e', 'h2', 1_000_000, w, later, later + 1_000)).ok).toBe(true);
    expect(await s.usage('e', 'd:1', later)).toEqual({ count: 0, spend: 0, heldCount: 1, heldSpend: 1_000_000 });
  });

  it('holds: extend keeps a hold alive past its first expiry', async () => {
    const s = await store();
    const now = Date.now();
    const w = [day('d:1', 1)];
    await s.hold('f', 'h1', 1, w, now, now + 1_000);
    expect(await s.extendHold('f', 'h1', now + 10_000, now)).toBe(true);
    expect(await s.commitHold('f', 'h1', now + 5_000)).toBe(true);
    expect(await s.extendHold('f', 'missing', now + 10_000, now)).toBe(false);
  });

  it('holds: a commit lands in the windows the hold was taken in, even after midnight', async () => {
    const s = await store();
    const now = Date.now();
    await s.hold('g', 'h1', 2_000_000, [day('d:2026-11-22', 5)], now, now + 60_000);
    // the post arrives on the next local day: the sale still counts on the day it was won
    expect(await s.commitHold('g', 'h1', now + 1000)).toBe(true);
    expect(await s.usage('g', 'd:2026-11-22', now + 1000)).toEqual({ count: 1, spend: 2_000_000, heldCount: 0, heldSpend: 0 });
    expect((await s.usage('g', 'd:2026-11-23', now + 1000)).count).toBe(0);
  });

  it('holds: every window of a hold is judged together', async () => {
    const s = await store();
    const now = Date.now();
    const windows = [day('d:1', 10), day('w:1', 2)];
    expect((await s.hold('h', 'a', 1, windows, now, now + 60_000)).ok).toBe(true);
    expect((await s.hold('h', 'b', 1, windows, now, now + 60_000)).ok).toBe(true);
    expect(await s.hold('h', 'c', 1, windows, now, now + 60_000)).toEqual({ ok: false, limit: 'count', window: 'w:1' });
    // the refused hold left nothing behind in the window that had room
    expect((await s.usage('h', 'd:1', now)).heldCount).toBe(2);
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

  it('ping answers while the store is up', async () => {
    const s = await store();
    await expect(s.ping()).resolves.toBeUndefined();
  });
});
