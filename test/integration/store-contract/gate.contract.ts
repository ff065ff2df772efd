import { expect, it } from 'vitest';
import type { GateStore } from '../../../src/store/store.js';

/** What every GateStore keeps: a seller's rate limit, and its resubmissions refused within the window. */
export function gateContract(store: () => Promise<GateStore>): void {
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
}
