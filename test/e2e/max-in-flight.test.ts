import { afterEach, expect, it } from 'vitest';
import type { Gavel } from '../../src/gavel.js';
import { startBuyer, type TestBuyer } from '../support/buyer-server.js';
import { call, fullLead, pingLead, startExchange, stopExchange, testConfig } from '../support/exchange.js';

let g: Gavel | undefined;
const buyers: TestBuyer[] = [];
afterEach(async () => {
  if (g) await stopExchange(g);
  g = undefined;
  for (const b of buyers.splice(0)) await b.close();
});

it('max_in_flight: a buyer with 2 pings out is left out of a third auction (MAX_IN_FLIGHT), and back once they settle', async () => {
  const slow = await startBuyer(() => ({ body: { bid: 9 }, delayMs: 60 }));
  const other = await startBuyer(() => ({ body: { bid: 5 } }));
  buyers.push(slow, other);
  // the slot count is tested, not speed: with both cores busy a 60 ms answer came past a 100 ms
  // timeout; 400 ms of a 500 ms tmax keep every bid in while the five pings still overlap
  const config = testConfig([{ id: 'slow', url: slow.url, timeout_ms: 400 }, { id: 'other', url: other.url, timeout_ms: 400 }], { tmax_ms: 500 });
  (config.buyers[0] as { max_in_flight?: number }).max_in_flight = 2;
  g = await startExchange(config);
  const port = g.port;
  const answers = await Promise.all(Array.from({ length: 5 }, () => call(port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) })));
  expect(slow.pings).toHaveLength(2);
  expect(answers.filter((a) => a.body.price === 7.2)).toHaveLength(2);
  expect(answers.filter((a) => a.body.price === 4)).toHaveLength(3);
  const metrics = await (await fetch(`http://127.0.0.1:${g.operatorPort}/metrics`)).text();
  expect(metrics).toMatch(/gavel_buyers_left_out_total\{buyer="slow",reason="MAX_IN_FLIGHT"\} 3/);
  expect((await call(port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) })).body).toMatchObject({ price: 7.2 });
});
