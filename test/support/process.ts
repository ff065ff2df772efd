import { createServer } from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ROOT } from '../../src/core/paths.js';

export interface GavelProcess {
  port: number;
  /** the operator listener's: /metrics and the operator's API */
  operatorPort: number;
  child: ChildProcess;
  /** every log line so far, parsed */
  logs: Record<string, unknown>[];
  exited: Promise<number | null>;
}

/** Write a config to a temp file for a child process; its operator listener on a free port unless the config names one. */
export function writeConfig(config: unknown): string {
  const path = join(tmpdir(), `gavel-test-${randomBytes(6).toString('hex')}.json`);
  const given = config as { server?: Record<string, unknown> };
  const server = { ...given.server, operator: given.server?.operator ?? { host: '127.0.0.1', port: 0 } };
  writeFileSync(path, JSON.stringify({ ...given, server }));
  return path;
}

/**
 * A free port below the kernel's ephemeral range. A test that restarts Gavel on its port needs
 * one: Linux refuses to bind an ephemeral port again while the old process's closed connections
 * sit in TIME_WAIT, SO_REUSEADDR or not (a fixed production port is not affected).
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

/**
 * A real, separate Gavel process (the built `dist/src/main.js`, as `npm start` runs it, kept
 * current with the source by the global setup), resolved once it logs that it listens; `port` 0
 * is any free one (a restart passes the old one).
 */
export function spawnGavel(configPath: string, env: Record<string, string> = {}, port = 0): Promise<GavelProcess> {
  const child = spawn(process.execPath, [join(ROOT, 'dist/src/main.js'), '--config', configPath, '--port', String(port), '--host', '127.0.0.1'], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`gavel did not start in 10 s; stderr: ${stderr}`)), 10_000);
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) !== -1) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(line);
        } catch {
          entry = { text: line };
        }
        logs.push(entry);
        if (entry.msg === 'gavel listening') {
          clearTimeout(timer);
          resolve({ port: entry.port as number, operatorPort: entry.operator_port as number, child, logs, exited });
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gavel exited with ${code} before listening; stderr: ${stderr}`));
    });
  });
}
