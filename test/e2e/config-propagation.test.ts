import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../src/core/paths.js';
import { PostgresVersions } from '../../src/versions/postgres-versions.js';
import { admin } from '../support/admin-api.js';
import { startBuyer } from '../support/buyer-server.js';
import { call, cleanPrefix, dropSchema, fullLead, PG_URL, pingLead, testConfig, testPrefix, testSchema } from '../support/exchange.js';
import { spawnGavel, writeConfig, type GavelProcess } from '../support/process.js';
import { startCluster } from '../support/redis-cluster.js';
import { stopAfterEach } from '../support/stop-after.js';

const stops = stopAfterEach();
const run = promisify(execFile);
const PROCESSES = 4;

async function versionOf(p: GavelProcess): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${p.port}/ready`);
  return ((await res.json()) as { config_version: number }).config_version;
}

/** ms from `t0` until every process answers `version` on /ready, each read every 5 ms */
async function allOn(procs: GavelProcess[], version: number, t0: number, limitMs = 5000): Promise<number[]> {
  return Promise.all(
    procs.map(async (p) => {
      for (;;) {
        if ((await versionOf(p)) === version) return performance.now() - t0;
        if (performance.now() - t0 > limitMs) throw new Error(`process on ${p.port} not on version ${version} after ${limitMs} ms`);
        await new Promise((r) => setTimeout(r, 5));
      }
    }),
  );
}

/** 4 processes from one config file on one database schema: the first seeds it, all run its live version */
async function fleet(store: Record<string, string>, prefix: string): Promise<{ procs: GavelProcess[]; schema: string; path: string; env: Record<string, string> }> {
  const buyer = await startBuyer(() => ({ body: { bid: 10 } }));
  stops.push(() => buyer.close());
  const schema = testSchema();
  const path = writeConfig({ ...testConfig([{ id: 'acme', url: buyer.url }], {}, prefix), redis: undefined, ledger: { schema } });
  const env = { DATABASE_URL: PG_URL, ...store };
  const first = await spawnGavel(path, env);
  const rest = await Promise.all(Array.from({ length: PROCESSES - 1 }, () => spawnGavel(path, env)));
  const procs = [first, ...rest];
  stops.push(async () => {
    for (const p of procs) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await dropSchema(schema);
    await cleanPrefix(prefix);
  });
  return { procs, schema, path, env };
}

async function publishesReachAll(procs: GavelProcess[]): Promise<number[]> {
  expect(await Promise.all(procs.map(versionOf))).toEqual(Array(PROCESSES).fill(1));
  const lags: number[] = [];
  // ten publishes through one process's admin API: each live in all four
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    const r = await admin(procs[i % PROCESSES]!, 'POST', i % 2 === 0 ? '/v1/admin/buyers/acme/pause' : '/v1/admin/buyers/acme/resume');
    expect(r.status).toBe(200);
    lags.push(...(await allOn(procs, r.body.version, t0)));
  }
  return lags.sort((a, b) => a - b);
}

describe('a published version is live in every process within a second', () => {
  it('on one Redis: 4 processes, 10 publishes, every one seen everywhere within 1 s; a lost notice is carried by the poll', async () => {
    const prefix = testPrefix();
    const { procs, schema } = await fleet({ REDIS_URL: 'redis://127.0.0.1:6379' }, prefix);
    const lags = await publishesReachAll(procs);
    expect(lags.at(-1)!).toBeLessThan(1000);
    // the last publish paused the buyer's resume: acme takes pings again on every process
    for (const p of procs) expect((await call(p.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) })).body.status).toBe('bid');

    // published straight into PostgreSQL, with no notice at all: each process's poll finds it
    const direct = new PostgresVersions({ url: PG_URL, schema });
    stops.push(() => direct.close());
    const t0 = performance.now();
    const v = await direct.rollback(1, 'test', 'no notice sent');
    const polled = await allOn(procs, v.version, t0);
    expect(Math.max(...polled)).toBeLessThan(2000);

    const listed = await admin(procs[0]!, 'GET', '/v1/admin/processes');
    expect(listed.body).toMatchObject({ live: v.version, agree: true });
    expect(listed.body.processes).toHaveLength(PROCESSES);
    const metrics = await (await fetch(`http://127.0.0.1:${procs[3]!.operatorPort}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`^gavel_config_version ${v.version}$`, 'm'));
  });

  it('on a Redis Cluster: 4 processes, 10 publishes, every one seen everywhere within 1 s', async () => {
    const cluster = await startCluster();
    stops.push(() => cluster.stop());
    const { procs } = await fleet({ REDIS_CLUSTER: cluster.nodes.map((n) => `${n.host}:${n.port}`).join(',') }, testPrefix());
    const lags = await publishesReachAll(procs);
    expect(lags.at(-1)!).toBeLessThan(1000);
  });

  it('gavel config export and import round-trip a version as YAML; the running processes take the import', async () => {
    const prefix = testPrefix();
    const { procs, path, env } = await fleet({ REDIS_URL: 'redis://127.0.0.1:6379' }, prefix);
    const cli = (...args: string[]) => run(process.execPath, [join(ROOT, 'dist/src/main.js'), 'config', ...args, '--config', path], { env: { ...process.env, ...env } });
    const exported = await cli('export');
    expect(exported.stdout).toMatch(/^campaigns:/m);
    const edited = join(tmpdir(), `gavel-import-${prefix.replace(/:/g, '')}.yaml`);
    writeFileSync(edited, exported.stdout.replace(/^(\s*)floor: 1$/m, '$1floor: 12'));
    const imported = await cli('import', edited, '--comment', 'floor up');
    expect(imported.stdout.trim()).toBe('version 2 published');
    await allOn(procs, 2, performance.now(), 3000);
    // the buyer's bid of 10 is under the new floor of 12
    expect((await call(procs[2]!.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) })).body).toMatchObject({ status: 'no_bid', reason: 'NO_BID' });
    expect((await cli('export', '--version', '1')).stdout).toBe(exported.stdout);

    // a broken file is refused with every problem on its own line, and nothing is published
    writeFileSync(edited, exported.stdout.replace(/^(\s*)floor: 1$/m, '$1floor: -3'));
    const refused = await cli('import', edited).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(refused?.code).toBe(1);
    expect(refused?.stderr).toMatch(/DRAFT_INVALID/);
    expect(refused?.stderr).toMatch(/campaigns\[0\]\.floor: /);
    expect(await versionOf(procs[0]!)).toBe(2);
  });
});
