#!/usr/bin/env node
/**
 * The first seconds after start: p99 of the pings sent in the first 2 s after /ready first
 * answers 200, against seconds 5–7 of the same run. Gavel (`node <main.js>`, on Redis) is started
 * fresh with 5 HTTP buyers (a bid each, in a child process of their own) and polled on /ready
 * every 5 ms; from its first 200, pings go out at a steady rate, open loop, over keep-alive
 * connections. Run after `npm run build`:
 *
 *   node bench/outside/first-seconds.mjs [main.js=dist/src/main.js] [pings/s=200] [runs=3]
 *
 * Another build's main.js (a checkout without the warm-up, say) gives the figures to compare with.
 * Prints, per run, the start's time to ready and p50 / p99 / max ms of each window.
 */
import http from 'node:http';
import { fork, spawn } from 'node:child_process';
import { writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const SELLER_KEY = 'bench-seller-key-0123456789';
const BUYERS = 5;

if (process.argv[2] === '--buyers') {
  const { startBuyer } = await import('../../dist/test/support/buyer-server.js');
  const urls = [];
  for (let i = 0; i < BUYERS; i++) {
    const b = await startBuyer(() => ({ body: { bid: 5 + i, bid_id: `b-${i}` } }), () => ({ body: { accepted: true } }));
    setInterval(() => ((b.pings.length = 0), (b.posts.length = 0)), 200).unref();
    urls.push(b.url);
  }
  process.send({ urls });
} else {
  const mainJs = resolve(process.argv[2] ?? 'dist/src/main.js');
  const rate = Number(process.argv[3] ?? 200);
  const runs = Number(process.argv[4] ?? 3);
  const buyers = fork(fileURLToPath(import.meta.url), ['--buyers']);
  const { urls } = await new Promise((r) => buyers.once('message', r));

  const freePort = () =>
    new Promise((r) => {
      const s = http.createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address();
        s.close(() => r(port));
      });
    });
  const get = (port, path) =>
    new Promise((r) => {
      const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        res.resume();
        res.on('end', () => r(res.statusCode));
      });
      req.on('error', () => r(0));
    });
  const quantile = (xs, q) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  };
  const window = (samples, from, to) => {
    const xs = samples.filter((x) => x.at >= from && x.at < to).map((x) => x.ms);
    return { n: xs.length, p50: quantile(xs, 0.5), p99: quantile(xs, 0.99), max: Math.max(...xs) };
  };
  const fmt = (w) => `n=${w.n} p50=${w.p50.toFixed(1)} p99=${w.p99.toFixed(1)} max=${w.max.toFixed(1)}`;

  for (let run = 1; run <= runs; run++) {
    const prefix = `bench-first-${process.pid}-${run}:`;
    const config = {
      redis: { url: REDIS_URL, prefix },
      secret: 'bench-secret-0123456789abcdef',
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
            phone: { type: 'phone', required: true, pii: true },
          },
        },
      ],
      server: { operator: { host: '127.0.0.1', port: 0 } },
      sellers: [{ id: 'pub1', api_key: SELLER_KEY }],
      buyers: urls.map((u, i) => ({ id: `b${i}`, campaigns: ['auto'], ping_url: `${u}/ping`, post_url: `${u}/post`, timeout_ms: 100 })),
    };
    const path = join(tmpdir(), `gavel-first-seconds-${process.pid}-${run}.json`);
    writeFileSync(path, JSON.stringify(config));
    const port = await freePort();
    const t0 = performance.now();
    const child = spawn(process.execPath, [mainJs, '--config', path, '--port', String(port), '--host', '127.0.0.1', '--no-demo'], { stdio: 'ignore', env: { ...process.env, LOG_LEVEL: 'warn' } });
    while ((await get(port, '/ready')) !== 200) await sleep(5);
    const readyIn = performance.now() - t0;

    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const samples = [];
    const start = performance.now();
    const body = JSON.stringify({ campaign: 'auto', lead: { zip: '90210', state: 'CA', age: 40 } });
    let sent = 0;
    const pending = [];
    // open loop: the i-th ping leaves at start + i / rate, whatever the earlier ones are doing
    while (performance.now() - start < 7000) {
      const due = start + (sent * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const at = performance.now() - start;
      sent++;
      pending.push(
        new Promise((done) => {
          const t = performance.now();
          const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/ping', agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${SELLER_KEY}` } }, (res) => {
            res.resume();
            res.on('end', () => done(samples.push({ at, ms: performance.now() - t, status: res.statusCode })));
          });
          req.on('error', () => done(samples.push({ at, ms: performance.now() - t, status: 0 })));
          req.end(body);
        }),
      );
    }
    await Promise.all(pending);
    agent.destroy();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(path, { force: true });
    const redis = new Redis(REDIS_URL);
    for (let cursor = '0'; ; ) {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      if ((cursor = next) === '0') break;
    }
    await redis.quit();
    const failed = samples.filter((s) => s.status !== 200).length;
    console.log(`run ${run}: ready in ${readyIn.toFixed(0)} ms; first 2 s: ${fmt(window(samples, 0, 2000))}; 5-7 s: ${fmt(window(samples, 5000, 7000))}; not 200: ${failed}`);
  }
  buyers.kill();
}
