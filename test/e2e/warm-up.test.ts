/**
 * Start-up's warm-up (src/gavel.ts warmUp): by the time /ready first answers 200, Gavel already
 * holds keep-alive ping connections to each HTTP buyer, opened before any seller call; a buyer
 * that is down is logged and does not hold the start.
 */
import http from 'node:http';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { ROOT } from '../../src/core/paths.js';
import { startBuyer } from '../support/buyer-server.js';
import { cleanPrefix, SELLER_KEY, testConfig, testPrefix } from '../support/exchange.js';
import { freePort, writeConfig } from '../support/process.js';
import { stopAfterAll } from '../support/stop-after.js';

const cleanups = stopAfterAll({ ignoreFailures: true });

function getStatus(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
  });
}

it('when /ready first answers 200 the buyer holds Gavel\'s ping connections already; a buyer that is down does not hold readiness', async () => {
  const buyer = await startBuyer(() => ({ body: { bid: 5 } }));
  cleanups.push(() => buyer.close());
  // a port nothing listens on: the buyer is down
  const downPort = await freePort();
  const prefix = testPrefix();
  cleanups.push(() => cleanPrefix(prefix));
  const config = testConfig(
    [
      { id: 'up', url: buyer.url },
      { id: 'down', url: `http://127.0.0.1:${downPort}` },
    ],
    {},
    prefix,
  );
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(ROOT, 'dist/src/main.js'), '--config', writeConfig(config), '--port', String(port), '--host', '127.0.0.1', '--no-demo'], {
    env: { ...process.env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  cleanups.push(() => child.kill('SIGKILL'));
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  // asked as often as a balancer in a hurry would: the first 200 is the moment that counts
  let status = 0;
  while (status !== 200) {
    if (performance.now() - t0 > 15_000) throw new Error(`not ready in 15 s; stdout: ${out}`);
    status = await getStatus(port, '/ready');
    if (status !== 200) await sleep(5);
  }
  const atReady = buyer.connections;
  const startedIn = performance.now() - t0;
  // min(4, the pool's 32) ping connections, all opened before any seller call: no ping came yet
  expect(atReady).toBe(4);
  expect(buyer.pings).toHaveLength(0);

  // the log is written asynchronously: it may reach the pipe after /ready answers
  const listening = () => out.includes('"msg":"gavel listening"');
  for (let i = 0; i < 100 && !listening(); i++) await sleep(50);
  const logs = out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const warmed = logs.find((l) => l.msg === 'warmed up');
  expect(warmed).toMatchObject({ buyer_connections: 4, campaigns: 1 });
  // the hot path ran until its round count or its 1 s bound, whichever came first (a loaded box
  // reaches the bound first), and the whole warm-up kept near its bound (each part 1 s, run at once)
  expect(warmed!.rounds as number).toBeGreaterThan(0);
  expect(warmed!.rounds === 3000 || (warmed!.hot_paths_ms as number) >= 1000).toBe(true);
  expect(warmed!.ms as number).toBeLessThan(2500);
  expect(logs.find((l) => l.msg === 'buyer not reached while warming up: its pings will connect on demand')).toMatchObject({ buyer: 'down' });
  // the warm-up happens before the listeners open: the first log that it listens comes after it
  expect(logs.findIndex((l) => l.msg === 'warmed up')).toBeLessThan(logs.findIndex((l) => l.msg === 'gavel listening'));
  expect(startedIn).toBeLessThan(10_000);

  // the warm connections serve the first auction: no new connection for it
  const ping = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: 'POST', path: '/v1/ping', agent: false, headers: { 'content-type': 'application/json', authorization: `Bearer ${SELLER_KEY}` } },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ campaign: 'auto', lead: { zip: '90210', state: 'CA', age: 40 } }));
  });
  expect(ping.status, ping.body).toBe(200);
  expect(JSON.parse(ping.body)).toMatchObject({ status: 'bid' });
  expect(buyer.pings).toHaveLength(1);
  expect(buyer.connections).toBe(4);

  child.kill('SIGTERM');
  await exited;
}, 30_000);
