import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { startGavel, type Gavel } from '../../src/gavel.js';
import { startBuyer } from '../support/buyer-server.js';
import { ADMIN_KEY, call, fullLead, SELLER_KEY, stopExchange, testConfig, testPrefix, getAs } from '../support/exchange.js';
import { stopAfterEach } from '../support/stop-after.js';

const A_KEY = 'buyer-a-key-0123456789';
const B_KEY = 'buyer-b-key-0123456789';
const OTHER_SELLER = 'seller-two-key-0123456789';
const stops = stopAfterEach();

const get = getAs;
const ids = (body: { leads: { lead_id: string }[] }) => body.leads.map((l) => l.lead_id);

/** Two parties of each kind; `a` bids on leads under 40, `b` on the rest; each process traced apart. */
async function market(store: 'redis' | 'memory', processes: number): Promise<Gavel[]> {
  const a = await startBuyer((c) => ({ body: (c.body.lead as { age: number }).age < 40 ? { bid: 10 } : { pass: true } }));
  const b = await startBuyer((c) => ({ body: (c.body.lead as { age: number }).age >= 40 ? { bid: 6 } : { pass: true } }));
  stops.push(() => a.close(), () => b.close());
  const input = testConfig([{ id: 'a', url: a.url }, { id: 'b', url: b.url }], {}, testPrefix());
  (input.buyers[0] as Record<string, unknown>).key = A_KEY;
  (input.buyers[1] as Record<string, unknown>).key = B_KEY;
  input.sellers.push({ id: 'pub2', api_key: OTHER_SELLER });
  // traces written at once, so the index is read back within the test's poll
  const config = parseConfig({ ...(store === 'redis' ? input : { ...input, redis: undefined }), trace: { flush_ms: 5 } });
  const gs: Gavel[] = [];
  for (let i = 0; i < processes; i++) {
    const g = await startGavel({ config, port: 0, host: '127.0.0.1', operatorPort: 0, logLevel: 'silent' });
    stops.push(() => stopExchange(g));
    gs.push(g);
  }
  return gs;
}

async function sell(g: Gavel, key: string, age: number): Promise<string> {
  const r = await call(g.port, '/v1/leads', { campaign: 'auto', lead: fullLead({ age }) }, { authorization: `Bearer ${key}` });
  expect(r.body.status).toBe('sold');
  return r.body.lead_id as string;
}

describe('the lead index (GET /v1/leads)', () => {
  it("lists every process's leads on one Redis, newest first, each party its own and no more", async () => {
    const [p1, p2] = await market('redis', 2);
    const pub1ToA = await sell(p1!, SELLER_KEY, 25);
    const pub1ToB = await sell(p2!, SELLER_KEY, 50);
    const pub2ToA = await sell(p2!, OTHER_SELLER, 30);

    // the operator, on either process, sees the leads both handled
    await expect.poll(async () => ids((await get(p1!.operatorPort, '/v1/leads?outcome=sold', ADMIN_KEY)).body), { timeout: 5000 }).toEqual([pub2ToA, pub1ToB, pub1ToA]);
    const all = (await get(p2!.operatorPort, '/v1/leads?outcome=sold', ADMIN_KEY)).body;
    expect(all.leads[0]).toMatchObject({ lead_id: pub2ToA, phase: 'leads', seller: 'pub2', campaign: 'auto', sold_to: 'a', outcome: 'sold' });
    expect(all.leads[0].buyers.sort()).toEqual(['a', 'b']);
    // a buyer filter finds the leads it took part in: b was pinged for all three
    expect(ids((await get(p2!.operatorPort, '/v1/leads?buyer=b&outcome=sold', ADMIN_KEY)).body)).toEqual([pub2ToA, pub1ToB, pub1ToA]);
    expect(ids((await get(p2!.operatorPort, '/v1/leads?seller=pub2', ADMIN_KEY)).body)).toEqual([pub2ToA]);

    // a seller: its own leads and their outcomes, never a buyer's name, whatever it asks for
    const pub1 = (await get(p2!.port, '/v1/leads?seller=pub2&buyer=b&outcome=sold', SELLER_KEY)).body;
    expect(ids(pub1)).toEqual([pub1ToB, pub1ToA]);
    for (const l of pub1.leads) expect(Object.keys(l).sort()).toEqual(['at', 'campaign', 'lead_id', 'outcome', 'phase']);

    // a buyer: the leads it took part in and whether it bought each; no seller, no other buyer
    const aView = (await get(p1!.port, '/v1/leads?buyer=b', A_KEY)).body;
    expect(aView.leads.filter((l: { bought: boolean }) => l.bought).map((l: { lead_id: string }) => l.lead_id)).toEqual([pub2ToA, pub1ToA]);
    expect(aView.leads.find((l: { lead_id: string }) => l.lead_id === pub1ToB)).toMatchObject({ bought: false });
    for (const l of aView.leads) expect(Object.keys(l).sort()).toEqual(['at', 'bought', 'campaign', 'lead_id', 'phase']);
    expect(JSON.stringify(aView)).not.toMatch(/pub1|pub2|"b"/);

    // each key on its own listener
    expect((await get(p1!.port, '/v1/leads', ADMIN_KEY)).status).toBe(403);
    expect((await get(p1!.operatorPort, '/v1/leads', A_KEY)).status).toBe(403);
  });

  it('pages with a cursor, filters by time, and refuses a bad filter with every problem', async () => {
    const [g] = await market('memory', 1);
    const sold: string[] = [];
    for (let i = 0; i < 5; i++) sold.push(await sell(g!, SELLER_KEY, 20 + i));
    await expect.poll(async () => ids((await get(g!.port, '/v1/leads', SELLER_KEY)).body).length, { timeout: 5000 }).toBe(5);
    const first = (await get(g!.port, '/v1/leads?limit=2', SELLER_KEY)).body;
    expect(ids(first)).toEqual([sold[4], sold[3]]);
    const second = (await get(g!.port, `/v1/leads?limit=2&before=${first.next}`, SELLER_KEY)).body;
    expect(ids(second)).toEqual([sold[2], sold[1]]);
    const last = (await get(g!.port, `/v1/leads?limit=2&before=${second.next}`, SELLER_KEY)).body;
    expect(ids(last)).toEqual([sold[0]]);
    expect(last.next).toBeNull();
    const future = new Date(Date.now() + 60_000).toISOString();
    expect(ids((await get(g!.port, `/v1/leads?from=${future}`, SELLER_KEY)).body)).toEqual([]);
    expect(ids((await get(g!.port, `/v1/leads?to=${new Date(Date.now() - 3_600_000).toISOString()}`, SELLER_KEY)).body)).toEqual([]);
    const bad = await get(g!.port, '/v1/leads?from=yesterday&limit=9999&before=1;DROP', SELLER_KEY);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('INVALID_REQUEST');
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['before', 'from', 'limit']);
  });
});
