import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { compileRuntime } from '../../src/config/runtime.js';
import { replayRange } from '../../src/front/draft-replay.js';
import type { TraceBatch } from '../../src/store/store.js';
import { TRACE_SHARDS, traceShard } from '../../src/store/trace-shard.js';
import { readDemoConfig } from '../../bench/support/demo-config.js';
import { recordedSegments } from '../../bench/support/recorded-day.js';

const FROM = Date.UTC(2026, 10, 30);
const N = 1600;

/** A recorded range of N leads held in memory, read the way a store scans it; each scan's shards noted. */
function traffic() {
  const leads = Array.from({ length: N }, (_, i) => recordedSegments(i, FROM + i * 1000));
  const asked: (number[] | 'all')[] = [];
  return {
    asked,
    scan: async (_from: number, _to: number, each: (batch: TraceBatch, complete: number) => Promise<void> | void, shards?: ReadonlySet<number>) => {
      asked.push(shards === undefined ? 'all' : [...shards].sort((a, b) => a - b));
      const batch = leads.filter((segs) => shards === undefined || shards.has(traceShard(segs[0]!.lead_id))).map((segs) => [segs[0]!.lead_id, segs.map((x) => JSON.stringify(x))] as const);
      for (let i = 0; i < batch.length; i += 200) await each(batch.slice(i, i + 200), -Infinity);
    },
  };
}

describe('a replay of a range reads its evidence from a sample when the range is large', () => {
  const live = compileRuntime(parseConfig(readDemoConfig()), undefined);
  const draftConfig = readDemoConfig();
  draftConfig.campaigns[0]!.floor = 3;
  const draft = compileRuntime(parseConfig(draftConfig), undefined);
  const rest = Array.from({ length: TRACE_SHARDS - 1 }, (_, i) => i + 1);

  it('a sample of one shard in sixteen that is big enough is all the evidence read: one more read, the replay, of every lead', async () => {
    const t = traffic();
    const r = await replayRange(live, draft, t, FROM, FROM + N * 1000, 1_000_000, 50);
    expect(t.asked).toEqual([[0], 'all']);
    expect(r.pings).toBe(N);
    expect(r.live.leads).toBe(N);
  });

  it('a small sample is not enough: the rest of the range is read for evidence too, and the figures are those of every lead', async () => {
    const t = traffic();
    const r = await replayRange(live, draft, t, FROM, FROM + N * 1000, 1_000_000, N);
    expect(t.asked).toEqual([[0], rest, 'all']);
    expect(r.pings).toBe(N);
    // the same range and versions replayed again give the same figures: every draw is a hash
    const again = await replayRange(live, draft, traffic(), FROM, FROM + N * 1000, 1_000_000, N);
    expect(again).toEqual(r);
    expect(r.draft_totals.offers).toBeLessThan(r.live.offers);
  });
});
