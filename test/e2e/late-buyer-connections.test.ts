import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import type { Gavel } from '../../src/gavel.js';
import { call, fullLead, pingLead, startExchange, stopExchange, testConfig } from '../support/exchange.js';

let g: Gavel | undefined;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  if (g) await stopExchange(g);
  g = undefined;
  for (const c of closers.splice(0)) await c();
});

it('a buyer that answers after its time costs a pass, not a new connection per auction', async () => {
  let connections = 0;
  // answers 40 ms after the 30 ms it is given
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => setTimeout(() => res.end('{"bid":9}'), 70));
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  g = await startExchange(testConfig([{ id: 'late', url, timeout_ms: 30 }]));
  for (let i = 0; i < 12; i++) {
    const ping = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) });
    expect(ping.body).toMatchObject({ status: 'no_bid', reason: 'NO_BID' });
    // the next auction starts after the late answer came in and freed the connection
    await new Promise((r) => setTimeout(r, 60));
  }
  const metrics = await (await fetch(`http://127.0.0.1:${g.port}/metrics`)).text();
  expect(metrics).toMatch(/gavel_buyer_passes_total\{buyer="late",kind="TIMEOUT"\} 12/);
  expect(connections).toBeLessThanOrEqual(2);
});
