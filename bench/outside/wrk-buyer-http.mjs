#!/usr/bin/env node
/**
 * Two builds of Gavel on http-5 under wrk, alternated ABBA: the outside load generator's view of
 * what a change to the buyer HTTP path costs. Run after `npm run build`, with Redis and
 * PostgreSQL up and Debian's wrk installed:
 *
 *   node bench/outside/wrk-buyer-http.mjs <A dist/src/main.js> <B dist/src/main.js> [rounds=4] [seconds=6]
 *
 * Each round starts a fresh Gavel of that build (Redis store, ledger in a schema of its own,
 * traces on), five HTTP buyers bidding at once (in this script's process), `wrk -t1 -c50` posting
 * pings. Prints pings/s, p99, Gavel's CPU per ping (/proc/<pid>/stat over the measured run), wrk's
 * own CPU, non-2xx answers, socket errors, and the TCP connections Gavel opened to the buyers
 * during the measured run. GAVEL_NODE_ARGS adds node arguments to every Gavel
 * (e.g. `--cpu-prof --cpu-prof-dir=DIR` to profile it under load).
 */
import { spawn, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBuyer } from '../../dist/test/support/buyer-server.js';
import { procCpuSeconds } from '../../dist/bench/support/proc-cpu.js';
import { testConfig, testPrefix, testSchema, dropSchema, cleanPrefix, PG_URL, REDIS_URL, SECRET, SELLER_KEY } from '../../dist/test/support/exchange.js';

const [mainA, mainB] = [process.argv[2], process.argv[3]];
if (!mainA || !mainB) throw new Error('usage: wrk-buyer-http.mjs <A main.js> <B main.js> [rounds] [seconds]');
const rounds = Number(process.argv[4] ?? 4);
const seconds = Number(process.argv[5] ?? 6);
const nodeArgs = (process.env.GAVEL_NODE_ARGS ?? '').split(' ').filter(Boolean);

const buyers = await Promise.all(Array.from({ length: 5 }, (_, i) => startBuyer(() => ({ body: { bid: 5 + i } }))));
const lua = join(tmpdir(), `gavel-wrk-http-${process.pid}.lua`);
// each wrk run starts its leads at an offset of its own: a lead seen in the warm-up would be a duplicate
const script = (offset) =>
  `wrk.method = "POST"
wrk.headers["authorization"] = "Bearer ${SELLER_KEY}"
wrk.headers["content-type"] = "application/json"
local n = ${offset}
request = function()
  n = n + 1
  local body = string.format('{"campaign":"auto","lead":{"zip":"%05d","state":"CA","age":%d}}', n % 100000, 18 + (n % 90) )
  return wrk.format(nil, "/v1/ping", nil, body .. string.rep(" ", n % 7))
end
`;
let runs = 0;

const wrk = (secs) =>
  new Promise((resolve) => {
    writeFileSync(lua, script(50_000 * (runs++ % 2)));
    const c = spawn('/usr/bin/time', ['-f', 'WRKCPU %U %S', 'wrk', '-t1', '-c50', `-d${secs}`, '--latency', '-s', lua, `http://127.0.0.1:${port}`]);
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    c.on('exit', () => resolve({ stdout, stderr }));
  });
let port = 0;

async function round(main) {
  // the buyers' recorded calls would grow without end over the rounds
  for (const b of buyers) (b.pings.length = 0), (b.posts.length = 0);
  const prefix = testPrefix();
  const schema = testSchema();
  const config = testConfig(buyers.map((b, i) => ({ id: `b${i + 1}`, url: b.url, timeout_ms: 100 })), {}, prefix);
  const path = join(tmpdir(), `gavel-wrk-http-${process.pid}.json`);
  writeFileSync(path, JSON.stringify({ ...config, ledger: { schema }, server: { operator: { host: '127.0.0.1', port: 0 } } }));
  port = 20000 + Math.floor(Math.random() * 10000);
  const gavel = spawn(process.execPath, [...nodeArgs, main, '--config', path, '--port', String(port), '--host', '127.0.0.1'], {
    env: { ...process.env, DATABASE_URL: PG_URL, REDIS_URL, GAVEL_SECRET: SECRET, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve) => {
    let buf = '';
    gavel.stdout.on('data', (d) => {
      if (buf === null) return;
      buf += d;
      if (/"operator_port":(\d+)/.test(buf)) {
        buf = null;
        resolve();
      }
    });
  });
  // the bench's own reader (bench/support/proc-cpu.ts): every thread of the process, seconds
  const cpuSeconds = () => procCpuSeconds(gavel.pid);
  await wrk(2); // warm-up: pools and JIT
  const conns0 = buyers.reduce((a, b) => a + b.connections, 0);
  const before = cpuSeconds();
  const run = await wrk(seconds);
  const after = cpuSeconds();
  const conns = buyers.reduce((a, b) => a + b.connections, 0) - conns0;
  gavel.kill('SIGTERM');
  await new Promise((r) => gavel.on('exit', r));
  await dropSchema(schema);
  await cleanPrefix(prefix);
  const out = run.stdout;
  const [wu, ws] = /WRKCPU ([\d.]+) ([\d.]+)/.exec(run.stderr).slice(1).map(Number);
  const requests = Number(/(\d+) requests in/.exec(out)[1]);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]),
    p99: /99%\s+([\d.]+\w+)/.exec(out)?.[1] ?? '?',
    wrkCpu: wu + ws,
    conns,
    cpuUsPerPing: Math.round(((after - before) * 1e6) / requests),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
    socketErrors: /Socket errors: (.*)/.exec(out)?.[1] ?? 'none',
  };
}

const results = [];
for (let i = 0; i < rounds; i++) {
  const which = i % 4 === 1 || i % 4 === 2 ? 'B' : 'A'; // A B B A
  results.push({ which, ...(await round(which === 'A' ? mainA : mainB)) });
}
console.log(`machine: ${execFileSync('nproc', { encoding: 'utf8' }).trim()} cores; node ${process.version}; ${new Date().toISOString().slice(0, 10)}; wrk -t1 -c50 -d${seconds}`);
console.log(`A: ${mainA}\nB: ${mainB}`);
console.log('| round | build | pings/s | p99 | Gavel CPU µs/ping | wrk CPU s | non-2xx | socket errors | buyer TCP connections opened |');
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |');
results.forEach((r, i) => console.log(`| ${i + 1} | ${r.which} | ${Math.round(r.rps)} | ${r.p99} | ${r.cpuUsPerPing} | ${r.wrkCpu.toFixed(2)} | ${r.non2xx} | ${r.socketErrors} | ${r.conns} |`));
await Promise.all(buyers.map((b) => b.close()));
process.exit(0);
