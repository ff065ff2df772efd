import { expect, it } from 'vitest';
import type { CallStore } from '../../../src/store/store.js';

/** What every CallStore keeps: one call runs per idempotency key; retries get its answer. */
export function callContract(store: () => Promise<CallStore>): void {
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
}
