import { afterEach, describe, expect, it } from 'vitest';
import type { Gavel } from '../../src/gavel.js';
import { calendarWindow } from '../../src/core/calendar.js';
import { startBuyer, type Handler, type TestBuyer } from '../support/buyer-server.js';
import { ADMIN_KEY, call, fullLead, pingLead, SELLER_KEY, startExchange, stopExchange, testConfig } from '../support/exchange.js';
import { startCluster } from '../support/redis-cluster.js';

const open: { close(): Promise<void> }[] = [];
const gavels: Gavel[] = [];
afterEach(async () => {
  await Promise.all(gavels.splice(0).map(stopExchange));
  await Promise.all(open.splice(0).map((b) => b.close()));
});
async function buyer(onPing: Handler, onPost?: Handler): Promise<TestBuyer> {
  const b = await startBuyer(onPing, onPost);
  open.push(b);
  return b;
}
async function exchange(config: ReturnType<typeof testConfig>): Promise<Gavel> {
  const g = await startExchange(config);
  gavels.push(g);
  return g;
}
const direct = (g: Gavel, lead: Record<string, unknown>) => call(g.port, '/v1/leads', { campaign: 'auto', lead });
const sold = (answers: { body: { status: string } }[]) => answers.filter((a) => a.body.status === 'sold').length;
const bid = (amount: number): Handler => () => ({ body: { bid: amount } });

describe('caps of every window, on the real Redis', () => {
  it('a money budget sells up to the cent and not one lead more', async () => {
    const a = await buyer(bid(3.35));
    const g = await exchange(testConfig([{ id: 'a', url: a.url, caps: { daily_budget: 10.05, timezone: 'America/Chicago' } }]));
    const answers = await Promise.all(Array.from({ length: 8 }, () => direct(g, fullLead())));
    expect(sold(answers)).toBe(3); // 3 x 3.35 = 10.05 exactly
    const day = calendarWindow('day', Date.now(), 'America/Chicago', 1).id;
    expect(await g.store.usage('a', day, Date.now())).toEqual({ count: 3, spend: 10_050_000, heldCount: 0, heldSpend: 0 });
  });

  it('the tightest of hourly, daily, weekly and monthly caps decides', async () => {
    const a = await buyer(bid(2));
    const g = await exchange(testConfig([{ id: 'a', url: a.url, caps: { hourly: 9, daily: 8, weekly: 4, monthly: 6, timezone: 'Europe/London', week_start: 'sunday' } }]));
    const answers = await Promise.all(Array.from({ length: 10 }, () => direct(g, fullLead())));
    expect(sold(answers)).toBe(4);
    const week = calendarWindow('week', Date.now(), 'Europe/London', 0).id;
    expect((await g.store.usage('a', week, Date.now())).count).toBe(4);
  });

  it('a cap in one campaign sits on top of the buyer’s own', async () => {
    const a = await buyer(bid(2));
    const config = testConfig([{ id: 'a', url: a.url, caps: { daily: 10 }, campaign_caps: { auto: { daily: 2 } } }]);
    (config.buyers[0] as Record<string, unknown>).key = 'buyer-a-key-0123456789';
    const g = await exchange(config);
    expect(sold(await Promise.all(Array.from({ length: 5 }, () => direct(g, fullLead()))))).toBe(2);
    const day = calendarWindow('day', Date.now(), 'UTC', 1).id;
    expect((await g.store.usage('a', `c:auto:${day}`, Date.now())).count).toBe(2);
    expect((await g.store.usage('a', day, Date.now())).count).toBe(2);

    // GET /v1/caps: the buyer sees its own windows now against their limits; the operator names it; a seller may not look
    const caps = async (port: number, key: string, query = '') => {
      const res = await fetch(`http://127.0.0.1:${port}/v1/caps${query}`, { headers: { authorization: `Bearer ${key}` } });
      return { status: res.status, body: (await res.json()) as Record<string, any> };
    };
    const own = await caps(g.port, 'buyer-a-key-0123456789');
    expect(own.status).toBe(200);
    expect(own.body.buyer).toBe('a');
    expect(own.body.windows).toEqual(
      expect.arrayContaining([
        { window: day, campaign: null, limit_count: 10, limit_spend: null, used_count: 2, used_spend: 4, held_count: 0, held_spend: 0 },
        { window: `c:auto:${day}`, campaign: 'auto', limit_count: 2, limit_spend: null, used_count: 2, used_spend: 4, held_count: 0, held_spend: 0 },
      ]),
    );
    expect(own.body.windows).toHaveLength(2);
    expect((await caps(g.operatorPort, ADMIN_KEY, '?buyer=a')).body.windows).toEqual(own.body.windows);
    expect((await caps(g.port, SELLER_KEY)).status).toBe(403);
    expect((await caps(g.operatorPort, ADMIN_KEY, '?buyer=nobody')).body.error.code).toBe('INVALID_REQUEST');
  });

  it('a rolling window of the last 60 minutes sells at most its max', async () => {
    const a = await buyer(bid(2));
    const g = await exchange(testConfig([{ id: 'a', url: a.url, caps: { rolling: [{ window: '60m', max: 3 }, { window: '24h', budget: 100 }] } }]));
    expect(sold(await Promise.all(Array.from({ length: 6 }, () => direct(g, fullLead()))))).toBe(3);
    expect((await g.store.usage('a', 'r:60m', Date.now())).count).toBe(3);
    expect((await g.store.usage('a', 'r:24h', Date.now())).spend).toBe(6_000_000);
  });

  it('a hold is taken only where there is something to hold: a buyer with no cap and nothing bought costs no store call', async () => {
    const capped = await buyer(bid(5));
    const free = await buyer(bid(9));
    const config = testConfig([{ id: 'capped', url: capped.url, caps: { daily: 10 } }, { id: 'free', url: free.url }]);
    const g = await exchange(config);
    const { Redis } = await import('ioredis');
    const r = new Redis(config.redis!.url!);
    try {
      const holdKeys = async () => (await r.keys(`${config.redis!.prefix}{b:*}:hold*`)).sort();
      // free wins the ping: nothing of its own in the store; capped bid too, but was not held
      const lead = fullLead();
      const ping = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(lead) });
      expect(ping.body).toMatchObject({ status: 'bid', price: 7.2 });
      expect(await holdKeys()).toEqual([]);
      // and its post sells all the same
      expect((await call(g.port, '/v1/post', { ping_id: ping.body.ping_id, lead })).body).toMatchObject({ status: 'sold', price: 7.2 });
      // where capped is the only bidder, its room is held at the ping, and the sale counts at the post
      const g2 = await exchange({ ...config, buyers: config.buyers.filter((b) => b.id === 'capped') });
      const lead2 = fullLead();
      const ping2 = await call(g2.port, '/v1/ping', { campaign: 'auto', lead: pingLead(lead2) });
      expect(ping2.body).toMatchObject({ status: 'bid', price: 4 });
      expect(await holdKeys()).toEqual([`${config.redis!.prefix}{b:capped}:hold`, `${config.redis!.prefix}{b:capped}:holds`]);
      expect((await call(g2.port, '/v1/post', { ping_id: ping2.body.ping_id, lead: lead2 })).body).toMatchObject({ status: 'sold' });
      expect((await g2.store.usage('capped', calendarWindow('day', Date.now(), 'UTC', 1).id, Date.now())).count).toBe(1);
    } finally {
      r.disconnect();
    }
  });

  it('a buyer at its cap is left out before it is pinged', async () => {
    const a = await buyer(bid(2));
    const b = await buyer(bid(1.5));
    const g = await exchange(testConfig([{ id: 'a', url: a.url, caps: { daily: 1 } }, { id: 'b', url: b.url }]));
    expect((await direct(g, fullLead())).body).toMatchObject({ status: 'sold', price: 1.6 });
    expect((await direct(g, fullLead())).body).toMatchObject({ status: 'sold', price: 1.2 });
    expect(a.pings).toHaveLength(1);
    expect(b.pings).toHaveLength(2);
    const metrics = await (await fetch(`http://127.0.0.1:${g.operatorPort}/metrics`)).text();
    expect(metrics).toMatch(/gavel_buyers_left_out_total\{buyer="a",reason="CAP_REACHED"\} 1/);
  });

  it('a buyer’s ping rate is kept across auctions', async () => {
    const a = await buyer(bid(2));
    const g = await exchange(testConfig([{ id: 'a', url: a.url, caps: { ping_rate: '2/s' } }]));
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await call(g.port, '/v1/ping', { campaign: 'auto', lead: { ...pingLead(fullLead()), zip: `1000${i}` } }));
    expect(a.pings).toHaveLength(2);
    expect(answers.map((x) => x.body.reason ?? x.body.status)).toEqual(['bid', 'bid', 'NO_ELIGIBLE_BUYER', 'NO_ELIGIBLE_BUYER']);
  });
});

describe('sellers: rate limit and resubmission', () => {
  it('a seller over its rate limit is told RATE_LIMITED (429)', async () => {
    const a = await buyer(bid(2));
    const config = testConfig([{ id: 'a', url: a.url }]);
    config.sellers = [{ id: 'pub1', api_key: SELLER_KEY, rate_limit: '3/m' }];
    const g = await exchange(config);
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await direct(g, fullLead()));
    expect(answers.map((x) => x.status)).toEqual([200, 200, 200, 429, 429]);
    expect(answers[3]!.body.error.code).toBe('RATE_LIMITED');
  });

  it('the same payload again within a minute is RESUBMITTED; a ping without personal data never is', async () => {
    const a = await buyer(bid(2));
    const g = await exchange(testConfig([{ id: 'a', url: a.url }]));
    const lead = fullLead();
    expect((await direct(g, lead)).body.status).toBe('sold');
    expect((await direct(g, lead)).body).toMatchObject({ status: 'rejected', reason: 'RESUBMITTED' });
    const withPii = fullLead();
    expect((await call(g.port, '/v1/ping', { campaign: 'auto', lead: withPii })).body.status).toBe('bid');
    expect((await call(g.port, '/v1/ping', { campaign: 'auto', lead: withPii })).body).toEqual({ status: 'duplicate', reason: 'RESUBMITTED' });
    // two consumers alike in every ping field are two leads
    const partial = pingLead(fullLead());
    expect((await call(g.port, '/v1/ping', { campaign: 'auto', lead: partial })).body.status).toBe('bid');
    expect((await call(g.port, '/v1/ping', { campaign: 'auto', lead: partial })).body.status).toBe('bid');
  });
});

describe('dedup rules', () => {
  it('ANY: a lead sharing one identifier of several is a duplicate', async () => {
    const a = await buyer(bid(2));
    const g = await exchange(testConfig([{ id: 'a', url: a.url }], { dedup: { fields: ['phone', 'email'], match: 'any', window: '30d' } }));
    const first = fullLead({ email: 'first@example.com' });
    expect((await direct(g, first)).body.status).toBe('sold');
    expect((await direct(g, fullLead({ email: 'FIRST@example.com ' }))).body.reason).toBe('DUPLICATE');
    expect((await direct(g, fullLead({ email: 'other@example.com', phone: first.phone }))).body.reason).toBe('DUPLICATE');
    expect((await direct(g, fullLead({ email: 'new@example.com' }))).body.status).toBe('sold');
  });

  it('scope buyer: the lead is sold again, but never to a buyer that bought it', async () => {
    const a = await buyer(bid(5));
    const b = await buyer(bid(3));
    const g = await exchange(testConfig([{ id: 'a', url: a.url }, { id: 'b', url: b.url }], { dedup: { fields: ['phone'], window: '30d', scope: 'buyer' } }));
    const lead = fullLead();
    expect((await direct(g, lead)).body).toMatchObject({ status: 'sold', price: 4 });
    // the same consumer again (another payload): a is left out, b buys it
    expect((await direct(g, { ...lead, email: 'again@example.com' })).body).toMatchObject({ status: 'sold', price: 2.4 });
    expect(a.pings).toHaveLength(1);
    expect((await direct(g, { ...lead, email: 'third@example.com' })).body).toMatchObject({ status: 'rejected', reason: 'NO_ELIGIBLE_BUYER' });
    const metrics = await (await fetch(`http://127.0.0.1:${g.operatorPort}/metrics`)).text();
    expect(metrics).toMatch(/gavel_buyers_left_out_total\{buyer="a",reason="ALREADY_SOLD_TO_BUYER"\} 2/);
  });

  it('scope buyer, judged at the post when the ping had no identifiers', async () => {
    const a = await buyer(bid(5));
    const b = await buyer(bid(3));
    const g = await exchange(testConfig([{ id: 'a', url: a.url }, { id: 'b', url: b.url }], { dedup: { fields: ['phone'], window: '30d', scope: 'buyer' } }));
    const lead = fullLead();
    expect((await direct(g, lead)).body.status).toBe('sold');
    const ping = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(lead) });
    expect(ping.body).toMatchObject({ status: 'bid', price: 4 });
    const post = await call(g.port, '/v1/post', { ping_id: ping.body.ping_id, lead });
    expect(post.body).toMatchObject({ status: 'sold', price: 2.4 });
    expect(a.posts).toHaveLength(1);
    expect(b.posts).toHaveLength(1);
  });

  it('scope global: one lead across campaigns', async () => {
    const a = await buyer(bid(2));
    const config = testConfig([{ id: 'a', url: a.url }], { dedup: { fields: ['phone'], window: '30d', scope: 'global' } });
    config.campaigns.push({ ...config.campaigns[0]!, id: 'home' });
    (config.buyers[0]!.campaigns as string[]).push('home');
    const g = await exchange(config);
    const lead = fullLead();
    expect((await call(g.port, '/v1/leads', { campaign: 'auto', lead })).body.status).toBe('sold');
    expect((await call(g.port, '/v1/leads', { campaign: 'home', lead })).body.reason).toBe('DUPLICATE');
  });
});

describe('on a Redis Cluster', () => {
  it('sells, holds and deduplicates the same', async () => {
    const cluster = await startCluster();
    try {
      const a = await buyer(bid(4));
      const config = testConfig([{ id: 'a', url: a.url, caps: { daily: 2 } }]);
      config.redis = { cluster: cluster.nodes.map((n) => `${n.host}:${n.port}`), prefix: 'gavel:' };
      const g = await exchange(config);
      const lead = fullLead();
      const ping = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(lead) });
      expect((await call(g.port, '/v1/post', { ping_id: ping.body.ping_id, lead })).body.status).toBe('sold');
      expect((await direct(g, lead)).body.reason).toBe('DUPLICATE');
      expect(sold(await Promise.all(Array.from({ length: 4 }, () => direct(g, fullLead()))))).toBe(1);
      expect((await fetch(`http://127.0.0.1:${g.port}/ready`)).status).toBe(200);
    } finally {
      await Promise.all(gavels.splice(0).map((g) => g.shutdown()));
      await cluster.stop();
    }
  });
});
