import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, rm, symlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../src/core/paths.js';
import { scrapeMetrics, sumOf } from '../../bench/support/prom-text.js';
import { freePort } from '../support/process.js';
import { launchChromium } from '../support/chromium.js';

/**
 * `npm start` as the README says to run it, in a copy of the project: its build step rewrites
 * dist/, which other test files' processes are running from. Also the first run it gives: the
 * demo config with its simulated buyers and traffic. Both kinds of test start Gavel with no
 * config, so on the demo config's fixed ports (the operator listener's 9090, the demo buyers'
 * 9101-9106): they share this file so that they run one after the other, never at once.
 */
let project: string;
beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'gavel-npm-start-'));
  for (const part of ['package.json', 'package-lock.json', 'tsconfig.json', 'src', 'workers', 'bench', 'demo', 'test', 'lua', 'console']) {
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

const run = promisify(execFile);
const DEMO_SELLER_KEY = 'demo-seller-key-0123456789';

interface Gavel {
  child: ChildProcess;
  logs: Record<string, unknown>[];
  port: number;
  operatorPort: number;
  exited: Promise<number | null>;
}

/** `node dist/src/main.js` as `npm start` runs it (no config: the demo's), resolved once it listens. */
function startNoConfig(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Gavel> {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info', ...extraEnv };
  for (const name of ['REDIS_URL', 'REDIS_CLUSTER', 'DATABASE_URL', 'GAVEL_CONFIG', 'GAVEL_DEMO', 'PORT', 'HOST']) if (!(name in extraEnv)) delete env[name];
  const child = spawn(process.execPath, [join(ROOT, 'dist/src/main.js'), '--port', '0', '--host', '127.0.0.1', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Record<string, unknown>[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gavel did not listen in 10 s; stderr: ${stderr}`)), 10_000);
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) !== -1) {
        const entry = JSON.parse(buf.slice(0, nl)) as Record<string, unknown>;
        buf = buf.slice(nl + 1);
        logs.push(entry);
        if (entry.msg === 'gavel listening') {
          clearTimeout(timer);
          resolve({ child, logs, port: entry.port as number, operatorPort: entry.operator_port as number, exited });
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gavel exited (${code}) before listening; stderr: ${stderr}`));
    });
  });
}

async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stop(g: Gavel): Promise<number | null> {
  g.child.kill('SIGTERM');
  return g.exited;
}

const ping = (port: number) =>
  fetch(`http://127.0.0.1:${port}/v1/ping`, {
    method: 'POST',
    headers: { authorization: `Bearer ${DEMO_SELLER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ campaign: 'auto', lead: { zip: '90210', state: 'CA', age: 40, vehicle_year: 2019 } }),
  }).then(async (r) => (await r.json()) as Record<string, unknown>);

describe('the first run: npm start on the demo config shows a market', () => {
  it('simulated buyers answer, demo traffic sells and a buyer files a return, all labelled demo; the logged curl gets a bid', { timeout: 60_000 }, async () => {
    const g = await startNoConfig([]);
    try {
      const demo = g.logs.filter((l) => l.demo === true);
      // the summary: where to look, the seller key, a ping to try, what each buyer is made to do
      expect(demo[0]).toMatchObject({ operator_listener: `http://127.0.0.1:${g.operatorPort}`, seller_key: DEMO_SELLER_KEY });
      const buyers = demo.filter((l) => typeof l.made_to === 'string');
      expect(buyers.map((l) => l.buyer)).toEqual(['acme', 'bolt', 'cove', 'dune', 'echo', 'fern']);
      expect(buyers.find((l) => l.buyer === 'dune')!.made_to).toMatch(/late|after its deadline/);
      expect(buyers.find((l) => l.buyer === 'echo')!.made_to).toMatch(/rejects half/);
      expect(demo.some((l) => String(l.msg).startsWith('demo traffic running'))).toBe(true);

      // the curl the log prints, run as printed: a bid
      const curl = demo.find((l) => typeof l.curl === 'string')!.curl as string;
      expect(curl).toContain("-H 'content-type: application/json'");
      const { stdout } = await run('sh', ['-c', curl], { timeout: 5_000 });
      expect(JSON.parse(stdout)).toMatchObject({ status: 'bid' });

      // the demo's own leads sell (Gavel's count, on the operator listener) and a buyer returns one
      const operator = `http://127.0.0.1:${g.operatorPort}`;
      await until('demo sales', 8_000, async () => (sumOf(await scrapeMetrics(operator), 'gavel_posts_total', { result: 'accepted' }) >= 3 ? true : undefined));
      const returned = await until('a demo return', 12_000, () => g.logs.find((l) => l.demo === true && typeof l.return_id === 'string'));
      const r = await fetch(`${operator}/v1/returns?status=pending`, { headers: { authorization: 'Bearer demo-admin-key-0123456789' } });
      expect(JSON.stringify(await r.json())).toContain(String(returned.return_id));
      expect(g.logs.filter((l) => l.demo === true && l.level === 40), 'a demo call failed').toEqual([]);

      // what a newcomer sees in the console: the market labelled demo, its sales, a lead's timeline, the return
      const browser = await launchChromium();
      try {
        const page = await browser.newPage({ viewport: { width: 1180, height: 900 } });
        await page.goto(`${operator}/console/`);
        await page.fill('#key', 'demo-admin-key-0123456789');
        await page.click('form.login button');
        await page.locator('[data-demo="on"]').waitFor();
        await expect.poll(async () => Number(await page.locator('[data-k="sold_total"]').textContent()), { timeout: 5000 }).toBeGreaterThan(0);
        await expect.poll(() => page.locator('tr[data-buyer="dune"] .demo-role').textContent(), { timeout: 5000 }).toMatch(/after its deadline/);
        // a second sample (rates need two) with the demo's traffic in it
        await expect.poll(async () => Number(await page.locator('[data-k="pings_per_s"]').textContent()), { timeout: 8000 }).toBeGreaterThan(0);
        await page.screenshot({ path: join(ROOT, 'docs', 'screenshots', 'first-run-console.png') });
        await page.goto(`${operator}/console/#/leads`);
        await page.fill('input[name="outcome"]', 'sold');
        await page.click('form.filters button');
        const sold = page.locator('tr[data-lead] a').first();
        await sold.waitFor();
        await sold.click();
        await page.locator('svg.timeline').first().waitFor();
        await page.goto(`${operator}/console/#/returns`);
        await page.locator(`tr[data-return="${String(returned.return_id)}"][data-status="pending"]`).waitFor();
      } finally {
        await browser.close();
      }
    } finally {
      expect(await stop(g)).toBe(0);
    }
    // the buyers closed with it
    expect(await refused(9101)).toBe(true);
  });

  for (const [how, args, env] of [
    ['--no-demo', ['--no-demo'], {}],
    ['GAVEL_DEMO=0', [], { GAVEL_DEMO: '0' }],
    ['a config given (--config), even the demo one', ['--config', join(ROOT, 'src', 'config', 'demo.yaml')], {}],
  ] as const) {
    it(`${how}: no simulated buyer, no demo traffic`, async () => {
      const g = await startNoConfig([...args], env);
      try {
        expect(await refused(9101)).toBe(true);
        expect(await ping(g.port)).toMatchObject({ status: 'no_bid', reason: 'NO_BID' });
        await new Promise((r) => setTimeout(r, 800));
        expect(g.logs.filter((l) => l.demo === true)).toEqual([]);
        expect(sumOf(await scrapeMetrics(`http://127.0.0.1:${g.operatorPort}`), 'gavel_pings_total')).toBeLessThanOrEqual(1);
      } finally {
        expect(await stop(g)).toBe(0);
      }
    });
  }
});
