/**
 * `--processes N`: a supervisor runs N Gavel processes on one port (SO_REUSEPORT), replaces one
 * that dies, drains them all on SIGTERM (and kills one whose stop is stuck), and answers /metrics for the whole set; and one process
 * alone keeps its port to itself, so a second Gavel started by mistake on it is refused.
 */
import http from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../src/core/paths.js';
import { startBuyer } from '../support/buyer-server.js';
import { ADMIN_KEY, cleanPrefix, dropSchema, fullLead, pingLead, PG_URL, REDIS_URL, SELLER_KEY, testConfig, testPrefix, testSchema } from '../support/exchange.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { SECOND_SIGNAL_MS, STOP_MARGIN_MS } from '../../src/supervisor.js';
import { spawnGavel, writeConfig } from '../support/process.js';
import { startTraffic } from '../support/seller-traffic.js';
import { stopAfterAll } from '../support/stop-after.js';
import { ledgerSales } from '../support/ledger-sales.js';
import { parsePromText, sumOf } from '../../bench/support/prom-text.js';

const cleanups = stopAfterAll({ ignoreFailures: true });

interface Main {
  child: ChildProcess;
  logs: Record<string, unknown>[];
  stderr: () => string;
  exited: Promise<number | null>;
  /** the first log line `match` accepts, waiting for it up to `ms` */
  line(match: (l: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
}

/** `node dist/src/main.js` with these arguments, as `npm start -- ...` runs it: its JSON log lines collected. */
function startMain(args: string[], env: Record<string, string> = {}): Main {
  const child = spawn(process.execPath, [join(ROOT, 'dist/src/main.js'), ...args], { env: { ...process.env, LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  let buf = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) !== -1) {
      const text = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        logs.push(JSON.parse(text));
      } catch {
        logs.push({ text });
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    logs,
    stderr: () => stderr,
    exited,
    async line(match, ms = 15_000) {
      const until = Date.now() + ms;
      for (;;) {
        const found = logs.find(match);
        if (found !== undefined) return found;
        if (Date.now() > until) throw new Error(`no such log line in ${ms} ms; stderr: ${stderr}`);
        await sleep(25);
      }
    },
  };
}

/** One call on a connection of its own (no keep-alive): the kernel picks the process for each, so calls spread over the set. */
function fresh(port: number, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request({ host: '127.0.0.1', port, method, path, agent: false, headers: { ...(payload !== undefined ? { 'content-type': 'application/json' } : {}), ...headers } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Σ of a counter's samples, every label set. */
const total = (metrics: string, name: string): number => sumOf(parsePromText(metrics), name);


function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const listening = (l: Record<string, unknown>) => l.msg === 'gavel listening';

describe('--processes 2 on Redis and PostgreSQL', () => {
  it('one port, one /metrics and one login for the set; a process SIGKILLed under load is replaced, no sale lost or told twice; SIGTERM drains all and exits 0', async () => {
    const buyer = await startBuyer(() => ({ body: { bid: 10 } }));
    cleanups.push(() => buyer.close());
    const prefix = testPrefix();
    const schema = testSchema();
    cleanups.push(() => cleanPrefix(prefix), () => dropSchema(schema));
    const config = {
      ...testConfig([{ id: 'a', url: buyer.url, timeout_ms: 500 }], { tmax_ms: 600, max_tmax_ms: 1000, post_tmax_ms: 5000 }, prefix),
      ledger: { postgres_url: PG_URL, schema, poll_ms: 20, reclaim_after: '1000ms' },
    };
    // port 0 for both listeners: the supervisor picks one free port for the whole set
    const set = startMain(['--config', writeConfig(config), '--port', '0', '--host', '127.0.0.1', '--processes', '2']);
    cleanups.push(() => {
      for (const l of set.logs) if (listening(l) && alive(l.pid as number)) process.kill(l.pid as number, 'SIGKILL');
      set.child.kill('SIGKILL');
    });
    const ready = await set.line((l) => l.msg === 'gavel set listening', 20_000);
    const port = ready.port as number;
    const operatorPort = ready.operator_port as number;
    const first = set.logs.filter(listening);
    expect(first.map((l) => [l.port, l.operator_port])).toEqual([
      [port, operatorPort],
      [port, operatorPort],
    ]);
    const [pidA, pidB] = first.map((l) => l.pid as number) as [number, number];
    expect(pidA).not.toBe(pidB);

    // each ping on a connection of its own lands on either process; any scrape answers for both
    const PINGS = 20;
    for (let i = 0; i < PINGS; i++) {
      const r = await fresh(port, 'POST', '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) }, { authorization: `Bearer ${SELLER_KEY}` });
      expect(r.status).toBe(200);
    }
    for (let i = 0; i < 4; i++) expect(total((await fresh(operatorPort, 'GET', '/metrics')).text, 'gavel_pings_total')).toBe(PINGS);

    // a browser's login holds whichever process its next request reaches (sessions in Redis)
    const login = async (p: number, key: string, cookieName: string) => {
      const r = await new Promise<http.IncomingMessage>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: p, method: 'POST', path: '/v1/session', agent: false, headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' } }, resolve);
        req.on('error', reject);
        req.end(JSON.stringify({ key }));
      });
      r.resume();
      expect(r.statusCode).toBe(201);
      return new RegExp(`^(${cookieName}=[^;]+);`).exec(String(r.headers['set-cookie']))![1]!;
    };
    const consoleCookie = await login(operatorPort, ADMIN_KEY, 'gavel_console');
    for (let i = 0; i < 10; i++) expect(JSON.parse((await fresh(operatorPort, 'GET', '/v1/session', undefined, { cookie: consoleCookie })).text)).toMatchObject({ party: 'operator' });
    for (let i = 0; i < 6; i++) expect((await fresh(operatorPort, 'GET', '/v1/sales', undefined, { cookie: consoleCookie })).status).toBe(200);
    // a seller's portal test lead: a POST with its body, its key behind the cookie
    const portal = await login(port, SELLER_KEY, 'gavel_session');
    for (let i = 0; i < 6; i++) {
      const r = await fresh(port, 'POST', '/v1/leads', { campaign: 'auto', lead: fullLead(), test: true }, { cookie: portal, 'sec-fetch-site': 'same-origin' });
      expect(r.status, r.text).toBe(200);
    }
    // logged out on one process: out on all
    expect((await fresh(operatorPort, 'DELETE', '/v1/session', undefined, { cookie: consoleCookie, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    for (let i = 0; i < 6; i++) expect((await fresh(operatorPort, 'GET', '/v1/session', undefined, { cookie: consoleCookie })).status).toBe(401);

    // direct posts from 6 sellers at once; each process SIGKILLed in turn, so at the end only replacements serve
    const traffic = startTraffic(port, { loops: 6, paths: ['/v1/leads'] });
    const told = () => traffic.sent.filter((s) => s.body?.status === 'sold');
    const toldAtLeast = async (n: number) => {
      for (let i = 0; i < 300 && told().length < n; i++) await sleep(25);
      expect(told().length).toBeGreaterThanOrEqual(n);
    };
    await toldAtLeast(30);
    const replacements: number[] = [];
    for (const [i, victim] of [pidA, pidB].entries()) {
      process.kill(victim, 'SIGKILL');
      const died = await set.line((l) => l.msg === 'process died: starting another' && l.pid === victim);
      expect(died.signal).toBe('SIGKILL');
      // a scrape while the replacement starts is answered at once, not held until it listens
      await set.line((l) => l.msg === 'process started' && l.worker === died.worker && l.pid !== victim);
      const t0 = performance.now();
      const scrape = await fresh(operatorPort, 'GET', '/metrics');
      expect(scrape.status, scrape.text.slice(0, 200)).toBe(200);
      expect(performance.now() - t0).toBeLessThan(2500);
      const replaced = await set.line((l) => l.msg === 'process replaced' && l.worker === died.worker);
      replacements.push(replaced.pid as number);
      await toldAtLeast(30 * (i + 2));
    }
    expect(replacements.filter((p) => p !== pidA && p !== pidB)).toHaveLength(2);
    await traffic.stop();
    // only the two replacements are left, and they serve
    for (let i = 0; i < 6; i++) expect((await fresh(port, 'POST', '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) }, { authorization: `Bearer ${SELLER_KEY}` })).status).toBe(200);

    // every sale a seller was told of is in the ledger exactly once (what a dead process took
    // off the durable queue unacknowledged is taken over by a live one after reclaim_after)
    const toldIds = told().map((s) => s.body.lead_id as string);
    expect(new Set(toldIds).size, 'no lead told sold twice').toBe(toldIds.length);
    let recorded = new Map<string, number>();
    for (let i = 0; i < 100; i++) {
      recorded = await ledgerSales(schema);
      if (toldIds.every((id) => recorded.has(id))) break;
      await sleep(100);
    }
    expect(toldIds.filter((id) => recorded.get(id) !== 1).map((id) => [id, recorded.get(id) ?? 0])).toEqual([]);
    expect([...recorded.values()].every((n) => n === 1)).toBe(true);
    // a sale in the ledger no seller was told of is one whose answer died with its process
    const lost = traffic.sent.filter((s) => s.status === 0);
    const untold = [...recorded.keys()].filter((id) => !toldIds.includes(id));
    expect(untold.length).toBeLessThanOrEqual(lost.length);
    const buyerPosts = buyer.posts.map((p) => p.body.ping_id as string);
    expect(new Set(buyerPosts).size, 'no lead posted to the buyer twice').toBe(buyerPosts.length);

    set.child.kill('SIGTERM');
    expect(await set.exited).toBe(0);
    expect(replacements.filter(alive)).toEqual([]);
    expect(set.logs.filter((l) => l.msg === 'gavel stopped')).toHaveLength(2);
  }, 90_000);

  it('refuses more than one process on the embedded store, before any starts', async () => {
    const { redis: _, ...embedded } = testConfig([{ id: 'a', url: 'http://127.0.0.1:9' }]) as Record<string, unknown>;
    const set = startMain(['--config', writeConfig(embedded), '--port', '0', '--processes', '2'], { REDIS_URL: '', REDIS_CLUSTER: '' });
    cleanups.push(() => set.child.kill('SIGKILL'));
    expect(await set.exited).toBe(1);
    expect(set.stderr()).toMatch(/more than one process needs the shared store/);
    expect(set.logs.filter(listening)).toEqual([]);
  });
});

describe('--processes 2, a stop that gets stuck', () => {
  const DRAIN_MS = 300;
  const LIMIT_MS = DRAIN_MS + STOP_MARGIN_MS;

  /** A set on Redis behind a proxy that is then black-holed: each process's last writes and its store's QUIT wait for an answer that never comes. */
  async function stuckSet() {
    const buyer = await startBuyer(() => ({ body: { bid: 10 } }));
    cleanups.push(() => buyer.close());
    const proxy = await startFaultProxy(Number(new URL(REDIS_URL).port || 6379), new URL(REDIS_URL).hostname);
    cleanups.push(() => proxy.close());
    const prefix = testPrefix();
    cleanups.push(() => cleanPrefix(prefix));
    const base = testConfig([{ id: 'a', url: buyer.url }], {}, prefix);
    const config = { ...base, redis: { url: proxy.url('redis'), prefix }, server: { ...base.server, drain_timeout_ms: DRAIN_MS } };
    const set = startMain(['--config', writeConfig(config), '--port', '0', '--host', '127.0.0.1', '--processes', '2']);
    cleanups.push(() => {
      for (const l of set.logs) if (listening(l) && alive(l.pid as number)) process.kill(l.pid as number, 'SIGKILL');
      set.child.kill('SIGKILL');
    });
    const ready = await set.line((l) => l.msg === 'gavel set listening', 20_000);
    // a lead each way, so the processes have traces and counts to write on the way down
    for (let i = 0; i < 4; i++) expect((await fresh(ready.port as number, 'POST', '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) }, { authorization: `Bearer ${SELLER_KEY}` })).status).toBe(200);
    proxy.set({ kind: 'black-hole' });
    return { set, pids: set.logs.filter(listening).map((l) => l.pid as number) };
  }

  it('a process still stopping past drain_timeout_ms + the margin is SIGKILLed, logged with its pid, and the set exits 1', async () => {
    const { set, pids } = await stuckSet();
    const t0 = performance.now();
    set.child.kill('SIGTERM');
    expect(await set.exited).toBe(1);
    const took = performance.now() - t0;
    // not before the limit: the drains were given their time; soon after it: the set does not hang
    expect(took).toBeGreaterThanOrEqual(LIMIT_MS - 50);
    expect(took).toBeLessThan(LIMIT_MS + 2_000);
    const killed = set.logs.filter((l) => l.msg === 'process did not stop: killed');
    expect(killed.map((l) => l.pid).sort()).toEqual([...pids].sort());
    for (const l of killed) expect(l.why).toMatch(new RegExp(`still draining ${LIMIT_MS} ms`));
    expect(set.logs.filter((l) => l.msg === 'process exited').map((l) => l.signal)).toEqual(['SIGKILL', 'SIGKILL']);
    expect(pids.filter(alive)).toEqual([]);
    expect(set.logs.filter((l) => l.msg === 'gavel stopped')).toEqual([]);
  }, 40_000);

  it('a second SIGTERM a while into a stuck drain kills at once; one right after the first does not', async () => {
    const { set, pids } = await stuckSet();
    set.child.kill('SIGTERM');
    // the same signal again right after the first (a Ctrl-C under npm): only logged. Sent once the
    // first is taken: two sent back to back can reach the process as one (a signal already
    // pending is not queued twice), and then there is no second one to log
    await set.line((l) => l.msg === 'draining every process');
    set.child.kill('SIGTERM');
    await set.line((l) => l.msg === 'already draining');
    await sleep(SECOND_SIGNAL_MS + 100);
    expect(pids.filter(alive)).toHaveLength(2);
    const t0 = performance.now();
    set.child.kill('SIGTERM');
    expect(await set.exited).toBe(1);
    expect(performance.now() - t0).toBeLessThan(1_000);
    const killed = set.logs.filter((l) => l.msg === 'process did not stop: killed');
    expect(killed).toHaveLength(2);
    for (const l of killed) expect(l.why).toMatch(/^SIGTERM again \d+ ms into the drain$/);
    expect(pids.filter(alive)).toEqual([]);
  }, 40_000);
});

describe('one process', () => {
  it('keeps its port to itself: a second Gavel on the same port is refused at start, and the first serves on', async () => {
    const path = writeConfig(testConfig([{ id: 'a', url: 'http://127.0.0.1:9' }]));
    const a = await spawnGavel(path);
    cleanups.push(() => a.child.kill('SIGKILL'));
    const second = spawnGavel(path, {}, a.port);
    await expect(second).rejects.toThrow(/exited with 1 before listening; stderr: cannot listen on 127\.0\.0\.1:\d+: the port is taken/);
    for (let i = 0; i < 3; i++) expect((await fresh(a.port, 'GET', '/health')).status).toBe(200);
  });
});
