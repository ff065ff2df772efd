import { afterEach, expect, it } from 'vitest';
import type { Gavel } from '../../src/gavel.js';
import { startBuyer, type TestBuyer } from '../support/buyer-server.js';
import { call, fullLead, pingLead, startExchange, stopExchange, testConfig } from '../support/exchange.js';

let g: Gavel | undefined;
let buyer: TestBuyer | undefined;
afterEach(async () => {
  if (g) await stopExchange(g);
  g = undefined;
  await buyer?.close();
});

it('a buyer that answers after its time costs a pass, not a new connection per auction', async () => {
  // answers 40 ms after the 30 ms it is given
  buyer = await startBuyer(() => ({ body: { bid: 9 }, delayMs: 70 }));
  g = await startExchange(testConfig([{ id: 'late', url: buyer.url, timeout_ms: 30 }]));
  // the ping connections start opened ahead (src/warm-connections.ts): the server hears of them a turn later
  for (let i = 0; i < 100 && buyer.connections < 4; i++) await new Promise((r) => setTimeout(r, 5));
  const atStart = buyer.connections;
  expect(atStart).toBe(4);
  for (let i = 0; i < 12; i++) {
    const ping = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) });
    expect(ping.body).toMatchObject({ status: 'no_bid', reason: 'NO_BID' });
    // the next auction starts after the late answer came in and freed the connection
    await new Promise((r) => setTimeout(r, 60));
  }
  const metrics = await (await fetch(`http://127.0.0.1:${g.operatorPort}/metrics`)).text();
  expect(metrics).toMatch(/gavel_buyer_passes_total\{buyer="late",kind="TIMEOUT"\} 12/);
  expect(buyer.connections).toBe(atStart);
});
