import { expect, it } from 'vitest';
import type { CapStore } from '../../../src/store/store.js';
import type { CapWindow, Limits, RollingLimit } from '../../../src/core/cap-limits.js';

const DAY = 86_400_000;
const cal = (id: string, maxCount: number, maxSpend = -1): CapWindow => ({ id, maxCount, maxSpend, expiresAt: Date.now() + DAY });
const limits = (calendar: CapWindow[], rolling: RollingLimit[] = []): Limits => ({ calendar, rolling });
const roll = (spec: string, lengthMs: number, maxCount: number, maxSpend = -1): RollingLimit => ({ spec, lengthMs, maxCount, maxSpend });

/**
 * What every CapStore keeps: holds never pass a limit, under concurrency, in count and in money;
 * expired holds stop counting with no background job; commits land where their holds were taken;
 * rolling windows slide; purchases and ping rates refuse.
 */
export function capContract(store: () => Promise<CapStore>): void {
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
}
