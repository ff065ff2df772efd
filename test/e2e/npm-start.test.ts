import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, rm, symlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../src/core/paths.js';
import { freePort } from '../support/process.js';

/**
 * `npm start` as the README says to run it, in a copy of the project: its build step rewrites
 * dist/, which other test files' processes are running from.
 */
let project: string;
beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'gavel-npm-start-'));
  for (const part of ['package.json', 'package-lock.json', 'tsconfig.json', 'src', 'workers', 'bench', 'test', 'lua', 'console']) {
    await cp(join(ROOT, part), join(project, part), { recursive: true });
  }
  await symlink(join(ROOT, 'node_modules'), join(project, 'node_modules'));
});
afterAll(async () => {
  if (project) await rm(project, { recursive: true, force: true });
});

interface Started {
  npm: ChildProcess;
  logs: Record<string, unknown>[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `npm start -- --port P`, in a process group of its own (as a terminal or a supervisor runs it), resolved once Gavel listens */
function npmStart(port: number): Promise<Started> {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info' };
  // the embedded store, whatever the environment running the tests says
  for (const name of ['REDIS_URL', 'REDIS_CLUSTER', 'DATABASE_URL', 'GAVEL_CONFIG', 'PORT', 'HOST']) delete env[name];
  const npm = spawn('npm', ['start', '--', '--port', String(port), '--host', '127.0.0.1'], { cwd: project, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Record<string, unknown>[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => npm.once('exit', (code, signal) => resolve({ code, signal })));
  let stderr = '';
  npm.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    // npm start builds first: tsc on a shared two-core machine
    const timer = setTimeout(() => reject(new Error(`npm start did not listen in 90 s; stderr: ${stderr}`)), 90_000);
    let buf = '';
    npm.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) !== -1) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.msg === 'gavel listening') {
          clearTimeout(timer);
          resolve({ npm, logs, exited });
        }
      }
    });
    void exited.then((e) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (${JSON.stringify(e)}) before listening; stderr: ${stderr}`));
    });
  });
}

/** is any process of this group still alive (npm, its shell, node)? */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

async function stopsCleanly(started: Started, port: number, signal: NodeJS.Signals, whole: boolean): Promise<void> {
  const pid = started.npm.pid!;
  try {
    process.kill(whole ? -pid : pid, signal);
    const timeout = new Promise<'hung'>((r) => setTimeout(r, 20_000, 'hung'));
    expect(await Promise.race([started.exited, timeout])).toEqual({ code: 0, signal: null });
    expect(groupAlive(pid), 'a process of npm start outlived it').toBe(false);
    expect(await refused(port), 'the port still accepts connections').toBe(true);
    const messages = started.logs.map((l) => l.msg);
    expect(messages).toContain('draining');
    expect(messages).toContain('gavel stopped');
    expect(messages.indexOf('draining')).toBeLessThan(messages.indexOf('gavel stopped'));
  } finally {
    if (groupAlive(pid)) process.kill(-pid, 'SIGKILL');
  }
}

describe('npm start, the documented way to run Gavel', () => {
  it('SIGTERM to npm drains, stops and exits 0, leaving no process and the port free', { timeout: 150_000 }, async () => {
    const port = await freePort();
    await stopsCleanly(await npmStart(port), port, 'SIGTERM', false);
  });

  it("Ctrl-C (SIGINT to the whole group: npm forwards it to node, which has it already) stops it as cleanly", { timeout: 150_000 }, async () => {
    const port = await freePort();
    const started = await npmStart(port);
    await stopsCleanly(started, port, 'SIGINT', true);
    expect(started.logs.filter((l) => l.msg === 'draining')).toHaveLength(1);
  });
});
