import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gavel } from '../../src/gavel.js';
import { startBuyer, type TestBuyer } from '../support/buyer-server.js';
import { call, fullLead, pingLead, SELLER_KEY, startExchange, stopExchange, testConfig } from '../support/exchange.js';

const buyerKey = (id: string) => `buyer-${id}-key-0123456789`;
const OTHER_SELLER_KEY = 'seller-other-key-0123456789';
const buyers: TestBuyer[] = [];
let g: Gavel;

beforeAll(async () => {
  buyers.push(await startBuyer(() => ({ body: { bid: 9 } })), await startBuyer(() => ({ body: { bid: 5 } })));
  const config = testConfig([
    { id: 'high', url: buyers[0]!.url },
    { id: 'low', url: buyers[1]!.url },
  ]);
  config.buyers = config.buyers.map((b) => ({ ...b, key: buyerKey(b.id) }));
  config.sellers = [...config.sellers, { id: 'pub2', api_key: OTHER_SELLER_KEY }];
  g = await startExchange(config, 'memory');
});
afterAll(async () => {
  await stopExchange(g);
  for (const b of buyers) await b.close();
});

async function sessionOn(key: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${g.port}/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' }, body: JSON.stringify({ key }) });
  expect(res.status).toBe(201);
  return /^(gavel_session=[^;]+);/.exec(res.headers.get('set-cookie')!)![1]!;
}

const traceBy = async (cookie: string, id: string) => {
  const res = await fetch(`http://127.0.0.1:${g.port}/v1/leads/${id}`, { headers: { cookie } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe('a party logged in by cookie on the public listener', () => {
  it('sees what its key may see, no more: its own lead, its own part of a trace', async () => {
    const ping = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) });
    const id = ping.body.ping_id as string;
    expect(ping.body).toMatchObject({ status: 'bid' });
    await new Promise((r) => setTimeout(r, 100));

    const seller = await traceBy(await sessionOn(SELLER_KEY), id);
    expect(seller.status).toBe(200);
    expect(seller.body).toMatchObject({ lead_id: id, campaign: 'auto' });
    expect(JSON.stringify(seller.body)).not.toContain('"low"');
    // another seller's session: the lead is not its own, so it does not exist for it
    expect((await traceBy(await sessionOn(OTHER_SELLER_KEY), id)).status).toBe(404);

    const high = await traceBy(await sessionOn(buyerKey('high')), id);
    const low = await traceBy(await sessionOn(buyerKey('low')), id);
    expect(high.status).toBe(200);
    expect(low.status).toBe(200);
    // each buyer sees its own ping and bid, never the other's
    expect(high.body).toMatchObject({ lead_id: id, your_ping: { kind: 'bid', bid: 9 } });
    expect(low.body).toMatchObject({ lead_id: id, your_ping: { kind: 'bid', bid: 5 } });
    expect(JSON.stringify(high.body)).not.toMatch(/"bid":5\b|"low"/);
    expect(JSON.stringify(low.body)).not.toMatch(/"bid":9\b|"high"/);
    // the seller sees the price it was offered, not the bids
    expect(JSON.stringify(seller.body)).not.toMatch(/"bid":\s*(9|5)\b/);
  });
});
