import { performance } from 'node:perf_hooks';

/** Times one store call into the run's latencies; returns what the call returned. */
export type Timed = <T>(call: () => Promise<T>) => Promise<T>;

/**
 * One operation of a run, made of one or more timed calls; resolves false when the store
 * answered but refused (a hold that did not hold, a commit of no hold). `caller` is the
 * index of the caller running it, from 0, so an operation can keep a caller on one connection.
 */
export type Operation = (timed: Timed, caller: number) => Promise<boolean>;

export interface CallersResult {
  /** operations finished inside the run, refused ones included */
  ops: number;
  /** timed calls, of those operations */
  calls: number;
  refused: number;
  errors: number;
  firstError?: string;
  /** latency of each timed call, ms: from the call being made to its promise settling */
  latenciesMs: number[];
  elapsedS: number;
  /** this process's CPU time (user + system) over the run, µs */
  clientCpuMicros: number;
}

/**
 * `inFlight` callers, each starting its next operation as soon as its last one ends, for
 * `durationS`: a closed loop, so at most `inFlight` operations are ever outstanding and the
 * rate is what the store sustains at that depth, not what was offered.
 */
export async function runCallers(inFlight: number, durationS: number, op: Operation): Promise<CallersResult> {
  const latenciesMs: number[] = [];
  const r = { ops: 0, calls: 0, refused: 0, errors: 0, firstError: undefined as string | undefined };
  const timed: Timed = async (call) => {
    const t0 = performance.now();
    try {
      return await call();
    } finally {
      latenciesMs.push(performance.now() - t0);
      r.calls++;
    }
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + durationS * 1000;
  const caller = async (_: unknown, index: number) => {
    while (performance.now() < end) {
      try {
        if (!(await op(timed, index))) r.refused++;
      } catch (e) {
        r.errors++;
        r.firstError ??= e instanceof Error ? e.message : String(e);
      }
      r.ops++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, caller));
  const elapsedS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { ...r, latenciesMs, elapsedS, clientCpuMicros: cpu.user + cpu.system };
}
