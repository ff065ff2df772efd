#!/usr/bin/env node
/**
 * A publish every second under wrk, against the same run without: the outside load generator's
 * view of what issue 16's live configuration costs. Run after `npm run build`, with Redis and
 * PostgreSQL up and Debian's wrk installed:
 *
 *   node bench/outside/wrk-publish.mjs [rounds=4] [seconds=8]
 *
 * One Gavel process (`node dist/src/main.js`, Redis store, versions in PostgreSQL in a schema of
 * its own, traces on), five HTTP buyers bidding at once (in this script's process), `wrk -t1 -c50`
 * posting pings (each a different payload). Rounds alternate ABBA: A without publishing, B with a
 * new version (the campaign's margin moved 0.2 <-> 0.21) published through the admin API every
 * second. Prints pings/s, Gavel's CPU per ping (/proc/<pid>/stat over the run), wrk's own CPU,
 * non-2xx answers and socket errors, and the publishes made.
 */
import { spawn, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBuyer } from '../../dist/test/support/buyer-server.js';
import { procCpuSeconds } from '../../dist/bench/support/proc-cpu.js';
import { testConfig, testPrefix, testSchema, dropSchema, cleanPrefix, PG_URL, REDIS_URL, SECRET, SELLER_KEY, ADMIN_KEY } from '../../dist/test/support/exchange.js';

const rounds = Number(process.argv[2] ?? 4);
const seconds = Number(process.argv[3] ?? 8);

const buyers = await Promise.all(Array.from({ length: 5 }, (_, i) => startBuyer(() => ({ body: { bid: 5 + i } }))));
const prefix = testPrefix();
const schema = testSchema();
const config = testConfig(buyers.map((b, i) => ({ id: `b${i + 1}`, url: b.url, timeout_ms: 100 })), {}, prefix);
const path = join(tmpdir(), `gavel-wrk-${process.pid}.json`);
writeFileSync(path, JSON.stringify({ ...config, ledger: { schema }, server: { operator: { host: '127.0.0.1', port: 0 } } }));
const port = 20000 + Math.floor(Math.random() * 10000);
const gavel = spawn(process.execPath, ['dist/src/main.js', '--config', path, '--port', String(port), '--host', '127.0.0.1'], {
  env: { ...process.env, DATABASE_URL: PG_URL, REDIS_URL, GAVEL_SECRET: SECRET, LOG_LEVEL: 'info' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const operatorPort = await new Promise((resolve) => {
  let buf = '';
  gavel.stdout.on('data', (d) => {
    // read on to the end (the pipe must not fill), keeping only what finds the listening line
    if (buf === null) return;
    buf += d;
    const m = /"operator_port":(\d+)/.exec(buf);
    if (m) {
      buf = null;
      resolve(Number(m[1]));
    }
  });
});
// the bench's own reader (bench/support/proc-cpu.ts): every thread of the process, seconds
  const cpuSeconds = () => procCpuSeconds(gavel.pid);
const admin = async (method, p, body) => {
  const res = await fetch(`http://127.0.0.1:${operatorPort}${p}`, { method, headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
  return res.json();
};
const lua = join(tmpdir(), `gavel-wrk-${process.pid}.lua`);
writeFileSync(
  lua,
  `wrk.method = "POST"
wrk.headers["authorization"] = "Bearer ${SELLER_KEY}"
wrk.headers["content-type"] = "application/json"
local n = 0
request = function()
  n = n + 1
  local body = string.format('{"campaign":"auto","lead":{"zip":"%05d","state":"CA","age":%d}}', n % 100000, 18 + (n % 90) )
  return wrk.format(nil, "/v1/ping", nil, body .. string.rep(" ", n % 7))
end
`,
);

async function round(publishing) {
  let publishes = 0;
  let stop = false;
  const publisher = (async () => {
    let margin = 0.2;
    while (publishing && !stop) {
      const t0 = Date.now();
      const doc = (await admin('GET', '/v1/admin/config')).document;
      margin = margin === 0.2 ? 0.21 : 0.2;
      doc.campaigns[0].margin = margin;
      const draft = await admin('POST', '/v1/admin/drafts', { document: doc });
      const r = await admin('POST', `/v1/admin/drafts/${draft.id}/publish`, { comment: 'wrk bench' });
      if (r.version) publishes++;
      await new Promise((res) => setTimeout(res, Math.max(0, 1000 - (Date.now() - t0))));
    }
  })();
  const before = cpuSeconds();
  // asynchronously: the buyers and the publisher live in this process, so its loop must keep running
  const run = await new Promise((resolve) => {
    const c = spawn('/usr/bin/time', ['-f', 'WRKCPU %U %S', 'wrk', '-t1', '-c50', `-d${seconds}`, '--latency', '-s', lua, `http://127.0.0.1:${port}`]);
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    c.on('exit', () => resolve({ stdout, stderr }));
  });
  const out = run.stdout;
  const [wu, ws] = /WRKCPU ([\d.]+) ([\d.]+)/.exec(run.stderr).slice(1).map(Number);
  const after = cpuSeconds();
  stop = true;
  await publisher;
  const requests = Number(/(\d+) requests in/.exec(out)[1]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const socketErrors = /Socket errors: (.*)/.exec(out)?.[1] ?? 'none';
  const p99 = /99%\s+([\d.]+\w+)/.exec(out)?.[1] ?? '?';
  return { publishing, rps, p99, wrkCpu: wu + ws, cpuUsPerPing: Math.round(((after - before) * 1e6) / requests), non2xx, socketErrors, publishes };
}

// warm-up, asynchronously too
await new Promise((r) => spawn('wrk', ['-t1', '-c50', '-d3', '-s', lua, `http://127.0.0.1:${port}`], { stdio: 'ignore' }).on('exit', r));
const results = [];
for (let i = 0; i < rounds; i++) {
  const publishing = i % 4 === 1 || i % 4 === 2; // A B B A
  results.push(await round(publishing));
}
console.log(`machine: ${execFileSync('nproc', { encoding: 'utf8' }).trim()} cores; node ${process.version}; ${new Date().toISOString().slice(0, 10)}; wrk -t1 -c50 -d${seconds}`);
console.log('| round | publishing | pings/s | p99 | Gavel CPU µs/ping | wrk CPU s | non-2xx | socket errors | publishes |');
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |');
results.forEach((r, i) => console.log(`| ${i + 1} | ${r.publishing ? 'yes' : 'no'} | ${Math.round(r.rps)} | ${r.p99} | ${r.cpuUsPerPing} | ${r.wrkCpu.toFixed(2)} | ${r.non2xx} | ${r.socketErrors} | ${r.publishing ? r.publishes : '—'} |`));
gavel.kill('SIGTERM');
await new Promise((r) => gavel.on('exit', r));
await Promise.all(buyers.map((b) => b.close()));
await dropSchema(schema);
await cleanPrefix(prefix);
process.exit(0);
