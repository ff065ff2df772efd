import { performance } from 'node:perf_hooks';
import { connectSeller, GavelCallError, type SellerConnection } from '../../src/sdk/index.js';
import { runCallers } from './callers.js';
import type { LoadResult } from './load.js';
import { watchLoopLag } from './loop-lag.js';
import { summarize } from './percentiles.js';
import { allOpen } from './sockets-open.js';

/**
 * Pings in flight on one seller socket. A seller multiplexes on few sockets (that is the point of
 * the socket), but one socket for 32 pings would put every answer behind one TCP stream and one
 * frame parser; 8 keeps the multiplexing and spreads the load like a small client pool would.
 */
export const IN_FLIGHT_PER_SOCKET = 8;

/** As autocannon's `timeout: 5` in load.ts: an answer slower than this is an error, not a latency. */
const CALL_TIMEOUT_MS = 5000;
const OPEN_TIMEOUT_MS = 5000;

/** Failures the SDK makes up on the client's side; every other GavelCallError is Gavel's own error answer. */
const CLIENT_SIDE = new Set(['CALL_TIMEOUT', 'SOCKET_CLOSED']);

export interface SocketLoadOptions {
  /** Gavel's base URL */
  url: string;
  /** the seller's API key */
  key: string;
  campaign: string;
  /** the call: a ping (the default), or a direct post of the full lead */
  route?: 'ping' | 'leads';
  /** the lead of the next ping; called once per ping, so every ping can differ */
  nextLead: () => Record<string, unknown>;
  tmaxMs: number;
  /** pings in flight at all times: each caller sends its next one when its last is answered */
  connections: number;
  durationS: number;
  /** when set, answers (of any kind) slower than this are counted in `over` */
  overMs?: number;
}

/** How many sockets carry `inFlight` pings. */
export function socketsFor(inFlight: number): number {
  return Math.ceil(inFlight / IN_FLIGHT_PER_SOCKET);
}

/**
 * The seller socket's answer to autocannon (load.ts): a closed loop of `connections` pings over
 * connectSeller sockets, each caller kept on one socket, latency per call with performance.now().
 * Gavel's error answers count as `non2xx`, what the SDK fails on the client's side as `errors`,
 * so a row of either generator reads the same.
 */
export async function runSocketLoad(opts: SocketLoadOptions): Promise<LoadResult> {
  const sellers: SellerConnection[] = Array.from({ length: socketsFor(opts.connections) }, () =>
    connectSeller({ url: opts.url, key: opts.key, callTimeoutMs: CALL_TIMEOUT_MS, reconnect: false }),
  );
  const overMs = opts.overMs ?? Infinity;
  const latencies: number[] = [];
  let over = 0;
  let timeouts = 0;
  try {
    await allOpen(sellers, OPEN_TIMEOUT_MS, 'seller sockets');
    const pingOptions = { tmax_ms: opts.tmaxMs };
    const leads = opts.route === 'leads';
    const stopLag = watchLoopLag();
    const run = await runCallers(opts.connections, opts.durationS, async (_timed, caller) => {
      const seller = sellers[caller % sellers.length]!;
      const t0 = performance.now();
      try {
        await (leads ? seller.lead(opts.campaign, opts.nextLead(), pingOptions) : seller.ping(opts.campaign, opts.nextLead(), pingOptions));
        const ms = performance.now() - t0;
        if (ms > overMs) over++;
        latencies.push(ms);
        return true;
      } catch (e) {
        if (performance.now() - t0 > overMs) over++;
        // an error answer: Gavel answered, as an HTTP 4xx/5xx would; runCallers counts it as refused
        if (e instanceof GavelCallError && !CLIENT_SIDE.has(e.code)) return false;
        if (e instanceof GavelCallError && e.code === 'CALL_TIMEOUT') timeouts++;
        throw e;
      }
    });
    const clientLagP99 = stopLag();
    const ok = run.ops - run.refused - run.errors;
    return {
      perSecond: ok / run.elapsedS,
      ok,
      non2xx: run.refused,
      errors: run.errors,
      timeouts,
      ...summarize(latencies),
      over,
      clientLagP99,
      clientCpuMicros: run.clientCpuMicros,
      durationS: run.elapsedS,
    };
  } finally {
    await Promise.all(sellers.map((s) => s.close()));
  }
}
