/**
 * Do uploads make live pings late? Live pings at a steady open-loop rate against one Gavel process
 * (the embedded default), first alone, then with an upload of 100,000 rows running beside them at
 * server.uploads.rate rows a second (the default, then ten times it); each phase's ping latency
 * as the seller sees it (p50, p99, max) and the late answers Gavel counted.
 *
 *   npm run build && node dist/bench/upload-latency.js [--pings 300] [--seconds 20]
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import type { ConfigInput } from '../src/config/schema.js';
import { startGavelProcess, type GavelProcess } from './support/gavel-process.js';
import { machine } from './support/machine.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const PINGS = Number(arg('pings', '300'));
const SECONDS = Number(arg('seconds', '20'));
const SELLER_KEY = 'seller-key-bench-0123456789';
const BUYERS = 4;

/** A buyer that bids at once and accepts every post. */
function buyer(bid: number): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(req.url === '/ping' ? JSON.stringify({ bid, bid_id: 'x' }) : '{"accepted":true}');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server })));
}

function config(buyerUrls: string[], dir: string, rate: number): ConfigInput {
  return {
    secret: 'bench-secret-0123456789abcdef',
    admin_key: 'admin-key-bench-0123456789',
    campaigns: [
      {
        id: 'auto',
        tmax_ms: 150,
        margin: 0.2,
        floor: 1,
        dedup: { fields: ['phone'], window: '30d' },
        fields: {
          zip: { type: 'string', pattern: '^[0-9]{5}$', required: true, ping: true },
          state: { type: 'string', required: true, ping: true },
          age: { type: 'integer', min: 18, max: 120, ping: true },
          name: { type: 'string', pii: true },
          phone: { type: 'phone', required: true, pii: true },
          email: { type: 'email', pii: true },
        },
      },
    ],
    sellers: [{ id: 'pub1', api_key: SELLER_KEY }],
    buyers: buyerUrls.map((url, i) => ({ id: `b${i}`, campaigns: ['auto'], ping_url: `${url}/ping`, post_url: `${url}/post`, timeout_ms: 100 })),
    server: { uploads: { rate, dir } },
    trace: { enabled: true },
  } as ConfigInput;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

async function lateAnswers(g: GavelProcess): Promise<number> {
  const text = await (await fetch(`${g.operatorUrl}/metrics`)).text();
  let n = 0;
  for (const line of text.split('\n')) if (line.startsWith('gavel_late_answers_total')) n += Number(line.split(' ').at(-1));
  return n;
}

/** Pings at PINGS a second for SECONDS, each timed from its send to its answer. */
async function phase(g: GavelProcess, pool: Pool): Promise<{ p50: number; p99: number; max: number; sent: number; errors: number; late: number }> {
  const lateBefore = await lateAnswers(g);
  const times: number[] = [];
  let errors = 0;
  const body = JSON.stringify({ campaign: 'auto', lead: { zip: '90210', state: 'CA', age: 40 } });
  const running: Promise<void>[] = [];
  const t0 = performance.now();
  const total = PINGS * SECONDS;
  for (let i = 0; i < total; i++) {
    // open loop: each ping leaves at its time, whatever the answers before it did
    const at = t0 + (i * 1000) / PINGS;
    const wait = at - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const sent = performance.now();
    running.push(
      pool.request({ method: 'POST', path: '/v1/ping', headers: { authorization: `Bearer ${SELLER_KEY}`, 'content-type': 'application/json' }, body }).then(
        async (res) => {
          await res.body.text();
          if (res.statusCode !== 200) errors++;
          times.push(performance.now() - sent);
        },
        () => void errors++,
      ),
    );
  }
  await Promise.all(running);
  times.sort((a, b) => a - b);
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99), max: times.at(-1) ?? NaN, sent: total, errors, late: (await lateAnswers(g)) - lateBefore };
}

async function upload(g: GavelProcess): Promise<string> {
  const rows: string[] = ['zip,state,age,name,phone,email'];
  for (let i = 0; i < 100_000; i++) rows.push(`90210,CA,${18 + (i % 80)},Customer ${i},${5_550_000_000 + i},c${i}@example.com`);
  const res = await fetch(`${g.baseUrl}/v1/uploads?campaign=auto&format=csv`, { method: 'POST', headers: { authorization: `Bearer ${SELLER_KEY}` }, body: `${rows.join('\n')}\n` });
  if (res.status !== 202) throw new Error(`upload refused: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

async function rowsDone(g: GavelProcess, id: string): Promise<number> {
  const res = await fetch(`${g.baseUrl}/v1/uploads/${id}`, { headers: { authorization: `Bearer ${SELLER_KEY}` } });
  return ((await res.json()) as { rows_done: number }).rows_done;
}

async function main(): Promise<void> {
  const buyers = await Promise.all(Array.from({ length: BUYERS }, (_, i) => buyer(5 + i)));
  const report: string[] = [];
  for (const rate of [20, 200]) {
    const dir = mkdtempSync(join(tmpdir(), 'gavel-upload-bench-'));
    const g = await startGavelProcess({ config: config(buyers.map((b) => b.url), dir, rate) });
    const pool = new Pool(g.baseUrl, { connections: 16, pipelining: 1 });
    try {
      // warm: the first seconds of a process are not its steady state
      await phase(g, pool).catch(() => undefined);
      const alone = await phase(g, pool);
      const id = await upload(g);
      const before = await rowsDone(g, id);
      const t0 = performance.now();
      const beside = await phase(g, pool);
      const rows = (await rowsDone(g, id)) - before;
      const rowsPerSecond = rows / ((performance.now() - t0) / 1000);
      const line = (name: string, r: Awaited<ReturnType<typeof phase>>) => `| ${name} | ${r.sent} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.max.toFixed(1)} | ${r.late} | ${r.errors} |`;
      report.push(line(`pings alone (rate ${rate} configured)`, alone), line(`pings beside an upload at ${rate} rows/s (${rowsPerSecond.toFixed(0)} rows/s measured)`, beside));
    } finally {
      await pool.close();
      await g.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  for (const b of buyers) b.server.close();
  console.log(`${machine()}; ${PINGS} pings/s for ${SECONDS} s a phase; ${new Date().toISOString()}`);
  console.log('| phase | pings | p50 ms | p99 ms | max ms | late | errors |\n| --- | --- | --- | --- | --- | --- | --- |');
  console.log(report.join('\n'));
}

await main();
