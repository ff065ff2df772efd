import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import type { Gavel } from '../../src/gavel.js';
import type { TraceSegment } from '../../src/trace/lead-trace.js';
import { startBuyer, type TestBuyer } from '../support/buyer-server.js';
import { ADMIN_KEY, call, fullLead, pingLead, readTrace, SELLER_KEY, startExchange, stopExchange, testConfig } from '../support/exchange.js';
import { TEST_FIELDS } from '../support/test-config.js';

const open: TestBuyer[] = [];
let g: Gavel | undefined;
afterEach(async () => {
  if (g) await stopExchange(g);
  g = undefined;
  for (const b of open.splice(0)) await b.close();
});

const OTHER_SELLER_KEY = 'seller-other-key-0123456789';
const buyerKey = (id: string) => `buyer-${id}-key-0123456789`;

/**
 * Six buyers, one of each fate: `top` bids highest and rejects the post, `next` takes it on the
 * fall-through, `slow` answers after its time, `nope` passes, `cheap` bids under the floor, and
 * `full` has no room left today (a daily cap of 0 leads).
 */
async function sixBuyers(store: 'redis' | 'memory' = 'redis'): Promise<{ g: Gavel; config: ConfigInput }> {
  const b = {
    top: await startBuyer(() => ({ body: { bid: 9 } }), () => ({ body: { accepted: false, reason: 'over quota' } })),
    next: await startBuyer(() => ({ body: { bid: 7 } })),
    slow: await startBuyer(() => ({ body: { bid: 20 }, delayMs: 150 })),
    nope: await startBuyer(() => ({ body: { pass: true } })),
    cheap: await startBuyer(() => ({ body: { bid: 0.5 } })),
    full: await startBuyer(() => ({ body: { bid: 30 } })),
  };
  open.push(...Object.values(b));
  const config = testConfig(
    Object.entries(b).map(([id, s]) => ({ id, url: s.url, ...(id === 'slow' ? { timeout_ms: 40 } : {}), ...(id === 'full' ? { caps: { daily: 0 } } : {}) })),
    { tmax_ms: 300 },
  );
  config.buyers = config.buyers.map((x) => ({ ...x, key: buyerKey(x.id) }));
  config.sellers = [...config.sellers, { id: 'pub2', api_key: OTHER_SELLER_KEY }];
  return { g: await startExchange(config, store), config };
}

function outcomes(seg: TraceSegment, stage: string): Record<string, string> {
  return Object.fromEntries(seg.buyers.filter((x) => x.stage === stage).map((x) => [x.buyer, x.outcome]));
}

describe('per-lead trace', () => {
  for (const store of ['redis', 'memory'] as const) {
    it(`${store}: a ping and its post leave every decision, and each party sees only its part`, async () => {
      const started = await sixBuyers(store);
      g = started.g;
      const gavel = started.g;
      const port = gavel.port;
      const lead = fullLead();
      const ping = await call(port, '/v1/ping', { campaign: 'auto', sub_id: 'page-7', lead: pingLead(lead) });
      expect(ping.body).toMatchObject({ status: 'bid', price: 7.2 });
      const id = ping.body.ping_id as string;
      const post = await call(port, '/v1/post', { ping_id: id, lead });
      // top rejects; the lead falls through to next at its own bid, 7 less the 20% margin
      expect(post.body).toMatchObject({ status: 'sold', lead_id: id, price: 5.6 });

      const whole = await readTrace(gavel, id);
      expect(whole.status).toBe(200);
      const [p, q] = whole.body.segments as TraceSegment[];
      expect(whole.body.segments).toHaveLength(2);
      expect(p).toMatchObject({ lead_id: id, phase: 'ping', seller: 'pub1', campaign: 'auto', sub_id: 'page-7', test: false, invalid: null, dedup: 'ok' });
      expect(p!.bytes).toBeGreaterThan(40);
      expect(outcomes(p!, 'eligibility')).toEqual({ top: 'ELIGIBLE', next: 'ELIGIBLE', slow: 'ELIGIBLE', nope: 'ELIGIBLE', cheap: 'ELIGIBLE', full: 'CAP_REACHED' });
      expect(p!.buyers.find((x) => x.buyer === 'full')!.detail).toMatch(/^count d:/);
      const pings = Object.fromEntries(p!.pings.map((x) => [x.buyer, x]));
      expect(Object.keys(pings).sort()).toEqual(['cheap', 'next', 'nope', 'slow', 'top']);
      expect(pings.top).toMatchObject({ kind: 'bid', bid: 9 });
      expect(pings.cheap).toMatchObject({ kind: 'bid', bid: 0.5 });
      expect(pings.nope).toMatchObject({ kind: 'NO_BID' });
      expect(pings.slow).toMatchObject({ kind: 'TIMEOUT' });
      expect(pings.slow!.ms).toBeGreaterThanOrEqual(39);
      for (const x of p!.pings) expect(x.answered_ms).toBeCloseTo(x.sent_ms + x.ms, 1);
      expect(outcomes(p!, 'rank')).toEqual({ cheap: 'BELOW_FLOOR' });
      expect(p!.ranking.map((x) => [x.buyer, x.bid, x.price])).toEqual([['top', 9, 9], ['next', 7, 7]]);
      expect(outcomes(p!, 'hold')).toEqual({ top: 'HELD' });
      expect(p!.result).toMatchObject({ status: 'bid', price: 7.2 });
      expect(p!.total_ms).toBeGreaterThan(0);
      expect(p!.total_ms).toBeLessThan(300);

      expect(q).toMatchObject({ lead_id: id, phase: 'post', seller: 'pub1', dedup: 'ok', invalid: null });
      expect(q!.posts.map((x) => [x.buyer, x.price, x.accepted, x.reason])).toEqual([['top', 9, false, 'over quota'], ['next', 7, true, undefined]]);
      expect(q!.sold).toEqual([{ buyer: 'next', price: 7, payout: 5.6 }]);
      expect(q!.result).toMatchObject({ status: 'sold', price: 5.6 });

      // the seller: its lead's way and answers, no buyer's name or bid
      const seller = await readTrace(gavel, id, SELLER_KEY);
      expect(seller.status).toBe(200);
      expect(seller.body).toMatchObject({ lead_id: id, campaign: 'auto', sub_id: 'page-7', result: { status: 'sold', price: 5.6 } });
      expect(seller.body.calls.map((c: { phase: string }) => c.phase)).toEqual(['ping', 'post']);
      const sellerText = JSON.stringify(seller.body);
      for (const name of ['top', 'next', 'slow', 'nope', 'cheap', 'full']) expect(sellerText).not.toContain(`"${name}"`);
      // another seller cannot tell the lead from an unknown one
      expect(await readTrace(gavel, id, OTHER_SELLER_KEY)).toMatchObject({ status: 404, body: { error: { code: 'LEAD_NOT_FOUND' } } });

      // each buyer: whether it won, the clearing price, why it lost; nobody else's name or bid
      const view = async (b: string) => (await readTrace(gavel, id, buyerKey(b))).body;
      expect(await view('next')).toMatchObject({ outcome: 'won', price: 7, clearing_price: 7, your_ping: { kind: 'bid', bid: 7 } });
      expect(await view('top')).toMatchObject({ outcome: 'lost', reason: 'POST_REJECTED', clearing_price: 7 });
      expect(await view('slow')).toMatchObject({ outcome: 'lost', reason: 'LATE', your_ping: { kind: 'TIMEOUT' } });
      expect(await view('nope')).toMatchObject({ outcome: 'lost', reason: 'PASSED' });
      expect(await view('cheap')).toMatchObject({ outcome: 'lost', reason: 'BELOW_FLOOR', your_ping: { bid: 0.5 } });
      for (const b of ['top', 'slow', 'nope', 'cheap']) {
        const text = JSON.stringify(await view(b));
        for (const other of ['top', 'next', 'slow', 'nope', 'cheap', 'full'].filter((x) => x !== b)) expect(text).not.toContain(`"${other}"`);
        if (b !== 'top') expect(text).not.toContain('"bid":9'); // top's bid, seen only by top
      }
      // not pinged (its cap was full): not an auction it took part in
      expect((await readTrace(gavel, id, buyerKey('full'))).status).toBe(404);
      // unknown lead, unknown key, no key
      expect(await readTrace(gavel, 'no-such-lead')).toMatchObject({ status: 404, body: { error: { code: 'LEAD_NOT_FOUND' } } });
      expect((await readTrace(gavel, id, 'not-a-key-0123456789')).status).toBe(401);
      expect((await fetch(`http://127.0.0.1:${port}/v1/leads/${id}`)).status).toBe(401);
      // a malformed escape in the id is an unknown lead, and the server goes on
      expect((await fetch(`http://127.0.0.1:${gavel.operatorPort}/v1/leads/%E0%A4%A`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${port}/v1/leads/%E0%A4%A`)).status).toBe(401);
      expect((await readTrace(gavel, id)).status).toBe(200);
    });
  }

  for (const store of ['redis', 'memory'] as const) {
    it(`${store}: each lead's non-personal fields are kept with its trace, never a personal one; trace.record_fields turns it off`, async () => {
      const b = await startBuyer(() => ({ body: { bid: 6 } }));
      open.push(b);
      // a field that is neither in pings nor personal: a post carries it, and the trace keeps it
      const campaign = { fields: { ...TEST_FIELDS, purpose: { type: 'string' } } };
      const config = testConfig([{ id: 'only', url: b.url }], campaign);
      g = await startExchange(config, store);
      const lead = fullLead({ purpose: 'refinance' });
      // a ping may carry personal fields (dedup reads them): only its ping fields are kept
      const ping = await call(g.port, '/v1/ping', { campaign: 'auto', lead: { ...pingLead(lead), phone: lead.phone } });
      expect(ping.body).toMatchObject({ status: 'bid' });
      const id = ping.body.ping_id as string;
      expect((await call(g.port, '/v1/post', { ping_id: id, lead })).body).toMatchObject({ status: 'sold' });
      const direct = await call(g.port, '/v1/leads', { campaign: 'auto', lead: fullLead({ purpose: 'purchase', age: 52 }) });
      expect(direct.body).toMatchObject({ status: 'sold' });

      const [p, q] = (await readTrace(g, id)).body.segments as TraceSegment[];
      expect(p!.fields).toEqual({ zip: '90210', state: 'CA', age: 40 });
      expect(q!.fields).toEqual({ zip: '90210', state: 'CA', age: 40, purpose: 'refinance' });
      const [d] = (await readTrace(g, direct.body.lead_id as string)).body.segments as TraceSegment[];
      expect(d!.fields).toEqual({ zip: '90210', state: 'CA', age: 52, purpose: 'purchase' });
      // nothing personal in what is stored, in any form
      const stored = JSON.stringify([p, q, d]);
      for (const personal of [lead.phone, 'Ada Lovelace', 'Ada@Example.com', 'ada@example.com']) expect(stored).not.toContain(String(personal));
      // the seller's and the buyer's views are as before: the fields are for the operator's replays
      expect(JSON.stringify((await readTrace(g, id, SELLER_KEY)).body)).not.toContain('"fields"');
      await stopExchange(g);

      // switched off: the same calls keep no fields
      g = await startExchange({ ...testConfig([{ id: 'only', url: b.url }], campaign), trace: { record_fields: false } }, store);
      const off = await call(g.port, '/v1/leads', { campaign: 'auto', lead: fullLead({ purpose: 'refinance' }) });
      expect(off.body).toMatchObject({ status: 'sold' });
      const [o] = (await readTrace(g, off.body.lead_id as string)).body.segments as TraceSegment[];
      expect(o).not.toHaveProperty('fields');
    });
  }

  it('a ping the winner never sees posted: NOT_POSTED; outbid buyers: OUTBID; direct posts trace under their lead id', async () => {
    const a = await startBuyer(() => ({ body: { bid: 9 } }));
    const b = await startBuyer(() => ({ body: { bid: 5 } }));
    open.push(a, b);
    const config = testConfig([{ id: 'a', url: a.url }, { id: 'b', url: b.url }]);
    config.buyers = config.buyers.map((x) => ({ ...x, key: buyerKey(x.id) }));
    g = await startExchange(config);
    const ping = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) });
    expect((await readTrace(g, ping.body.ping_id, buyerKey('a'))).body).toMatchObject({ outcome: 'lost', reason: 'NOT_POSTED', clearing_price: null });
    expect((await readTrace(g, ping.body.ping_id, buyerKey('b'))).body).toMatchObject({ outcome: 'lost', reason: 'OUTBID' });

    const sold = await call(g.port, '/v1/leads', { campaign: 'auto', lead: fullLead() });
    expect(sold.body).toMatchObject({ status: 'sold', price: 7.2 });
    const t = await readTrace(g, sold.body.lead_id);
    expect(t.body.segments.map((s: TraceSegment) => s.phase)).toEqual(['leads']);
    expect(t.body.segments[0].sold).toEqual([{ buyer: 'a', price: 9, payout: 7.2 }]);
    expect((await readTrace(g, sold.body.lead_id, buyerKey('b'))).body).toMatchObject({ outcome: 'lost', reason: 'OUTBID', clearing_price: 9 });
  });

  it('refused leads are traced too: invalid (with the id in the error), duplicate, resubmitted', async () => {
    const a = await startBuyer(() => ({ body: { bid: 9 } }));
    open.push(a);
    g = await startExchange(testConfig([{ id: 'a', url: a.url }]));
    const bad = await call(g.port, '/v1/ping', { campaign: 'auto', lead: { zip: 'ABCDE', state: 'CA' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('INVALID_LEAD');
    expect(typeof bad.body.lead_id).toBe('string');
    const t = (await readTrace(g, bad.body.lead_id)).body.segments[0] as TraceSegment;
    expect(t.invalid!.map((d) => d.path)).toContain('lead.zip');
    expect(t.result).toMatchObject({ status: 'error', reason: 'INVALID_LEAD' });
    expect(t.dedup).toBeNull();
    expect(t.pings).toEqual([]);

    const lead = fullLead();
    const first = await call(g.port, '/v1/leads', { campaign: 'auto', lead });
    const again = await call(g.port, '/v1/leads', { campaign: 'auto', lead: { ...lead, zip: '10001' } });
    expect(again.body).toMatchObject({ status: 'rejected', reason: 'DUPLICATE' });
    expect((await readTrace(g, again.body.lead_id)).body.segments[0]).toMatchObject({ dedup: 'DUPLICATE', result: { status: 'rejected', reason: 'DUPLICATE' }, buyers: [] });
    const same = await call(g.port, '/v1/leads', { campaign: 'auto', lead });
    expect(same.body).toMatchObject({ status: 'rejected', reason: 'RESUBMITTED' });
    expect((await readTrace(g, same.body.lead_id)).body.segments[0]).toMatchObject({ dedup: 'RESUBMITTED' });
    expect((await readTrace(g, first.body.lead_id)).body.segments[0]).toMatchObject({ dedup: 'ok', result: { status: 'sold' } });
    // a post of a ping id that is not this seller's is not written into that lead's trace
    const other = await call(g.port, '/v1/post', { ping_id: first.body.lead_id, lead });
    expect(other.body.error.code).toBe('PING_EXPIRED');
    expect((await readTrace(g, first.body.lead_id)).body.segments).toHaveLength(1);
  });

  it('traces are written in batches off the answer path, kept for the retention time, and can be turned off', async () => {
    const a = await startBuyer(() => ({ body: { bid: 9 } }));
    open.push(a);
    const config = testConfig([{ id: 'a', url: a.url }]);
    config.trace = { retention: '1s', flush_ms: 20 };
    g = await startExchange(config);
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push((await call(g.port, '/v1/leads', { campaign: 'auto', lead: fullLead() })).body.lead_id);
    await new Promise((r) => setTimeout(r, 100));
    const metrics = await (await fetch(`http://127.0.0.1:${g.operatorPort}/metrics`)).text();
    expect(metrics).toMatch(/^gavel_traces_written_total 30$/m);
    // in Redis, under the exchange's prefix: a few shard buckets (not a key per lead), each to expire
    const { Redis } = await import('ioredis');
    const r = new Redis(config.redis!.url!);
    try {
      const buckets = await r.keys(`${config.redis!.prefix}{tr:*`);
      expect(buckets.length).toBeGreaterThan(0);
      expect(buckets.length).toBeLessThanOrEqual(16 * 3);
      for (const k of buckets) {
        const ttl = await r.pttl(k);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(1000 + 125);
      }
    } finally {
      r.disconnect();
    }
    await new Promise((r) => setTimeout(r, 1250));
    expect((await readTrace(g, ids[0]!)).status).toBe(404);
    await stopExchange(g);

    const off = testConfig([{ id: 'a', url: a.url }]);
    off.trace = { enabled: false };
    g = await startExchange(off);
    const sold = await call(g.port, '/v1/leads', { campaign: 'auto', lead: fullLead() });
    expect(sold.body.status).toBe('sold');
    expect((await readTrace(g, sold.body.lead_id)).status).toBe(404);
    expect(await (await fetch(`http://127.0.0.1:${g.operatorPort}/metrics`)).text()).toMatch(/^gavel_traces_written_total 0$/m);
  });

  it('the admin key is the operator\'s alone: a config that gives it to a seller is refused', async () => {
    const config = testConfig([]);
    config.sellers = [{ id: 'pub1', api_key: ADMIN_KEY }];
    await expect(startExchange(config)).rejects.toThrow(/sellers\[0\]\.api_key: the same key as the operator's/);
  });
});
