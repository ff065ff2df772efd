import autocannon from 'autocannon';
import { watchLoopLag } from './loop-lag.js';
import { summarize, type SampleSummary } from './percentiles.js';

export interface LoadOptions {
  url: string;
  path: string;
  headers: Record<string, string>;
  /** the body of the next request; called once per request, so every request can differ */
  nextBody: () => string;
  /** requests in flight at all times: each connection sends its next one when the last is answered */
  connections: number;
  durationS: number;
  /** when set, answers (of any status) slower than this are counted in `over` */
  overMs?: number;
}

/** Latencies (p50 … max, mean) are those of 2xx replies, ms (sub-millisecond; autocannon's own histogram keeps whole ms). */
export interface LoadResult extends SampleSummary {
  /** 2xx answers per second */
  perSecond: number;
  ok: number;
  non2xx: number;
  /** connection errors, timeouts included */
  errors: number;
  timeouts: number;
  /** answers of any status slower than `overMs` (0 when it was not set): a late error is late too */
  over: number;
  /** the load generator's own event loop lag p99 over the run, ms: every latency above includes it */
  clientLagP99: number;
  /** the load generator's CPU time (user + system) over the run, µs: on a shared machine, taken from the server */
  clientCpuMicros: number;
  durationS: number;
}

/** One autocannon run against a single POST route, latencies recorded from its response events. */
export function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  const overMs = opts.overMs ?? Infinity;
  let ok = 0;
  let over = 0;
  const stopLag = watchLoopLag();
  const cpu0 = process.cpuUsage();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: opts.url,
        connections: opts.connections,
        duration: opts.durationS,
        timeout: 5,
        requests: [
          {
            method: 'POST',
            path: opts.path,
            headers: opts.headers,
            setupRequest: (req) => {
              req.body = opts.nextBody();
              return req;
            },
          },
        ],
      },
      (err, result) => {
        const clientLagP99 = stopLag();
        const cpu = process.cpuUsage(cpu0);
        if (err) return reject(err);
        const durationS = (result.finish.getTime() - result.start.getTime()) / 1000;
        resolve({
          perSecond: ok / durationS,
          ok,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          ...summarize(latencies),
          over,
          clientLagP99,
          clientCpuMicros: cpu.user + cpu.system,
          durationS,
        });
      },
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      if (ms > overMs) over++;
      if (status < 200 || status >= 300) return;
      ok++;
      latencies.push(ms);
    });
  });
}
