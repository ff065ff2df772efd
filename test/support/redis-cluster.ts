import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCluster {
  /** seed nodes for ioredis `new Cluster(nodes)` */
  nodes: { host: string; port: number }[];
  /** stop every server and remove its files */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const MASTERS = 3;
/** Redis Cluster's bus listens on the client port + 10000. */
const BUS_OFFSET = 10_000;
const PING_TIMEOUT_MS = 10_000;
const CREATE_TIMEOUT_MS = 20_000;
const FORM_TIMEOUT_MS = 20_000;
const TERM_GRACE_MS = 1_000;
/** how much of each server's output is kept for error messages */
const OUTPUT_TAIL = 4_000;

interface Node {
  port: number;
  dir: string;
  child: ChildProcess;
  exited: Promise<void>;
  output: () => string;
}

/**
 * Start a real three-master Redis Cluster (no replicas) on spare ports and wait until it serves every slot.
 * Fails with an Error saying what went wrong: a missing binary, a server that would not start,
 * a cluster that would not form. It never skips.
 */
export async function startCluster(): Promise<TestCluster> {
  // Ports are free when checked but another process may take one before redis-server binds it:
  // that race, and only that, is retried with fresh ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce();
    } catch (e) {
      if (!(e instanceof PortTakenError) || attempt >= 3) throw e;
    }
  }
}

class PortTakenError extends Error {}

async function startOnce(): Promise<TestCluster> {
  const nodes: Node[] = [];
  const cleanup = onceAsync(() => stopNodes(nodes));
  // A test worker that exits without calling stop() must not leave servers behind.
  const killOnExit = (): void => {
    for (const n of nodes) if (isRunning(n.child)) n.child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    await cleanup();
  };

  try {
    const ports = await findPorts(MASTERS);
    for (const port of ports) await spawnNode(port, nodes);
    await Promise.all(nodes.map((n) => waitForPing(n)));

    const create = await run(
      'redis-cli',
      ['--cluster', 'create', ...ports.map((p) => `${HOST}:${p}`), '--cluster-replicas', '0', '--cluster-yes'],
      CREATE_TIMEOUT_MS,
    );
    if (create.error) {
      throw new Error(`redis-cli --cluster create failed: ${create.error.message}\n${create.output}${serverOutput(nodes)}`);
    }

    await waitForClusterOk(nodes);
  } catch (e) {
    await stop();
    throw e;
  }

  return { nodes: nodes.map((n) => ({ host: HOST, port: n.port })), stop };
}

/* ------------------------------------------------------------------------------------------ */

/** `count` distinct ports free on 127.0.0.1 whose cluster-bus ports (+10000) are free as well. */
async function findPorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let attempt = 0; ports.length < count; attempt++) {
    if (attempt > 200) throw new Error(`could not find ${count} free port pairs (P and P+${BUS_OFFSET}) on ${HOST}`);
    const port = await bindAndRelease(0);
    if (port === null || port + BUS_OFFSET > 65_535 || ports.includes(port)) continue;
    if ((await bindAndRelease(port + BUS_OFFSET)) === null) continue;
    ports.push(port);
  }
  return ports;
}

/** Bind `port` (0 = any) on 127.0.0.1, close it again, and return the port, or null if it was taken. */
function bindAndRelease(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(null));
    server.listen({ port, host: HOST, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : null;
      server.close(() => resolve(bound));
    });
  });
}

/** Spawn one redis-server (added to `nodes` at once, so a failure still cleans its dir up). */
async function spawnNode(port: number, nodes: Node[]): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), `gavel-redis-cluster-${port}-`));
  const args = [
    '--port', String(port),
    '--bind', HOST,
    '--cluster-enabled', 'yes',
    '--cluster-config-file', `nodes-${port}.conf`,
    '--cluster-node-timeout', '2000',
    '--save', '',
    '--appendonly', 'no',
    '--dir', dir,
    '--daemonize', 'no',
  ];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (d: Buffer): void => {
    output = (output + d.toString()).slice(-OUTPUT_TAIL);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  let spawnError: NodeJS.ErrnoException | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('error', (e) => {
      spawnError = e;
      resolve();
    });
    child.once('close', () => resolve());
  });
  nodes.push({ port, dir, child, exited, output: () => output });

  await new Promise<void>((resolve) => {
    child.once('spawn', resolve);
    void exited.then(() => resolve());
  });
  if (spawnError) {
    throw spawnError.code === 'ENOENT'
      ? new Error('redis-server is not installed or not on PATH (spawn redis-server ENOENT); install redis-server >= 7')
      : new Error(`could not spawn redis-server on port ${port}: ${spawnError.message}`);
  }
}

/** Poll `redis-cli -p P ping` until it answers PONG; fail at once if the server died. */
async function waitForPing(node: Node): Promise<void> {
  const deadline = Date.now() + PING_TIMEOUT_MS;
  let last = '';
  for (;;) {
    if (!isRunning(node.child)) {
      await node.exited; // let the last output arrive
      const message = `redis-server on port ${node.port} exited (${describeExit(node.child)}) before answering PING; its output:\n${node.output()}`;
      throw /address already in use/i.test(node.output()) ? new PortTakenError(message) : new Error(message);
    }
    const r = await run('redis-cli', ['-h', HOST, '-p', String(node.port), 'ping'], 2_000);
    if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('redis-cli is not installed or not on PATH (spawn redis-cli ENOENT); install redis-tools / redis-server (>= 7)');
    }
    if (!r.error && r.output.trim() === 'PONG') return;
    last = r.output.trim() || r.error?.message || '';
    if (Date.now() > deadline) {
      throw new Error(
        `redis-server on port ${node.port} did not answer PING within ${PING_TIMEOUT_MS} ms (last: ${last}); its output:\n${node.output()}`,
      );
    }
    await sleep(50);
  }
}

/** Poll `cluster info` on every node until each reports cluster_state:ok and all 16384 slots ok. */
async function waitForClusterOk(nodes: Node[]): Promise<void> {
  const deadline = Date.now() + FORM_TIMEOUT_MS;
  const last = new Map<number, string>();
  for (;;) {
    const dead = nodes.find((n) => !isRunning(n.child));
    if (dead) {
      throw new Error(`redis-server on port ${dead.port} exited (${describeExit(dead.child)}) while the cluster formed${serverOutput(nodes)}`);
    }
    const infos = await Promise.all(
      nodes.map(async (n) => {
        const r = await run('redis-cli', ['-h', HOST, '-p', String(n.port), 'cluster', 'info'], 2_000);
        const info = r.output.replace(/\r/g, '');
        last.set(n.port, info.trim() || r.error?.message || '');
        return /^cluster_state:ok$/m.test(info) && /^cluster_slots_ok:16384$/m.test(info);
      }),
    );
    if (infos.every(Boolean)) return;
    if (Date.now() > deadline) {
      const states = [...last].map(([port, info]) => `--- cluster info on ${port} ---\n${info}`).join('\n');
      throw new Error(
        `Redis Cluster on ports ${nodes.map((n) => n.port).join(', ')} did not reach cluster_state:ok with ` +
          `cluster_slots_ok:16384 within ${FORM_TIMEOUT_MS} ms\n${states}${serverOutput(nodes)}`,
      );
    }
    await sleep(100);
  }
}

/** SIGTERM, then SIGKILL after a short grace, wait for every exit, then remove the data dirs. */
async function stopNodes(nodes: Node[]): Promise<void> {
  await Promise.all(
    nodes.map(async (n) => {
      if (isRunning(n.child)) {
        n.child.kill('SIGTERM');
        const timer = setTimeout(() => {
          if (isRunning(n.child)) n.child.kill('SIGKILL');
        }, TERM_GRACE_MS);
        await n.exited;
        clearTimeout(timer);
      }
      await rm(n.dir, { recursive: true, force: true });
    }),
  );
}

/* ------------------------------------------------------------------------------------------ */

interface RunResult {
  /** stdout and stderr together */
  output: string;
  error: Error | null;
}

function run(file: string, args: string[], timeout: number): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      resolve({ output: `${stdout}${stderr}`, error });
    });
  });
}

function isRunning(child: ChildProcess): boolean {
  return child.pid !== undefined && child.exitCode === null && child.signalCode === null;
}

function describeExit(child: ChildProcess): string {
  return child.signalCode ? `signal ${child.signalCode}` : `code ${child.exitCode}`;
}

function serverOutput(nodes: Node[]): string {
  return nodes.map((n) => `\n--- redis-server ${n.port} output ---\n${n.output()}`).join('');
}

function onceAsync(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined;
  return () => (p ??= fn());
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
