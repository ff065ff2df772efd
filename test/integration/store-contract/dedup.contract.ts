import { expect, it } from 'vitest';
import type { DedupStore } from '../../../src/store/store.js';

/** What every DedupStore keeps: of twins, on any process, exactly one passes; a claim ends with its window. */
export function dedupContract(store: () => Promise<DedupStore>): void {
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
}
