import { fork } from 'node:child_process';
import { pinServer } from './pin-server.js';
import type { RelayMessage, RelayRequest } from '../scenarios/relay-messages.js';
import type { Target } from '../scenarios/scenario.js';

/**
 * A baseline server in a process of its own (as Gavel is), speaking relay-messages.ts over IPC:
 * it says `ready` with its port once it listens, and answers `cpu` with its CPU time.
 */
export async function startForkedServer(entry: string, args: string[], name: string): Promise<Target> {
  // BENCH_BASELINE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the baselines as BENCH_GAVEL_NODE_ARGS does Gavel
  const execArgv = (process.env.BENCH_BASELINE_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = fork(entry, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  pinServer(child.pid);
  let exitCode: number | null = null;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolve();
    }),
  );
  const replies: ((m: RelayMessage) => void)[] = [];
  child.on('message', (m: RelayMessage) => replies.shift()?.(m));
  const next = (request?: RelayRequest) =>
    new Promise<RelayMessage>((resolve, reject) => {
      replies.push(resolve);
      if (request !== undefined) child.send(request);
      void exited.then(() => reject(new Error(`${name} exited (code ${exitCode})`)));
    });
  const ready = await next();
  if (ready.type !== 'ready') throw new Error(`${name}: unexpected first message`);
  const { port, native } = ready;
  return {
    url: `http://127.0.0.1:${port}`,
    ...(child.pid !== undefined ? { pid: child.pid } : {}),
    headers: { 'content-type': 'application/json' },
    mark: async () => undefined,
    async cpuSeconds() {
      const m = await next({ type: 'cpu' });
      return m.type === 'cpu' ? m.seconds : Number.NaN;
    },
    async peakRssMb() {
      const m = await next({ type: 'cpu' });
      return m.type === 'cpu' ? m.peakRssMb : Number.NaN;
    },
    notes: async () => [],
    async stop() {
      const problems = native ? [] : [`uWebSockets.js native binary not loaded: ${name} ran on the pure-JS fallback`];
      if (exitCode !== null) problems.push(`${name} died during the run (code ${exitCode})`);
      if (child.connected) child.disconnect();
      await exited;
      return problems;
    },
  };
}
