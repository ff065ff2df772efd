import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/store/redis-store.js';
import { startCluster } from '../support/redis-cluster.js';
import { freePort, spawnGavel, writeConfig } from '../support/process.js';
import { testConfig } from '../support/exchange.js';
import { stopAfterEach } from '../support/stop-after.js';

const cleanups = stopAfterEach();

/** a redis-server of this test's own, started with `args` (its persistence settings), in a dir of its own */
async function redisServer(...args: string[]): Promise<string> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'gavel-persistence-'));
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...args], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  cleanups.push(async () => {
    child.kill('SIGKILL');
    await exited;
    await rm(dir, { recursive: true, force: true });
  });
  const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  for (let i = 0; ; i++) {
    try {
      await probe.connect();
      await probe.ping();
      break;
    } catch (e) {
      if (i > 100) throw new Error(`redis-server ${args.join(' ')} did not answer on ${port}: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  probe.disconnect();
  return `redis://127.0.0.1:${port}`;
}

async function persistenceOf(url: string): Promise<string> {
  const store = new RedisStore({ url, prefix: 'p:' });
  try {
    expect(await store.waitReady(5000)).toBe(true);
    return await store.persistence();
  } finally {
    await store.close();
  }
}

describe("the store's persistence, read from the Redis it is given", () => {
  it('none, rdb, aof and rdb+aof, as the server is configured', async () => {
    const [none, rdb, aof, both] = await Promise.all([
      redisServer('--save', '', '--appendonly', 'no'),
      redisServer('--save', '3600 1', '--appendonly', 'no'),
      redisServer('--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec'),
      redisServer('--save', '3600 1', '--appendonly', 'yes'),
    ]);
    expect(await persistenceOf(none)).toBe('none');
    expect(await persistenceOf(rdb)).toBe('rdb');
    expect(await persistenceOf(aof)).toBe('aof');
    expect(await persistenceOf(both)).toBe('rdb+aof');
  });

  it('unknown when the server forbids CONFIG', async () => {
    const url = await redisServer('--save', '', '--appendonly', 'no', '--user', 'default', 'on', 'nopass', '~*', '&*', '+@all', '-config');
    expect(await persistenceOf(url)).toBe('unknown');
  });

  it("a Cluster's is its weakest master's", async () => {
    const cluster = await startCluster();
    cleanups.push(() => cluster.stop());
    const store = new RedisStore({ cluster: cluster.nodes, prefix: 'p:' });
    cleanups.push(() => store.close());
    expect(await store.waitReady(10_000)).toBe(true);
    expect(await store.persistence()).toBe('none');
    const admin = cluster.nodes.map((n) => new Redis(n.port, n.host));
    cleanups.push(async () => void admin.forEach((c) => c.disconnect()));
    await Promise.all(admin.map((c) => c.config('SET', 'appendonly', 'yes')));
    expect(await store.persistence()).toBe('aof');
    await admin[1]!.config('SET', 'appendonly', 'no');
    expect(await store.persistence()).toBe('none');
  });
});

describe('Gavel on a Redis that keeps nothing on disk', () => {
  it('says so at start, at error level, and on /ready, which stays 200', async () => {
    const url = await redisServer('--save', '', '--appendonly', 'no');
    const g = await spawnGavel(writeConfig(testConfig([])), { REDIS_URL: url });
    cleanups.push(async () => void g.child.kill('SIGKILL'));
    const loud = g.logs.find((l) => l.level === 50 && /REDIS KEEPS NOTHING ON DISK/.test(String(l.msg)));
    expect(loud?.msg).toMatch(/postbacks queued but not yet sent, cap holds/);
    expect(loud?.msg).toMatch(/sales are written into the ledger on the post's path/);
    const res = await fetch(`http://127.0.0.1:${g.port}/ready`);
    expect(await res.json()).toMatchObject({ ready: true, store: { kind: 'redis', ok: true, persistence: 'none' } });
    expect(res.status).toBe(200);
  });

  it('a Redis with an append-only file gets no such line, and /ready says aof', async () => {
    const url = await redisServer('--save', '', '--appendonly', 'yes');
    const g = await spawnGavel(writeConfig(testConfig([])), { REDIS_URL: url });
    cleanups.push(async () => void g.child.kill('SIGKILL'));
    expect(g.logs.filter((l) => (l.level as number) >= 50)).toEqual([]);
    expect(g.logs.some((l) => l.persistence === 'aof')).toBe(true);
    const res = await fetch(`http://127.0.0.1:${g.port}/ready`);
    expect(await res.json()).toMatchObject({ ready: true, store: { persistence: 'aof' } });
  });

  it('the memory store answers memory on /ready', async () => {
    const g = await spawnGavel(writeConfig({ ...testConfig([]), redis: undefined }));
    cleanups.push(async () => void g.child.kill('SIGKILL'));
    const res = await fetch(`http://127.0.0.1:${g.port}/ready`);
    expect(await res.json()).toMatchObject({ ready: true, store: { kind: 'memory', persistence: 'memory' } });
  });
});
