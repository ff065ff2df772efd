import { afterEach, describe, expect, it } from 'vitest';
import type { Gavel } from '../../src/gavel.js';
import { startBuyer, type TestBuyer } from '../support/buyer-server.js';
import { call, fullLead, pingLead, startExchange, stopExchange, testConfig } from '../support/exchange.js';

const open: { close(): Promise<void> }[] = [];
const gavels: Gavel[] = [];
afterEach(async () => {
  await Promise.all(gavels.splice(0).map(stopExchange));
  await Promise.all(open.splice(0).map((b) => b.close()));
});
async function buyer(...args: Parameters<typeof startBuyer>): Promise<TestBuyer> {
  const b = await startBuyer(...args);
  open.push(b);
  return b;
}
async function exchange(...args: Parameters<typeof startExchange>): Promise<Gavel> {
  const g = await startExchange(...args);
  gavels.push(g);
  return g;
}

describe('ping and post over HTTP, on the real Redis', () => {
  it('the best bid wins and the seller is paid the bid less the margin', async () => {
    const a = await buyer(() => ({ body: { bid: 8.5, bid_id: 'a-1' } }));
    const b = await buyer(() => ({ body: { bid: 10.5, bid_id: 'b-1' } }), () => ({ body: { accepted: true, redirect_url: 'https://b.example/thanks' } }));
    const c = await buyer(() => ({ body: { pass: true, reason: 'no coverage' } }));
    const g = await exchange(testConfig([{ id: 'a', url: a.url }, { id: 'b', url: b.url }, { id: 'c', url: c.url }]));
    const lead = fullLead();

    const ping = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(lead) });
    expect(ping.status).toBe(200);
    expect(ping.body).toMatchObject({ status: 'bid', price: 8.4, bids: 2 });
    expect(Date.parse(ping.body.expires_at)).toBeGreaterThan(Date.now());

    const post = await call(g.port, '/v1/post', { ping_id: ping.body.ping_id, lead });
    expect(post.body).toEqual({ status: 'sold', lead_id: ping.body.ping_id, price: 8.4, redirect_url: 'https://b.example/thanks' });
    expect(b.posts).toHaveLength(1);
    expect(b.posts[0]!.body).toMatchObject({ ping_id: ping.body.ping_id, bid_id: 'b-1', price: 10.5 });
    expect(a.posts).toHaveLength(0);
  });

  it('buyers see no PII in the ping and all of it in the post', async () => {
    const a = await buyer(() => ({ body: { bid: 5 } }));
    const g = await exchange(testConfig([{ id: 'a', url: a.url }]));
    const lead = fullLead({ phone: '+1 (555) 010-7777' });
    // the seller puts PII in the ping so dedup can run early; Gavel must not forward it
    const ping = await call(g.port, '/v1/ping', { campaign: 'auto', lead });
    expect(ping.body.status).toBe('bid');
    expect(a.pings[0]!.body.lead).toEqual({ zip: '90210', state: 'CA', age: 40 });
    // the ping's id is random hex and may hold a 555 of its own: everything else is looked at
    const { ping_id: _id, ...pinged } = a.pings[0]!.body as Record<string, unknown>;
    expect(JSON.stringify(pinged)).not.toMatch(/555|Ada|example/i);
    expect(a.pings[0]!.body).toMatchObject({ ping_id: ping.body.ping_id, campaign: 'auto', test: false });

    const post = await call(g.port, '/v1/post', { ping_id: ping.body.ping_id, lead });
    expect(post.body.status).toBe('sold');
    expect(a.posts[0]!.body.lead).toEqual({ zip: '90210', state: 'CA', age: 40, name: 'Ada Lovelace', phone: '5550107777', email: 'ada@example.com' });
  });

  it('a buyer slower than its time is dropped and the answer still comes inside tmax', async () => {
    const fast = await buyer(() => ({ body: { bid: 3 } }));
    const slow = await buyer(() => ({ body: { bid: 50 }, delayMs: 400 }));
    const g = await exchange(testConfig([{ id: 'fast', url: fast.url }, { id: 'slow', url: slow.url, timeout_ms: 80 }]));
    for (let i = 0; i < 5; i++) {
      const ping = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()), tmax_ms: 120 });
      expect(ping.body).toMatchObject({ status: 'bid', price: 2.4, bids: 1 });
      expect(ping.ms).toBeLessThan(120);
    }
    // the buyer is told the time it has: min(its timeout, what the auction has left less the margin)
    expect(slow.pings[0]!.body.tmax_ms).toBe(80);
    const metrics = await (await fetch(`http://127.0.0.1:${g.operatorPort}/metrics`)).text();
    expect(metrics).toMatch(/gavel_buyer_timeouts_total\{buyer="slow"\} 5/);
    expect(metrics).not.toMatch(/gavel_late_answers_total\{[^}]*\} [1-9]/);
    expect(metrics).toMatch(/gavel_buyer_pool_queued\{buyer="slow"\} 0/);
  });

  it('a buyer is never given more than the auction has left', async () => {
    const a = await buyer(() => ({ body: { bid: 3 } }));
    const g = await exchange(testConfig([{ id: 'a', url: a.url, timeout_ms: 1000 }]));
    const ping = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()), tmax_ms: 60 });
    expect(ping.body.status).toBe('bid');
    expect(a.pings[0]!.body.tmax_ms).toBeLessThanOrEqual(60 - g.runtime.data.server.response_margin_ms);
  });

  it('the auction settles as soon as every buyer has answered or passed its own time', async () => {
    const quick = await buyer(() => ({ body: { bid: 3 }, delayMs: 5 }));
    const hung = await buyer(() => ({ body: { bid: 50 }, delayMs: 2000 }));
    const g = await exchange(testConfig([{ id: 'quick', url: quick.url, timeout_ms: 200 }, { id: 'hung', url: hung.url, timeout_ms: 30 }]));
    const ping = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()), tmax_ms: 500 });
    expect(ping.body).toMatchObject({ status: 'bid', price: 2.4, bids: 1 });
    // the hung buyer's 30 ms bound the wait, not the 500 ms deadline nor the quick buyer's 200 ms
    expect(ping.ms).toBeLessThan(120);
  });

  it('a deadline too short to ping anyone is NO_BID, not an error', async () => {
    const a = await buyer(() => ({ body: { bid: 3 } }));
    const g = await exchange(testConfig([{ id: 'a', url: a.url }]));
    for (const tmax of [1, 5, g.runtime.data.server.response_margin_ms]) {
      const ping = await call(g.port, '/v1/ping', { campaign: 'auto', lead: fullLead(), tmax_ms: tmax });
      expect(ping.status).toBe(200);
      expect(ping.body).toMatchObject({ status: 'no_bid', reason: 'NO_BID' });
      const direct = await call(g.port, '/v1/leads', { campaign: 'auto', lead: fullLead(), tmax_ms: tmax });
      expect(direct.body).toMatchObject({ status: 'rejected', reason: 'NO_BID' });
    }
    expect(a.pings).toHaveLength(0);
  });

  it('a win that no cap can hold is CAP_REACHED, and its ping id cannot be posted', async () => {
    const a = await buyer(() => ({ body: { bid: 12 } }));
    const g = await exchange(testConfig([{ id: 'a', url: a.url, caps: { daily_budget: 10 } }]));
    const lead = fullLead();
    const ping = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(lead) });
    expect(ping.body).toMatchObject({ status: 'no_bid', reason: 'CAP_REACHED' });
    const post = await call(g.port, '/v1/post', { ping_id: ping.body.ping_id, lead });
    expect(post.status).toBe(404);
    expect(post.body.error.code).toBe('PING_EXPIRED');
    expect(a.posts).toHaveLength(0);
  });

  it('tmax_ms is capped by the campaign maximum', async () => {
    const slow = await buyer(() => ({ body: { bid: 3 }, delayMs: 2000 }));
    const g = await exchange(testConfig([{ id: 's', url: slow.url, timeout_ms: 5000 }], { max_tmax_ms: 200 }));
    const ping = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()), tmax_ms: 5000 });
    expect(ping.body).toMatchObject({ status: 'no_bid', reason: 'NO_BID' });
    expect(ping.ms).toBeLessThan(200);
  });

  it('a reject falls through to the next bidder at or above the floor', async () => {
    const top = await buyer(() => ({ body: { bid: 30 } }), () => ({ body: { accepted: false, reason: 'bad phone' } }));
    const mid = await buyer(() => ({ body: { bid: 12 } }));
    const low = await buyer(() => ({ body: { bid: 0.5 } }));
    const g = await exchange(testConfig([{ id: 'top', url: top.url, caps: { daily: 100 } }, { id: 'mid', url: mid.url }, { id: 'low', url: low.url }]));
    const lead = fullLead();
    const ping = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(lead) });
    expect(ping.body).toMatchObject({ status: 'bid', price: 24, bids: 2 });
    const today = `d:${new Date().toISOString().slice(0, 10)}`;
    expect(await g.store.usage('top', today, Date.now())).toEqual({ count: 0, spend: 0, heldCount: 1, heldSpend: 30_000_000 });
    const post = await call(g.port, '/v1/post', { ping_id: ping.body.ping_id, lead });
    expect(post.body).toEqual({ status: 'sold', lead_id: ping.body.ping_id, price: 9.6 });
    expect(top.posts).toHaveLength(1);
    expect(mid.posts).toHaveLength(1);
    expect(low.posts).toHaveLength(0);
    // the rejecting buyer's hold was released: nothing is held or committed for it
    expect(await g.store.usage('top', today, Date.now())).toEqual({ count: 0, spend: 0, heldCount: 0, heldSpend: 0 });
  });

  it('when every bidder rejects, the post says so with the last reason', async () => {
    const a = await buyer(() => ({ body: { bid: 5 } }), () => ({ body: { accepted: false, reason: 'dnc list' } }));
    const b = await buyer(() => ({ body: { bid: 4 } }), () => ({ status: 500, body: {} }));
    const g = await exchange(testConfig([{ id: 'a', url: a.url }, { id: 'b', url: b.url }]));
    const lead = fullLead();
    const post = await call(g.port, '/v1/leads', { campaign: 'auto', lead });
    expect(post.body).toMatchObject({ status: 'rejected', reason: 'POST_REJECTED', message: 'HTTP_ERROR 500' });
    expect(a.posts).toHaveLength(1);
    expect(b.posts).toHaveLength(1);
  });

  it('a post that times out goes to no other buyer: the lead is never sold twice', async () => {
    const slow = await buyer(() => ({ body: { bid: 20 } }), () => ({ body: { accepted: true }, delayMs: 800 }));
    const next = await buyer(() => ({ body: { bid: 15 } }));
    const config = testConfig([{ id: 'slow', url: slow.url, caps: { daily: 10 } }, { id: 'next', url: next.url }]);
    (config.buyers[0] as { post_timeout_ms?: number }).post_timeout_ms = 200;
    const g = await exchange(config);
    const post = await call(g.port, '/v1/leads', { campaign: 'auto', lead: fullLead() });
    expect(post.body).toMatchObject({ status: 'rejected', reason: 'TIMEOUT' });
    expect(slow.posts[0]!.body.tmax_ms).toBe(200);
    expect(next.posts).toHaveLength(0);
    // no accept reached Gavel: nothing is counted against the slow buyer
    const today = `d:${new Date().toISOString().slice(0, 10)}`;
    expect(await g.store.usage('slow', today, Date.now())).toEqual({ count: 0, spend: 0, heldCount: 0, heldSpend: 0 });
  });

  it('a direct post pings, posts to the best bidder and falls through on reject', async () => {
    const top = await buyer(() => ({ body: { bid: 20 } }), () => ({ body: { accepted: false } }));
    const next = await buyer(() => ({ body: { bid: 15 } }), () => ({ body: { accepted: true, redirect_url: 'https://n.example/r' } }));
    const g = await exchange(testConfig([{ id: 'top', url: top.url }, { id: 'next', url: next.url }]));
    const lead = fullLead();
    const post = await call(g.port, '/v1/leads', { campaign: 'auto', lead });
    expect(post.body).toMatchObject({ status: 'sold', price: 12, redirect_url: 'https://n.example/r' });
    expect(top.pings[0]!.body.lead).toEqual(pingLead(lead));
    expect(next.posts[0]!.body.lead).toMatchObject({ phone: lead.phone });
  });

  it('a duplicate is caught, at the ping and at the post', async () => {
    const a = await buyer(() => ({ body: { bid: 5 } }));
    const g = await exchange(testConfig([{ id: 'a', url: a.url }]));
    const lead = fullLead();
    const first = await call(g.port, '/v1/leads', { campaign: 'auto', lead });
    expect(first.body.status).toBe('sold');
    // same phone, written another way: a duplicate at the ping
    const again = await call(g.port, '/v1/ping', { campaign: 'auto', lead: { ...lead, phone: `+1 ${lead.phone}` } });
    expect(again.body).toEqual({ status: 'duplicate', reason: 'DUPLICATE' });
    // a ping without PII passes; its post carries the phone and is caught there
    const ping = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(lead) });
    expect(ping.body.status).toBe('bid');
    const post = await call(g.port, '/v1/post', { ping_id: ping.body.ping_id, lead });
    expect(post.body).toMatchObject({ status: 'rejected', reason: 'DUPLICATE' });
    expect(a.posts).toHaveLength(1);
  });

  it('of two twins arriving together, exactly one passes', async () => {
    const a = await buyer(() => ({ body: { bid: 5 } }));
    const g = await exchange(testConfig([{ id: 'a', url: a.url }]));
    for (let round = 0; round < 5; round++) {
      const lead = fullLead();
      const twins = await Promise.all([
        call(g.port, '/v1/leads', { campaign: 'auto', lead }),
        call(g.port, '/v1/leads', { campaign: 'auto', lead }),
        call(g.port, '/v1/ping', { campaign: 'auto', lead }),
        call(g.port, '/v1/ping', { campaign: 'auto', lead }),
      ]);
      // identical payloads: the second of each route is a resubmission, the rest duplicates
      const passed = twins.filter((t) => t.body.status !== 'duplicate' && !['DUPLICATE', 'RESUBMITTED'].includes(t.body.reason));
      expect(passed).toHaveLength(1);
    }
  });

  it('a cap of N sells exactly N, under concurrency', async () => {
    const capped = await buyer(() => ({ body: { bid: 9 } }));
    // the cap is tested, not the buyer's speed: 25 direct posts at once with both cores busy took the
    // buyer (in this process) past 100 ms, every lead NO_BID; it has 400 ms of a 500 ms tmax here
    const g = await exchange(testConfig([{ id: 'capped', url: capped.url, timeout_ms: 400, caps: { daily: 7, timezone: 'America/New_York' } }], { tmax_ms: 500 }));
    const answers = await Promise.all(Array.from({ length: 25 }, () => call(g.port, '/v1/leads', { campaign: 'auto', lead: fullLead() })));
    const sold = answers.filter((a) => a.body.status === 'sold');
    expect(sold).toHaveLength(7);
    expect(capped.posts).toHaveLength(7);
    // NO_BID too: a lead whose ping answer came late on a loaded machine (24 others still fill the cap)
    for (const a of answers) if (a.body.status !== 'sold') expect(['NO_ELIGIBLE_BUYER', 'CAP_REACHED', 'NO_BID']).toContain(a.body.reason);
    const more = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) });
    expect(more.body).toMatchObject({ status: 'no_bid', reason: 'NO_ELIGIBLE_BUYER' });
  });

  it('a ping holds cap space until its post; a post is taken once', async () => {
    const a = await buyer(() => ({ body: { bid: 9 } }));
    const g = await exchange(testConfig([{ id: 'a', url: a.url, caps: { daily: 1 } }]));
    const lead = fullLead();
    const ping = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(lead) });
    expect(ping.body.status).toBe('bid');
    // the hold fills the cap of 1: a second ping finds no room
    const second = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) });
    expect(second.body).toMatchObject({ status: 'no_bid', reason: 'NO_ELIGIBLE_BUYER' });
    const [p1, p2] = await Promise.all([
      call(g.port, '/v1/post', { ping_id: ping.body.ping_id, lead }),
      call(g.port, '/v1/post', { ping_id: ping.body.ping_id, lead }),
    ]);
    const statuses = [p1.status, p2.status].sort();
    expect(statuses).toEqual([200, 409]);
    expect([p1, p2].find((p) => p.status === 409)!.body.error.code).toBe('ALREADY_POSTED');
    expect(a.posts).toHaveLength(1);
    expect(await g.store.usage('a', `d:${new Date().toISOString().slice(0, 10)}`, Date.now())).toEqual({ count: 1, spend: 9_000_000, heldCount: 0, heldSpend: 0 });
  });

  it('the post must carry the ping fields of its ping', async () => {
    const a = await buyer(() => ({ body: { bid: 9 } }));
    const g = await exchange(testConfig([{ id: 'a', url: a.url }]));
    const lead = fullLead();
    const ping = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(lead) });
    const wrong = await call(g.port, '/v1/post', { ping_id: ping.body.ping_id, lead: { ...lead, zip: '10001' } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.code).toBe('PING_MISMATCH');
    // the mismatch did not burn the ping: the right lead still sells
    const right = await call(g.port, '/v1/post', { ping_id: ping.body.ping_id, lead });
    expect(right.body.status).toBe('sold');
    const unknown = await call(g.port, '/v1/post', { ping_id: 'no-such-ping', lead });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('PING_EXPIRED');
  });

  it('a ping expires with its hold, and its post is then PING_EXPIRED', async () => {
    const a = await buyer(() => ({ body: { bid: 9 } }));
    const g = await exchange(testConfig([{ id: 'a', url: a.url }], { ping_ttl: '1s' }));
    const lead = fullLead();
    const ping = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(lead) });
    expect(ping.body.status).toBe('bid');
    await new Promise((r) => setTimeout(r, 1200));
    const post = await call(g.port, '/v1/post', { ping_id: ping.body.ping_id, lead });
    expect(post.body.error.code).toBe('PING_EXPIRED');
    expect(a.posts).toHaveLength(0);
  });

  it('no buyer bidding is NO_BID; bids under the floor do not count', async () => {
    const a = await buyer(() => ({ body: { bid: 0.99 } }));
    const b = await buyer(() => ({ raw: 'not json' }));
    const c = await buyer(() => ({ status: 503, body: {} }));
    const g = await exchange(testConfig([{ id: 'a', url: a.url }, { id: 'b', url: b.url }, { id: 'c', url: c.url }]));
    const ping = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) });
    expect(ping.body).toMatchObject({ status: 'no_bid', reason: 'NO_BID' });
    const metrics = await (await fetch(`http://127.0.0.1:${g.operatorPort}/metrics`)).text();
    expect(metrics).toMatch(/gavel_buyer_passes_total\{buyer="a",kind="BELOW_FLOOR"\} 1/);
    expect(metrics).toMatch(/gavel_buyer_passes_total\{buyer="b",kind="BAD_REPLY"\} 1/);
    expect(metrics).toMatch(/gavel_buyer_passes_total\{buyer="c",kind="HTTP_ERROR"\} 1/);
  });

  it('whatever buyers answer, the auction settles and the process lives', async () => {
    const huge = await buyer(() => ({ raw: `{"bid": 99, "pad": "${'x'.repeat(200_000)}"}` }));
    const array = await buyer(() => ({ body: [{ bid: 50 }] }));
    const stringy = await buyer(() => ({ body: { bid: '50' } }));
    const negative = await buyer(() => ({ body: { bid: -5 } }));
    const good = await buyer(() => ({ body: { bid: 2 } }), () => ({ raw: '{"accepted": "yes"}' }));
    const g = await exchange(
      testConfig([
        { id: 'huge', url: huge.url },
        { id: 'array', url: array.url },
        { id: 'stringy', url: stringy.url },
        { id: 'negative', url: negative.url },
        { id: 'good', url: good.url },
      ]),
    );
    const lead = fullLead();
    const ping = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(lead) });
    expect(ping.body).toMatchObject({ status: 'bid', bids: 1, price: 1.6 });
    // a 2xx post reply that is not the protocol is never a sale, and leaves the lead possibly the buyer's (README: Posts whose outcome is unknown)
    const post = await call(g.port, '/v1/post', { ping_id: ping.body.ping_id, lead });
    expect(post.body).toMatchObject({ status: 'rejected', reason: 'POST_UNCONFIRMED' });
    expect(post.body.message).toContain('BAD_REPLY');
    const metrics = await (await fetch(`http://127.0.0.1:${g.operatorPort}/metrics`)).text();
    for (const b of ['array', 'stringy', 'negative']) expect(metrics).toMatch(new RegExp(`gavel_buyer_passes_total\\{buyer="${b}",kind="BAD_REPLY"\\} 1`));
    expect(metrics).toMatch(/gavel_buyer_passes_total\{buyer="huge",kind="BAD_REPLY"\} 1/);
  });

  it('runs the same on the embedded memory store', async () => {
    const a = await buyer(() => ({ body: { bid: 6 } }));
    const g = await exchange(testConfig([{ id: 'a', url: a.url, caps: { daily: 2 } }]), 'memory');
    expect(g.store.kind).toBe('memory');
    const lead = fullLead();
    const ping = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(lead) });
    expect(ping.body).toMatchObject({ status: 'bid', price: 4.8 });
    expect((await call(g.port, '/v1/post', { ping_id: ping.body.ping_id, lead })).body.status).toBe('sold');
    expect((await call(g.port, '/v1/leads', { campaign: 'auto', lead })).body.reason).toBe('DUPLICATE');
    expect((await call(g.port, '/v1/leads', { campaign: 'auto', lead: fullLead() })).body.status).toBe('sold');
    expect((await call(g.port, '/v1/leads', { campaign: 'auto', lead: fullLead() })).body.reason).toBe('NO_ELIGIBLE_BUYER');
  });
});
