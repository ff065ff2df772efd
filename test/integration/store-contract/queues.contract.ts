import { expect, it } from 'vitest';
import type { QueueStore } from '../../../src/store/store.js';

/** What every QueueStore keeps: each event delivered at least once, to one consumer at a time. */
export function queueContract(store: () => Promise<QueueStore>): void {
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
}
