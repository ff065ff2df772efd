import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryLeadIndex } from '../../src/store/memory-lead-index.js';

afterEach(() => void vi.useRealTimers());

describe("the memory store's lead index", () => {
  it('lists newest first by time and cursor, and drops what is past retention or past its bound', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 11, 3, 12), toFake: ['Date'] });
    const index = new MemoryLeadIndex(() => undefined, 4);
    await index.indexLeads(['a', 'b'], 60_000);
    vi.advanceTimersByTime(1000);
    await index.indexLeads(['c'], 60_000);
    const t0 = Date.UTC(2026, 11, 3, 12);
    const all = await index.scanLeads(0, Date.now(), undefined, 10);
    expect(all.map((e) => e.json)).toEqual(['c', 'b', 'a']);
    // two in the same millisecond keep their order by sequence, as a stream's ids do
    expect(all.map((e) => e.id)).toEqual([`${t0 + 1000}-0`, `${t0}-1`, `${t0}-0`]);
    expect((await index.scanLeads(0, Date.now(), all[0]!.id, 10)).map((e) => e.json)).toEqual(['b', 'a']);
    expect((await index.scanLeads(0, Date.now(), all[1]!.id, 1)).map((e) => e.json)).toEqual(['a']);
    expect((await index.scanLeads(t0 + 1, Date.now(), undefined, 10)).map((e) => e.json)).toEqual(['c']);
    expect((await index.scanLeads(0, t0, undefined, 10)).map((e) => e.json)).toEqual(['b', 'a']);
    // bounded: the oldest go first
    await index.indexLeads(['d', 'e'], 60_000);
    expect((await index.scanLeads(0, Date.now(), undefined, 10)).map((e) => e.json)).toEqual(['e', 'd', 'c', 'b']);
    // past retention
    vi.advanceTimersByTime(60_500);
    await index.indexLeads(['f'], 60_000);
    expect((await index.scanLeads(0, Date.now(), undefined, 10)).map((e) => e.json)).toEqual(['f']);
  });
});
