import { spawn, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { clockTicks, procTreeCpuSeconds } from './proc-cpu.js';
import { parseWrkOutput, type WrkOutput } from './wrk-output.js';
import { wrkScript, type WrkCalls } from './wrk-script.js';

/** What to say when wrk is not there: the bench does not fall back to a generator that would set the figure. */
export const WRK_MISSING = 'wrk is not installed: the outside load generator of `--generator wrk`. Install it with `sudo apt-get install -y wrk` (Debian, Ubuntu), or build it from https://github.com/wg/wrk and put it on the PATH';

/** Fails with WRK_MISSING when no `wrk` runs on this machine. */
export function assertWrk(): void {
  const r = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  // wrk --version prints its banner and exits 1: any output from it means it is there
  if (r.error !== undefined || !/wrk/.test(`${r.stdout}${r.stderr}`)) throw new Error(WRK_MISSING);
}

export interface WrkLoadOptions extends WrkCalls {
  url: string;
  connections: number;
  durationS: number;
  /** the first lead's index (leads.ts): a warm-up and its measured run take different ranges */
  firstLead: number;
  /**
   * The server's CPU time so far, seconds: /proc/<pid>/stat when its pid is known (procCpuSeconds),
   * else whatever the server reports. Read before and after the run.
   */
  serverCpuSeconds: () => Promise<number> | number;
}

/** One wrk run: wrk's report, and the CPU both sides spent over it. */
export interface WrkRun {
  output: WrkOutput;
  /** answers per second with a status under 400 */
  okPerSecond: number;
  /** wall time from wrk's start to its exit, seconds */
  wallS: number;
  /** wrk's own CPU time (every thread), seconds */
  generatorCpuS: number;
  /** the server's CPU time over the run, seconds */
  serverCpuS: number;
  /** the share of one core wrk used over its run: near 1, wrk (one thread) was the limit */
  generatorCoreShare: number;
  /** wrk's CPU per request answered, µs */
  generatorMicrosPerRequest: number;
  /** the server's CPU per answer under 400, µs */
  serverMicrosPerCall: number;
}

/**
 * `wrk -t1 -c<connections> -d<duration>s --latency -s <script> <url> -- <firstLead>`: a closed
 * loop, `connections` calls in flight, from a generator that is not Node (its CPU per request is
 * a small fraction of a Node server's, where autocannon's is of the same order). One thread:
 * on a small box the server needs the other cores, and one wrk thread drives tens of thousands
 * of requests a second. Asynchronous, so a fleet or a publisher in this process keeps running.
 */
export async function runWrk(o: WrkLoadOptions): Promise<WrkRun> {
  const script = join(tmpdir(), `bench-wrk-${process.pid}-${Date.now()}.lua`);
  writeFileSync(script, wrkScript(o));
  try {
    const cpu0 = await o.serverCpuSeconds();
    const t0 = performance.now();
    const { stdout, stderr, code } = await new Promise<{ stdout: string; stderr: string; code: number | null }>((resolve, reject) => {
      const child = spawn('wrk', ['-t1', `-c${o.connections}`, `-d${o.durationS}s`, '--latency', '-s', script, o.url, '--', String(o.firstLead)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
      child.once('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT' ? new Error(WRK_MISSING) : e));
      child.once('close', (c) => resolve({ stdout: out, stderr: err, code: c }));
    });
    const wallS = (performance.now() - t0) / 1000;
    const cpu1 = await o.serverCpuSeconds();
    if (code !== 0) throw new Error(`wrk exited with code ${code}: ${stderr.trim() || stdout.trim()}`);
    const output = parseWrkOutput(stdout);
    if (output.cpuTicks === undefined) throw new Error(`wrk printed no CPU line (its script's done() did not run): ${stderr.trim()}`);
    const generatorCpuS = output.cpuTicks / clockTicks();
    const ok = output.requests - output.non2xx;
    return {
      output,
      okPerSecond: ok / output.durationS,
      wallS,
      generatorCpuS,
      serverCpuS: cpu1 - cpu0,
      generatorCoreShare: generatorCpuS / wallS,
      generatorMicrosPerRequest: (generatorCpuS * 1e6) / Math.max(1, output.requests),
      serverMicrosPerCall: ((cpu1 - cpu0) * 1e6) / Math.max(1, ok),
    };
  } finally {
    rmSync(script, { force: true });
  }
}

/** The CPU reader for a server: from /proc when its pid is known, else what it reports itself. */
export function serverCpuReader(target: { pid?: number; cpuSeconds(): Promise<number> }): () => Promise<number> | number {
  const pid = target.pid;
  // the process and those under it: a set of processes (--processes N) is its supervisor's tree
  return pid !== undefined ? () => procTreeCpuSeconds(pid) : () => target.cpuSeconds();
}
