import cluster, { type Worker } from 'node:cluster';
import type { Logger } from './telemetry/logger.js';
import { serveClusterMetrics } from './telemetry/cluster-metrics.js';
import { quickDeaths, restartDelay } from './restart-backoff.js';

/**
 * The primary of `--processes N`: it serves nothing itself; it runs N Gavel processes (node:cluster
 * workers running this same main), each a whole Gavel on the shared store, and watches them.
 *
 * Why node:cluster and not child_process.fork: a worker is the same program with an IPC channel
 * the primary's metrics aggregation (prom-client's AggregatorRegistry) already speaks. Why each
 * worker listens itself: uWebSockets.js cannot take a listen socket from another process, and
 * with SO_REUSEPORT the kernel spreads the connections across the processes with no hop through
 * the primary (node:cluster's own round-robin only applies to node's net servers).
 *
 * - Ports: every worker is given the same ports. uWS sets SO_REUSEPORT only on a listen socket
 *   bound to a given port (never on port 0), so "any free port" (0) is picked here, by the
 *   primary, before the workers start (main.ts, freePort).
 * - A worker that dies is started again on the same ports, after a backoff that doubles with each
 *   death soon after start (a crash loop does not spin the CPU) and resets once one has lived.
 *   A worker that dies during the first start fails the whole start: it will not do better alone.
 * - SIGTERM or SIGINT: every worker is told to drain (each runs its own drain, as one process
 *   does); none is started again; the primary exits 0 when all exited 0, else 1. A worker still
 *   alive `stopLimitMs` after it was told (the server's drain_timeout_ms plus STOP_MARGIN_MS) is
 *   stuck: it is SIGKILLed, logged with its pid, and the primary exits 1 (an operator must see it).
 *   A second signal SECOND_SIGNAL_MS or more after the first kills what is left at once.
 * - /metrics: any worker may be scraped, it asks the primary, which aggregates the registry of
 *   every worker that listens (src/telemetry/cluster-metrics.ts).
 */

/** what a worker sends once it listens, read by the primary */
export const LISTENING = 'gavel:listening';
/** the environment variable the primary gives every worker: `port,operatorPort`, the ports the set shares */
export const SET_PORTS_ENV = 'GAVEL_SET_PORTS';

export interface Listening {
  type: typeof LISTENING;
  port: number;
  operatorPort: number;
}


/**
 * What a worker's stop may take past its drain: the shutdown steps after it (the ledger's last
 * drain alone may take 2 s, and the store's last writes) with room to spare.
 */
export const STOP_MARGIN_MS = 5_000;

/**
 * A second SIGINT or SIGTERM this long after the first kills the workers at once: an operator who
 * asks again will not wait. One sooner is taken for the same Ctrl-C arriving twice (under npm the
 * terminal's and npm's forward of it), as main.ts explains, and does not cut a drain short.
 */
export const SECOND_SIGNAL_MS = 1_000;

interface Slot {
  index: number;
  worker: Worker | null;
  /** the worker said it listens: its metrics are part of the set's */
  listening: boolean;
  startedAt: number;
  /** deaths in a row, each soon after its start */
  quickDeaths: number;
  timer: NodeJS.Timeout | null;
}

/**
 * Run the set until it is told to stop; resolves with the exit code. `stopLimitMs`: how long a
 * worker told to stop may take before it is killed.
 */
export function runSupervisor(count: number, setPorts: { port: number; operatorPort: number }, stopLimitMs: number, log: Logger): Promise<number> {
  const slots: Slot[] = Array.from({ length: count }, (_, index) => ({ index, worker: null, listening: false, startedAt: 0, quickDeaths: 0, timer: null }));
  serveClusterMetrics(function* () {
    for (const s of slots) if (s.worker !== null && s.listening) yield s.worker;
  });
  const ports = `${setPorts.port},${setPorts.operatorPort}`;
  let starting = true;
  let stopping = false;
  let stoppingAt = 0;
  let hardStop: NodeJS.Timeout | null = null;
  let exitCode = 0;
  let finish: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (finish = resolve));

  const endIfAllExited = (): void => {
    if (!slots.every((s) => s.worker === null)) return;
    if (hardStop !== null) clearTimeout(hardStop);
    finish(exitCode);
  };

  const fork = (slot: Slot): Promise<Listening> => {
    const worker = cluster.fork({ [SET_PORTS_ENV]: ports });
    slot.worker = worker;
    slot.listening = false;
    slot.startedAt = Date.now();
    log.info({ worker: slot.index, pid: worker.process.pid }, 'process started');
    return new Promise((resolve, reject) => {
      worker.on('message', (m: Listening) => {
        if (m?.type !== LISTENING) return;
        if (slot.worker === worker) slot.listening = true;
        resolve(m);
      });
      worker.once('exit', (code, signal) => {
        reject(new Error(`process ${slot.index} (pid ${worker.process.pid}) exited before it listened (${signal ?? `code ${code}`})`));
        exited(slot, worker, code, signal);
      });
    });
  };

  const exited = (slot: Slot, worker: Worker, code: number | null, signal: string | null): void => {
    if (slot.worker !== worker) return;
    slot.worker = null;
    slot.listening = false;
    if (stopping || starting) {
      if (code !== 0) exitCode = 1;
      log.info({ worker: slot.index, pid: worker.process.pid, code, signal }, 'process exited');
      if (stopping) endIfAllExited();
      return;
    }
    const lived = Date.now() - slot.startedAt;
    slot.quickDeaths = quickDeaths(slot.quickDeaths, lived);
    const wait = restartDelay(slot.quickDeaths);
    log.error({ worker: slot.index, pid: worker.process.pid, code, signal, lived_ms: lived, restart_in_ms: wait }, 'process died: starting another');
    slot.timer = setTimeout(() => {
      slot.timer = null;
      if (stopping) return;
      fork(slot).then(
        (l) => log.info({ worker: slot.index, pid: slot.worker?.process.pid, port: l.port }, 'process replaced'),
        () => undefined, // its exit is handled by `exited`, which schedules the next try
      );
    }, wait);
  };

  /** Every worker still alive killed, the set's exit a failure: its stop did not end by itself. */
  const killLeft = (why: string): void => {
    for (const s of slots) {
      if (s.worker === null) continue;
      exitCode = 1;
      log.error({ worker: s.index, pid: s.worker.process.pid, why }, 'process did not stop: killed');
      s.worker.process.kill('SIGKILL');
    }
  };

  const stop = (signal: string): void => {
    if (stopping) {
      const since = Date.now() - stoppingAt;
      if (since < SECOND_SIGNAL_MS) return void log.info({ signal }, 'already draining');
      return killLeft(`${signal} again ${since} ms into the drain`);
    }
    stopping = true;
    stoppingAt = Date.now();
    hardStop = setTimeout(() => killLeft(`still draining ${stopLimitMs} ms after it was told to stop (drain_timeout_ms + ${STOP_MARGIN_MS} ms)`), stopLimitMs);
    log.info({ signal, processes: slots.filter((s) => s.worker !== null).length }, 'draining every process');
    for (const s of slots) {
      if (s.timer !== null) clearTimeout(s.timer);
      s.timer = null;
      s.worker?.process.kill('SIGTERM');
    }
    endIfAllExited();
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => stop(signal));

  void (async () => {
    try {
      await Promise.all(slots.map(fork));
      starting = false;
      if (!stopping) log.info({ processes: count, port: setPorts.port, operator_port: setPorts.operatorPort }, 'gavel set listening');
    } catch (e) {
      // told to stop while starting: the processes it stopped did not fail
      if (stopping) return;
      log.fatal({ err: e }, 'the set could not start: stopping every process');
      exitCode = 1;
      stop('start failed');
    }
  })();
  return done;
}
