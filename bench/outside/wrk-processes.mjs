#!/usr/bin/env node
/**
 * One Gavel process against a set of two (`--processes 2`) under wrk: what the second core
 * buys. Run after `npm run build`, with Redis up and Debian's wrk installed:
 *
 *   node bench/outside/wrk-processes.mjs [rounds=4] [seconds=8] [processes=2]
 *
 * Each round starts its own Gavel (`node dist/src/main.js`, Redis store, memory ledger, traces
 * on), warms it up for 3 s, then `wrk -t1 -c50` posts pings (each a different payload) to five
 * HTTP buyers bidding at once (in this script's process). Rounds alternate ABBA: A one process,
 * B the set. Prints pings/s, p99, the CPU per ping of every Gavel process together (primary and
 * workers, /proc/<pid>/stat over the run), and wrk's own CPU. On a machine with as many cores as
 * the set has processes, the buyers, Redis and wrk share those cores: say so with the figures.
 */
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBuyer } from '../../dist/test/support/buyer-server.js';
import { testConfig, testPrefix, cleanPrefix, REDIS_URL, SECRET, SELLER_KEY } from '../../dist/test/support/exchange.js';

const rounds = Number(process.argv[2] ?? 4);
const seconds = Number(process.argv[3] ?? 8);
const processes = Number(process.argv[4] ?? 2);
const TICKS = 100; // USER_HZ on Linux

const buyers = await Promise.all(Array.from({ length: 5 }, (_, i) => startBuyer(() => ({ body: { bid: 5 + i } }))));
const prefix = testPrefix();
const config = testConfig(buyers.map((b, i) => ({ id: `b${i + 1}`, url: b.url, timeout_ms: 100 })), {}, prefix);
const path = join(tmpdir(), `gavel-wrk-procs-${process.pid}.json`);
writeFileSync(path, JSON.stringify({ ...config, server: { operator: { host: '127.0.0.1', port: 0 } } }));
const lua = join(tmpdir(), `gavel-wrk-procs-${process.pid}.lua`);
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

/** A Gavel of `n` processes on a port of its own, resolved once every process listens, with the pids to measure. */
async function start(n) {
  const port = 20000 + Math.floor(Math.random() * 10000);
  const gavel = spawn(process.execPath, ['dist/src/main.js', '--config', path, '--port', String(port), '--host', '127.0.0.1', '--processes', String(n)], {
    env: { ...process.env, REDIS_URL, GAVEL_SECRET: SECRET, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const pids = [gavel.pid];
  await new Promise((resolve) => {
    let buf = '';
    gavel.stdout.on('data', (d) => {
      // read on to the end (the pipe must not fill)
      if (buf === null) return;
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop();
      for (const l of lines) {
        const m = /"pid":(\d+),"port":\d+,"operator_port".*"msg":"gavel listening"/.exec(l);
        if (m) pids.push(Number(m[1]));
        if (pids.length === n + 1) {
          buf = null;
          return resolve();
        }
      }
    });
  });
  return { gavel, port, pids };
}

const cpuTicks = (pids) =>
  pids.reduce((sum, pid) => {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return sum + Number(f[11]) + Number(f[12]);
  }, 0);

function wrk(port, d) {
  return new Promise((resolve) => {
    const c = spawn('/usr/bin/time', ['-f', 'WRKCPU %U %S', 'wrk', '-t1', '-c50', `-d${d}`, '--latency', '-s', lua, `http://127.0.0.1:${port}`]);
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (x) => (stdout += x));
    c.stderr.on('data', (x) => (stderr += x));
    c.on('exit', () => resolve({ stdout, stderr }));
  });
}

async function round(n) {
  const { gavel, port, pids } = await start(n);
  await wrk(port, 3); // warm-up
  const before = cpuTicks(pids);
  const run = await wrk(port, seconds);
  const after = cpuTicks(pids);
  gavel.kill('SIGTERM');
  await new Promise((r) => gavel.on('exit', r));
  const out = run.stdout;
  const [wu, ws] = /WRKCPU ([\d.]+) ([\d.]+)/.exec(run.stderr).slice(1).map(Number);
  const requests = Number(/(\d+) requests in/.exec(out)[1]);
  return {
    n,
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]),
    p99: /99%\s+([\d.]+\w+)/.exec(out)?.[1] ?? '?',
    cpuUsPerPing: Math.round((((after - before) / TICKS) * 1e6) / requests),
    wrkCpu: wu + ws,
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
    socketErrors: /Socket errors: (.*)/.exec(out)?.[1] ?? 'none',
  };
}

const results = [];
for (let i = 0; i < rounds; i++) results.push(await round(i % 4 === 1 || i % 4 === 2 ? processes : 1)); // A B B A
console.log(`machine: ${execFileSync('nproc', { encoding: 'utf8' }).trim()} cores; node ${process.version}; ${new Date().toISOString().slice(0, 10)}; wrk -t1 -c50 -d${seconds}`);
console.log('| round | processes | pings/s | p99 | Gavel CPU µs/ping (all processes) | wrk CPU s | non-2xx | socket errors |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
results.forEach((r, i) => console.log(`| ${i + 1} | ${r.n} | ${Math.round(r.rps)} | ${r.p99} | ${r.cpuUsPerPing} | ${r.wrkCpu.toFixed(2)} | ${r.non2xx} | ${r.socketErrors} |`));
await Promise.all(buyers.map((b) => b.close()));
await cleanPrefix(prefix);
process.exit(0);
