import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ConfigInput } from '../../src/config/schema.js';
import { ROOT } from '../../src/core/paths.js';
import { pinServer } from './pin-server.js';

export interface GavelProcess {
  /** the process's id: its CPU is read from /proc/<pid>/stat by the wrk driver */
  pid: number | undefined;
  port: number;
  baseUrl: string;
  /** the operator listener's base URL: /metrics */
  operatorUrl: string;
  /** warn, error and fatal log lines Gavel wrote (pino JSON), and anything on its stderr */
  problems: string[];
  /** SIGTERM, then wait for the drain; resolves with the exit code */
  stop(): Promise<number | null>;
}

export interface GavelProcessOptions {
  config: ConfigInput;
  redisUrl?: string;
  secret?: string;
  startTimeoutMs?: number;
  /** a set of this many processes (`--processes N`, one supervisor and N workers on one port); default one */
  processes?: number;
}

/** BENCH_GAVEL_MAIN: another build's dist/src/main.js, to measure two builds under one harness (before and after a change) */
const MAIN = process.env.BENCH_GAVEL_MAIN ?? join(ROOT, 'dist', 'src', 'main.js');
const PINO_WARN = 40;

/**
 * `node dist/src/main.js --config <tmp file> --port 0` in a process of its own. The port comes
 * from its "gavel listening" log line, so no port is guessed and none can be taken in between.
 */
export function startGavelProcess(opts: GavelProcessOptions): Promise<GavelProcess> {
  const file = join(tmpdir(), `gavel-bench-${process.pid}-${Date.now()}.json`);
  // the operator listener on a free port too, so runs side by side never collide on it
  const server = { ...opts.config.server, operator: opts.config.server?.operator ?? { host: '127.0.0.1', port: 0 } };
  writeFileSync(file, JSON.stringify({ ...opts.config, server }, null, 2));
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info' };
  delete env.REDIS_URL;
  delete env.GAVEL_SECRET;
  if (opts.redisUrl !== undefined) env.REDIS_URL = opts.redisUrl;
  if (opts.secret !== undefined) env.GAVEL_SECRET = opts.secret;
  // BENCH_GAVEL_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server under the bench's load
  const nodeArgs = (process.env.BENCH_GAVEL_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const processes = opts.processes ?? 1;
  const set = processes > 1 ? ['--processes', String(processes)] : [];
  const child = spawn(process.execPath, [...nodeArgs, MAIN, '--config', file, '--port', '0', '--host', '127.0.0.1', ...set], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  // a set is ready once every process listens: its supervisor says so with the set's ports
  const listening = processes > 1 ? 'gavel set listening' : 'gavel listening';
  pinServer(child.pid);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then(() => rmSync(file, { force: true }));
  const problems: string[] = [];
  const stderr: string[] = [];
  child.stderr.setEncoding('utf8').on('data', (t: string) => {
    stderr.push(t);
    problems.push(`stderr: ${t.trim()}`);
  });

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gavel did not start within ${opts.startTimeoutMs ?? 10_000} ms\n${stderr.join('')}`));
    }, opts.startTimeoutMs ?? 10_000);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gavel exited (code ${code}) before listening\n${problems.join('\n')}`));
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      let entry: { level?: number; msg?: string; port?: number; operator_port?: number };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        problems.push(line);
        return;
      }
      if ((entry.level ?? 0) >= PINO_WARN) problems.push(line);
      if (entry.msg === listening && typeof entry.port === 'number') {
        clearTimeout(timer);
        const port = entry.port;
        resolve({
          pid: child.pid,
          port,
          baseUrl: `http://127.0.0.1:${port}`,
          operatorUrl: `http://127.0.0.1:${entry.operator_port}`,
          problems,
          stop: () => {
            if (child.exitCode === null) child.kill('SIGTERM');
            const hard = setTimeout(() => child.kill('SIGKILL'), 15_000);
            return exited.finally(() => clearTimeout(hard));
          },
        });
      }
    });
  });
}
