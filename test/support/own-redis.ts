import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { freePort } from './process.js';

/**
 * A redis-server of a test's own (nothing on disk), which the test may SIGKILL and start again,
 * empty, on the same port: the shared Redis of the other tests is never touched.
 */
export interface OwnRedis {
  port: number;
  url: string;
  /** SIGKILL: every key, script and stream is gone with it */
  kill(): Promise<void>;
  /** start again on the same port, empty, and wait until it answers */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 10_000;

function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ port, host: '127.0.0.1' });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.once('error', () => done(false));
    s.once('connect', () => s.write('PING\r\n'));
    s.once('data', (d: Buffer) => done(d.toString().startsWith('+PONG')));
  });
}

export async function startOwnRedis(): Promise<OwnRedis> {
  // below the ephemeral range: the port is bound again after a kill (see freePort)
  const port = await freePort();
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);

  const start = async (): Promise<void> => {
    let output = '';
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-2000)));
    const c = child;
    exited = new Promise((resolve) => c.once('exit', () => resolve()));
    const until = Date.now() + START_TIMEOUT_MS;
    while (!(await pong(port))) {
      if (c.exitCode !== null || Date.now() > until) throw new Error(`redis-server on ${port} did not start: ${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const kill = async (): Promise<void> => {
    child?.kill('SIGKILL');
    await exited;
    child = null;
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    restart: start,
    stop: async () => {
      process.removeListener('exit', killOnExit);
      await kill();
    },
  };
}
