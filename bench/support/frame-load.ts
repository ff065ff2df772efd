import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ROOT } from '../../src/core/paths.js';
import type { FrameCounts, FrameMessage, FrameRequest, FrameSpec } from './frame-messages.js';
import { summarize } from './percentiles.js';
import { IN_FLIGHT_PER_SOCKET } from './socket-load.js';
import type { WrkRun } from './wrk-load.js';

/**
 * The generator's process. Built, it sits beside this file; a test imports this file from the
 * source, and the child runs the build of it (the test setup brings dist/ up to date).
 */
function childEntry(): string {
  const beside = fileURLToPath(new URL('./frame-load-child.js', import.meta.url));
  return existsSync(beside) ? beside : join(ROOT, 'dist/bench/support/frame-load-child.js');
}

export interface FrameLoadOptions {
  /** the server's base URL: its seller socket is `/v1/ws` */
  url: string;
  /** the seller's API key (the baselines take any) */
  key: string;
  route: 'ping' | 'leads';
  tmaxMs: number;
  /** calls in flight in total, over ceil(C / 8) sockets per process (socket-load.ts's spread) */
  connections: number;
  durationS: number;
  /** the first lead's index (leads.ts): a warm-up and its measured run take different ranges */
  firstLead: number;
  /** generator processes sharing the calls (default 1): more when one is the limit */
  processes?: number;
  /** the server's CPU time so far, seconds; read as the run starts and when it has ended */
  serverCpuSeconds: () => Promise<number> | number;
}

/** A child that says one thing at a time: the next message, or its exit as an error. */
function listen(child: ChildProcess, name: string): () => Promise<FrameMessage> {
  const queue: FrameMessage[] = [];
  const waiting: { resolve(m: FrameMessage): void; reject(e: Error): void }[] = [];
  let exit: Error | null = null;
  child.on('message', (m: FrameMessage) => {
    const w = waiting.shift();
    if (w !== undefined) w.resolve(m);
    else queue.push(m);
  });
  child.once('exit', (code, signal) => {
    exit = new Error(`${name} exited (${signal ?? `code ${code}`}) before its run was done`);
    for (const w of waiting.splice(0)) w.reject(exit);
  });
  return () => {
    const m = queue.shift();
    if (m !== undefined) return Promise.resolve(m);
    if (exit !== null) return Promise.reject(exit);
    return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  };
}

/**
 * A closed loop on the seller socket, `/v1/ws`, by the bench's frame generator ("frames"): each
 * process (forked, so its CPU is its own and not the runner's) opens its sockets, all start at
 * once, every answer sends the next call, for `durationS`. Every call a different lead, the i-th
 * as leads.ts builds it, from `firstLead`. The result in the shape of a wrk run, so the same
 * report and refusal rule read it: the generator's CPU is the processes' own over the run, its
 * share of a core the highest of any one process (each is one thread of JavaScript).
 */
export async function runFrames(o: FrameLoadOptions): Promise<WrkRun> {
  const processes = o.processes ?? 1;
  if (!Number.isInteger(processes) || processes < 1 || processes > o.connections) throw new Error(`frames: ${processes} processes for ${o.connections} calls in flight`);
  const entry = childEntry();
  const children = Array.from({ length: processes }, (_, k) => {
    // the calls shared as evenly as they go, the leads interleaved: process k sends first + k, first + k + K, …
    const connections = Math.floor(o.connections / processes) + (k < o.connections % processes ? 1 : 0);
    const spec: FrameSpec = { url: o.url, key: o.key, route: o.route, tmaxMs: o.tmaxMs, connections, sockets: Math.ceil(connections / IN_FLIGHT_PER_SOCKET), durationS: o.durationS, first: o.firstLead + k, stride: processes };
    const child = fork(entry, [JSON.stringify(spec)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
    return { child, next: listen(child, `frame generator ${k + 1}`) };
  });
  const exited = children.map(({ child }) => new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve()))));
  try {
    for (const { next } of children) {
      const m = await next();
      if (m.type === 'failed') throw new Error(`frames: a seller socket did not open on ${o.url}: ${m.error}`);
      if (m.type !== 'ready') throw new Error(`frames: a generator said ${m.type} before it was ready`);
    }
    const cpu0 = await o.serverCpuSeconds();
    const t0 = performance.now();
    for (const { child } of children) child.send({ type: 'go' } satisfies FrameRequest);
    const counts: FrameCounts[] = [];
    for (const { next } of children) {
      const m = await next();
      if (m.type !== 'done') throw new Error(`frames: a generator said ${m.type} during its run`);
      counts.push(m);
    }
    const wallS = (performance.now() - t0) / 1000;
    const cpu1 = await o.serverCpuSeconds();
    return frameRun(counts, wallS, cpu1 - cpu0);
  } finally {
    for (const { child } of children) if (child.connected) child.disconnect();
    await Promise.all(exited);
  }
}

/** The processes' counts as one run, in the shape of wrk's. */
export function frameRun(counts: readonly FrameCounts[], wallS: number, serverCpuS: number): WrkRun {
  const sum = (f: (c: FrameCounts) => number) => counts.reduce((n, c) => n + f(c), 0);
  const unmatched = sum((c) => c.unmatched);
  // an answer that matches no call means the generator misread the stream: no figure from it
  if (unmatched > 0) throw new Error(`frames: ${unmatched} answers carried an id no call in flight had`);
  const requests = sum((c) => c.requests);
  const ok = sum((c) => c.ok);
  const durationS = Math.max(...counts.map((c) => c.durationS));
  const generatorCpuS = sum((c) => c.cpuMicros) / 1e6;
  const all = new Float64Array(sum((c) => c.latencies.length));
  let at = 0;
  for (const c of counts) {
    all.set(c.latencies, at);
    at += c.latencies.length;
  }
  const lat = summarize(all);
  return {
    output: {
      requests,
      durationS,
      perSecond: requests / durationS,
      non2xx: sum((c) => c.errors),
      socketErrors: { connect: 0, read: sum((c) => c.socketErrors), write: 0, timeout: 0 },
      latency: { mean: lat.mean, max: lat.max, p50: lat.p50, p90: lat.p90, p99: lat.p99 },
    },
    okPerSecond: ok / durationS,
    wallS,
    generatorCpuS,
    serverCpuS,
    generatorCoreShare: Math.max(...counts.map((c) => c.cpuMicros / 1e6 / c.durationS)),
    generatorMicrosPerRequest: (generatorCpuS * 1e6) / Math.max(1, requests),
    serverMicrosPerCall: (serverCpuS * 1e6) / Math.max(1, ok),
  };
}
