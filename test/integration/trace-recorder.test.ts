import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/store/memory-store.js';
import { RedisStore } from '../../src/store/redis-store.js';
import type { Store } from '../../src/store/store.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { createMetrics } from '../../src/telemetry/metrics.js';
import { LeadTrace } from '../../src/trace/lead-trace.js';
import { TraceRecorder, type TraceSettings } from '../../src/trace/trace-recorder.js';

const SETTINGS: TraceSettings = { enabled: true, retentionMs: 60_000, maxBuffered: 1000, flushMs: 10, batchSize: 256, maxSegments: 8 };
const open: Store[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

function trace(id: string): LeadTrace {
  const t = new LeadTrace(id, 'leads', 'pub1', performance.now(), 100);
  t.lead('auto', undefined, false);
  t.result({ status: 'sold', price: 4 });
  return t;
}

async function counter(metrics: ReturnType<typeof createMetrics>, name: string): Promise<string> {
  return (await metrics.registry.getSingleMetricAsString(name)).split('\n').filter((l) => !l.startsWith('#')).join('\n');
}

describe('trace recorder', () => {
  it('a full buffer drops new traces and counts them; the rest are written at close', async () => {
    const store = new MemoryStore();
    open.push(store);
    const metrics = createMetrics();
    const r = new TraceRecorder(store, { ...SETTINGS, maxBuffered: 3, flushMs: 60_000 }, metrics, createLogger([], 'silent'));
    for (let i = 0; i < 10; i++) r.record(trace(`t${i}`));
    // buffered traces are readable before they are written
    expect(await r.read('t2')).toHaveLength(1);
    expect(await store.readTrace('t2', 60_000, 8)).toEqual([]);
    await r.close();
    expect(await store.readTrace('t2', 60_000, 8)).toHaveLength(1);
    expect(await store.readTrace('t3', 60_000, 8)).toEqual([]);
    expect(await counter(metrics, 'gavel_traces_dropped_total')).toBe('gavel_traces_dropped_total{why="buffer_full"} 7');
    expect(await counter(metrics, 'gavel_traces_written_total')).toBe('gavel_traces_written_total 3');
  });

  it('a store that cannot be reached costs the traces, counted, and never the caller', async () => {
    // nothing listens on port 1: every write fails at once (no offline queue)
    const store = new RedisStore({ url: 'redis://127.0.0.1:1', prefix: 'nowhere:' });
    open.push(store);
    const metrics = createMetrics();
    const r = new TraceRecorder(store, SETTINGS, metrics, createLogger([], 'silent'));
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) r.record(trace(`t${i}`));
    expect(performance.now() - t0).toBeLessThan(50);
    await r.close();
    expect(await counter(metrics, 'gavel_traces_dropped_total')).toBe('gavel_traces_dropped_total{why="store_error"} 20');
  });

  it('a trace that never concerned a lead (keep false) is not written', async () => {
    const store = new MemoryStore();
    open.push(store);
    const r = new TraceRecorder(store, SETTINGS, createMetrics(), createLogger([], 'silent'));
    r.record(new LeadTrace('x', 'post', 'pub1', performance.now(), 10));
    await r.close();
    expect(await store.readTrace('x', 60_000, 8)).toEqual([]);
  });
});
