import { expect, it } from 'vitest';
import type { TraceStore } from '../../../src/store/store.js';

/** What every TraceStore keeps: a lead's segments in order, bounded, gone after the retention. */
export function traceContract(store: () => Promise<TraceStore>): void {
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
}
