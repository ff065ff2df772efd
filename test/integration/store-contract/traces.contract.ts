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

  it('traces: a scan of a time range hands over every lead written in it, in batches, each lead with its segments', async () => {
    const s = await store();
    const retention = 3_600_000;
    const from = Date.now();
    const written = Array.from({ length: 2500 }, (_, i) => [`scan-${i}`, `{"n":${i}}`] as const);
    await s.appendTraces(written, retention, 8);
    await s.appendTraces([['scan-7', '{"post":true}']], retention, 8);
    const to = Date.now();
    const seen = new Map<string, string[]>();
    let batches = 0;
    let complete = -Infinity;
    await s.scanTraces(from, to, retention, (batch, done) => {
      batches++;
      // how far the scan is complete never goes back
      expect(done).toBeGreaterThanOrEqual(complete);
      complete = done;
      for (const [id, segs] of batch) seen.set(id, [...(seen.get(id) ?? []), ...segs]);
    });
    for (const [id, seg] of written) expect(seen.get(id)?.[0], id).toBe(seg);
    expect(seen.get('scan-7')).toEqual(['{"n":7}', '{"post":true}']);
    // a batch is a page, never the whole range
    expect(batches).toBeGreaterThan(1);
  });
}
