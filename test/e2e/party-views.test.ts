import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { startGavel } from '../../src/gavel.js';
import { startBuyer } from '../support/buyer-server.js';
import { ADMIN_KEY, call, dropSchema, fullLead, PG_URL, SELLER_KEY, stopExchange, testConfig, testPrefix, testSchema, getAs } from '../support/exchange.js';
import { stopAfterEach } from '../support/stop-after.js';

const A_KEY = 'buyer-a-key-0123456789';
const B_KEY = 'buyer-b-key-0123456789';
const OTHER_SELLER = 'seller-two-key-0123456789';
const stops = stopAfterEach();

const get = getAs;

describe("each party's own sales (GET /v1/sales), on PostgreSQL", () => {
  it('a buyer sees its purchases and spend, a seller its sold leads and payout, neither anything of another party; the operator all', async () => {
    // a bids 10 on leads under 40, b bids 6 on the rest: each lead goes to one of them
    const a = await startBuyer((c) => ({ body: (c.body.lead as { age: number }).age < 40 ? { bid: 10 } : { pass: true } }));
    const b = await startBuyer((c) => ({ body: (c.body.lead as { age: number }).age >= 40 ? { bid: 6 } : { pass: true } }));
    stops.push(() => a.close(), () => b.close());
    const schema = testSchema();
    stops.push(() => dropSchema(schema));
    const input = testConfig([{ id: 'a', url: a.url }, { id: 'b', url: b.url }], {}, testPrefix());
    (input.buyers[0] as Record<string, unknown>).key = A_KEY;
    (input.buyers[1] as Record<string, unknown>).key = B_KEY;
    input.sellers.push({ id: 'pub2', api_key: OTHER_SELLER });
    const g = await startGavel({ config: parseConfig({ ...input, ledger: { postgres_url: PG_URL, schema, poll_ms: 20 } }), port: 0, host: '127.0.0.1', operatorPort: 0, logLevel: 'silent' });
    stops.push(() => stopExchange(g));

    const sell = async (key: string, age: number) => {
      const r = await call(g.port, '/v1/leads', { campaign: 'auto', lead: fullLead({ age }) }, { authorization: `Bearer ${key}` });
      expect(r.body.status).toBe('sold');
      return r.body.lead_id as string;
    };
    const pub1ToA = await sell(SELLER_KEY, 25);
    const pub1ToB = await sell(SELLER_KEY, 50);
    const pub2ToA = await sell(OTHER_SELLER, 30);
    await g.ledgerWriter.drain(5000);

    const aView = await get(g.port, '/v1/sales', A_KEY);
    expect(aView.status).toBe(200);
    expect(aView.body.buyer).toBe('a');
    expect(aView.body.sales.map((s: { lead_id: string }) => s.lead_id).sort()).toEqual([pub1ToA, pub2ToA].sort());
    expect(aView.body.totals).toEqual({ sold: 2, spend: 20, returns: 0, credits: 0 });
    // a buyer never sees the seller, nor what the seller was paid
    for (const s of aView.body.sales) expect(Object.keys(s).sort()).toEqual(['at', 'campaign', 'grade', 'lead_id', 'price']);

    const pub1 = await get(g.port, '/v1/sales?buyer=b&seller=pub2', SELLER_KEY);
    expect(pub1.body.seller).toBe('pub1');
    expect(pub1.body.sales.map((s: { lead_id: string }) => s.lead_id).sort()).toEqual([pub1ToA, pub1ToB].sort());
    // 10 and 6 less the campaign's 20% margin
    expect(pub1.body.totals).toEqual({ sold: 2, payout: 12.8, returns: 0 });
    // a seller never sees the buyer, nor the price it paid
    for (const s of pub1.body.sales) expect(Object.keys(s).sort()).toEqual(['at', 'campaign', 'lead_id', 'payout', 'sub_id']);
    expect(JSON.stringify(pub1.body)).not.toMatch(/"(a|b)"/);

    const all = await get(g.operatorPort, '/v1/sales', ADMIN_KEY);
    expect(all.body.sales).toHaveLength(3);
    expect(all.body.sales[0]).toMatchObject({ lead_id: pub2ToA, buyer: 'a', seller: 'pub2', price: 10, payout: 8 });
    expect((await get(g.operatorPort, '/v1/sales?seller=pub1&buyer=b', ADMIN_KEY)).body.sales.map((s: { lead_id: string }) => s.lead_id)).toEqual([pub1ToB]);

    expect((await get(g.port, '/v1/sales', ADMIN_KEY)).status).toBe(403);
    expect((await get(g.operatorPort, '/v1/sales', A_KEY)).status).toBe(403);
    expect((await get(g.port, '/v1/sales?limit=0', A_KEY)).body.error.code).toBe('INVALID_REQUEST');
    expect((await get(g.port, '/v1/sales?from=yesterday', A_KEY)).body.error).toMatchObject({ code: 'INVALID_REQUEST', details: [{ path: 'from' }] });
  });
});
