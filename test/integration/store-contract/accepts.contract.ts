import { expect, it } from 'vitest';
import type { AcceptStore } from '../../../src/store/store.js';

/** What every AcceptStore keeps: decayed post outcomes per buyer and grade. */
export function acceptContract(store: () => Promise<AcceptStore>): void {
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
}
