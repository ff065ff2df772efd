import { performance } from 'node:perf_hooks';
import * as hdr from 'hdr-histogram-js';
import type { SampleSummary } from './percentiles.js';

/** One call of the load: resolves with a label for the outcome (an HTTP status, an error code). */
export type Send = (i: number) => Promise<string>;

export interface OpenLoopOptions {
  /** calls started per second, on schedule whatever happened to the earlier ones */
  rate: number;
  durationS: number;
  send: Send;
  /** calls still out past this are counted as timeouts (their latency recorded as the timeout) */
  timeoutMs?: number;
  /** calls out at once past this are not started but counted as `skipped`: the client, not the server, gave out */
  maxOutstanding?: number;
  /** answers (of any outcome) later than this from when they were due are counted in `over` */
  overMs?: number;
}

export interface LatencySummary extends SampleSummary {
  count: number;
}

export interface OpenLoopResult {
  /** from the first call due to the last answer, seconds */
  elapsedS: number;
  started: number;
  completed: number;
  /** answers later than overMs */
  over: number;
  timeouts: number;
  skipped: number;
  /** answers by outcome label */
  outcomes: Record<string, number>;
  /** every answer's latency from the moment its call was due, ms */
  latency: LatencySummary;
  /** the same, second by second of the run (by due time), for a plot over time */
  perSecond: LatencySummary[];
  /** the histogram itself (µs), for merging */
  histogram: hdr.Histogram;
  /** calls per latency bucket, bucket k holding (BUCKET_US × 2^(k-1), BUCKET_US × 2^k] µs (bucket 0: up to BUCKET_US): the histogram plot's bars */
  buckets: number[];
}

/** the upper bound of the first latency bucket, µs; each next bucket doubles it */
export const BUCKET_US = 100;

export function bucketOf(us: number): number {
  return us <= BUCKET_US ? 0 : Math.ceil(Math.log2(us / BUCKET_US));
}

function newHistogram(): hdr.Histogram {
  // microseconds from 1 µs to 10 minutes, 3 significant digits
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });
}

export function summarise(h: hdr.Histogram): LatencySummary {
  const ms = (us: number) => us / 1000;
  return {
    count: h.totalCount,
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
    mean: ms(h.mean),
  };
}

/**
 * Open-loop, fixed-rate load without coordinated omission: call i is due at start + i / rate
 * and is started then (or as soon as the event loop can, several at once when it fell behind),
 * never later because an earlier call is still out; its latency is measured from when it was
 * due, so a server (or a client) that stalls is charged for every call that waited, not just
 * the one in flight. Latencies go into an HDR histogram.
 */
export function runOpenLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const total = Math.round(o.rate * o.durationS);
  const intervalMs = 1000 / o.rate;
  const timeoutMs = o.timeoutMs ?? 10_000;
  const maxOut = o.maxOutstanding ?? 50_000;
  const all = newHistogram();
  const seconds: hdr.Histogram[] = [];
  const outcomes: Record<string, number> = {};
  const buckets: number[] = [];
  const r = { started: 0, completed: 0, timeouts: 0, skipped: 0, over: 0 };
  const overMs = o.overMs ?? Infinity;
  let outstanding = 0;
  let next = 0;
  const t0 = performance.now();
  return new Promise((resolve) => {
    const finish = () => {
      const result = { ...r, elapsedS: (performance.now() - t0) / 1000, outcomes, latency: summarise(all), perSecond: seconds.map(summarise), histogram: all, buckets: Array.from(buckets, (n) => n ?? 0) };
      resolve(result);
    };
    const record = (dueAt: number, ms: number) => {
      if (ms > overMs) r.over++;
      const us = Math.max(1, Math.round(ms * 1000));
      all.recordValue(us);
      const b = bucketOf(us);
      buckets[b] = (buckets[b] ?? 0) + 1;
      const s = Math.floor((dueAt - t0) / 1000);
      (seconds[s] ??= newHistogram()).recordValue(us);
    };
    const settled = () => {
      outstanding--;
      if (next >= total && outstanding === 0) finish();
    };
    const fire = (i: number, dueAt: number) => {
      if (outstanding >= maxOut) {
        r.skipped++;
        return;
      }
      outstanding++;
      r.started++;
      let done = false;
      const timer = setTimeout(() => {
        if (done) return;
        done = true;
        r.timeouts++;
        record(dueAt, performance.now() - dueAt);
        settled();
      }, Math.max(0, dueAt + timeoutMs - performance.now()));
      o.send(i).then(
        (label) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          r.completed++;
          outcomes[label] = (outcomes[label] ?? 0) + 1;
          record(dueAt, performance.now() - dueAt);
          settled();
        },
        (e: unknown) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          const label = `error: ${e instanceof Error ? e.message.slice(0, 60) : String(e)}`;
          outcomes[label] = (outcomes[label] ?? 0) + 1;
          record(dueAt, performance.now() - dueAt);
          settled();
        },
      );
    };
    const tick = () => {
      const now = performance.now();
      // start every call that is due by now: behind schedule, several at once
      while (next < total && t0 + next * intervalMs <= now) {
        fire(next, t0 + next * intervalMs);
        next++;
      }
      if (next < total) setTimeout(tick, Math.max(0, t0 + next * intervalMs - performance.now()));
      else if (outstanding === 0) finish();
    };
    tick();
  });
}
