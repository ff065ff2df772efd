import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parseConfig } from '../../src/config/load-config.js';
import type { ConfigInput } from '../../src/config/schema.js';
import type { Gavel } from '../../src/gavel.js';
import { SwapRefused } from '../../src/live-buyers.js';
import { startBuyer, type Handler, type TestBuyer } from '../support/buyer-server.js';
import { socketBuyer } from '../support/socket-buyer.js';
import { ADMIN_KEY, call, fullLead, metricsOf, pingLead, readTrace, SELLER_KEY, startExchange, stopExchange, testConfig } from '../support/exchange.js';
import { stopAfterEach } from '../support/stop-after.js';

const stops = stopAfterEach();
async function buyer(onPing: Handler, onPost?: Handler): Promise<TestBuyer> {
  const b = await startBuyer(onPing, onPost);
  stops.push(() => b.close());
  return b;
}
async function exchange(config: ConfigInput): Promise<Gavel> {
  const g = await startExchange(config);
  stops.push(() => stopExchange(g));
  return g;
}
/** the next version: the same Redis prefix as the running one, so store state carries over */
function next(g: Gavel, config: ConfigInput): ConfigInput {
  return { ...config, redis: { url: g.runtime.data.redis!.url, prefix: g.runtime.data.redis!.prefix } };
}
async function ready(g: Gavel): Promise<{ config_version: number }> {
  const res = await fetch(`http://127.0.0.1:${g.port}/ready`);
  return (await res.json()) as { config_version: number };
}

describe('a configuration swapped live while auctions run (real ports, real Redis)', () => {
  it('a ping in flight at the swap answers on its version; the next lead runs on the new one', async () => {
    let arrived: () => void = () => {};
    const pinged = new Promise<void>((r) => (arrived = r));
    const a = await buyer(() => {
      arrived();
      return { body: { bid: 7 }, delayMs: 60 };
    });
    const b = await buyer(() => ({ body: { bid: 9 } }));
    const g = await exchange(testConfig([{ id: 'a', url: a.url }]));
    expect((await ready(g)).config_version).toBe(1);

    const first = call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) });
    await pinged; // buyer a holds the ping while the version changes under it
    const v = await g.reload(parseConfig(next(g, testConfig([{ id: 'b', url: b.url }]))));
    expect(v.version).toBe(2);
    const answer = await first;
    expect(answer.body).toMatchObject({ status: 'bid', price: 5.6 }); // a's 7 less the 20% margin: version 1's buyer
    expect(b.pings).toHaveLength(0);

    const second = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) });
    expect(second.body).toMatchObject({ status: 'bid', price: 7.2 }); // b, added by the swap: its transport and guard exist
    expect(b.pings).toHaveLength(1);
    expect(a.pings).toHaveLength(1);
    expect((await ready(g)).config_version).toBe(2);
    expect(await metricsOf(g)).toMatch(/^gavel_config_version 2$/m);
  });

  it('a seller key added by a swap works at once and one it removed is refused', async () => {
    const a = await buyer(() => ({ body: { bid: 4 } }));
    const base = testConfig([{ id: 'a', url: a.url }]);
    const g = await exchange(base);
    const newKey = 'seller-key-new-0123456789';
    await g.reload(parseConfig(next(g, { ...base, sellers: [{ id: 'pub2', api_key: newKey }] })));
    const withNew = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) }, { authorization: `Bearer ${newKey}` });
    expect(withNew.status).toBe(200);
    expect(withNew.body.status).toBe('bid');
    const withOld = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) }, { authorization: `Bearer ${SELLER_KEY}` });
    expect(withOld.status).toBe(401);
    expect(withOld.body.error.code).toBe('UNAUTHORIZED');
  });

  it('a post of a ping taken before a swap that removed its winner falls through to the next bid, sold once', async () => {
    const a = await buyer(() => ({ body: { bid: 10 } }));
    const b = await buyer(() => ({ body: { bid: 5 } }));
    const base = testConfig([{ id: 'a', url: a.url }, { id: 'b', url: b.url }]);
    const g = await exchange(base);
    const lead = fullLead();
    const ping = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(lead) });
    expect(ping.body).toMatchObject({ status: 'bid', bids: 2 });

    await g.reload(parseConfig(next(g, testConfig([{ id: 'b', url: b.url }]))));
    const post = await call(g.port, '/v1/post', { ping_id: ping.body.ping_id, lead });
    expect(post.body).toMatchObject({ status: 'sold', lead_id: ping.body.ping_id });
    expect(a.posts).toHaveLength(0);
    expect(b.posts).toHaveLength(1);
    const again = await call(g.port, '/v1/post', { ping_id: ping.body.ping_id, lead });
    expect(again.body.error.code).toBe('ALREADY_POSTED');
    expect(b.posts).toHaveLength(1);

    // the trace says why the winner was skipped
    let trace = await readTrace(g, ping.body.ping_id, ADMIN_KEY);
    for (let i = 0; i < 20 && !JSON.stringify(trace.body).includes('BUYER_WITHDRAWN'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      trace = await readTrace(g, ping.body.ping_id, ADMIN_KEY);
    }
    expect(JSON.stringify(trace.body)).toContain('BUYER_WITHDRAWN');
  });

  it('a buyer paused by a swap is skipped at the post of a ping it won', async () => {
    const a = await buyer(() => ({ body: { bid: 10 } }));
    const b = await buyer(() => ({ body: { bid: 5 } }));
    const base = testConfig([{ id: 'a', url: a.url }, { id: 'b', url: b.url }]);
    const g = await exchange(base);
    const lead = fullLead();
    const ping = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(lead) });
    const paused = { ...base, buyers: base.buyers!.map((x) => (x.id === 'a' ? { ...x, active: false } : x)) };
    await g.reload(parseConfig(next(g, paused)));
    const post = await call(g.port, '/v1/post', { ping_id: ping.body.ping_id, lead });
    expect(post.body.status).toBe('sold');
    expect(a.posts).toHaveLength(0);
    expect(b.posts).toHaveLength(1);
    // and a paused buyer is not pinged by the next lead
    await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) });
    expect(a.pings).toHaveLength(1);
    expect(b.pings).toHaveLength(2);
  });

  it('a version that needs a restart is refused with nothing changed', async () => {
    const a = await buyer(() => ({ body: { bid: 4 } }));
    const base = testConfig([{ id: 'a', url: a.url }]);
    const g = await exchange(base);
    await expect(g.reload(parseConfig(next(g, { ...base, server: { drain_timeout_ms: 1234 } })))).rejects.toThrow(/without a restart: server/);
    await expect(g.reload(parseConfig(next(g, { ...base, server: { drain_timeout_ms: 1234 } })))).rejects.toBeInstanceOf(SwapRefused);
    expect(g.live.current().version).toBe(1);
    expect((await ready(g)).config_version).toBe(1);
  });

  it('a seller socket follows the swap: its seller of the new version, and its session ended when its key is revoked', async () => {
    const a = await buyer(() => ({ body: { bid: 4 } }));
    const base = testConfig([{ id: 'a', url: a.url }]);
    const g = await exchange(base);
    const ws = new WebSocket(`ws://127.0.0.1:${g.port}/v1/ws`, { headers: { authorization: `Bearer ${SELLER_KEY}` } });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const messages: any[] = [];
    let closeCode = 0;
    const closed = new Promise<void>((r) => ws.once('close', (code) => ((closeCode = code), r())));
    const nextMessage = () => new Promise<any>((r) => ws.once('message', (d) => r(JSON.parse(d.toString()))));
    let answer = nextMessage();
    ws.send(JSON.stringify({ type: 'ping', id: 1, campaign: 'auto', lead: pingLead(fullLead()) }));
    messages.push(await answer);
    expect(messages[0]).toMatchObject({ type: 'ping', id: 1, status: 'bid', price: 3.2 });

    // the same seller, now with a floor of its own above every bid: the socket sees it at once
    await g.reload(parseConfig(next(g, { ...base, sellers: [{ id: 'pub1', api_key: SELLER_KEY, floor: 5 }] })));
    answer = nextMessage();
    ws.send(JSON.stringify({ type: 'ping', id: 2, campaign: 'auto', lead: pingLead(fullLead()) }));
    expect(await answer).toMatchObject({ type: 'ping', id: 2, status: 'no_bid' });

    await g.reload(parseConfig(next(g, { ...base, sellers: [{ id: 'pub2', api_key: 'seller-key-other-0123456789' }] })));
    answer = nextMessage();
    ws.send(JSON.stringify({ type: 'ping', id: 3, campaign: 'auto', lead: pingLead(fullLead()) }));
    expect(await answer).toMatchObject({ type: 'error', error: { code: 'UNAUTHORIZED' } });
    await closed;
    expect(closeCode).toBe(1008);
  });

  it('a process with no secret configured keeps the one it made up across swaps', async () => {
    const a = await buyer(() => ({ body: { bid: 4 } }));
    const { secret: _none, ...base } = testConfig([{ id: 'a', url: a.url }]);
    const g = await startExchange(base, 'memory');
    stops.push(() => stopExchange(g));
    const secret = g.live.current().runtime.secret;
    const b = await buyer(() => ({ body: { bid: 6 } }));
    await g.reload(parseConfig({ ...base, redis: undefined, buyers: [...base.buyers!, ...testConfig([{ id: 'b', url: b.url }]).buyers!] }));
    expect((await g.reload(parseConfig({ ...base, redis: undefined }))).version).toBe(3);
    expect(g.live.current().runtime.secret).toBe(secret);
    const ping = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) });
    expect(ping.body).toMatchObject({ status: 'bid', price: 3.2 });
  });

  it('a socket buyer keeps its open session across a swap that changes it; one added by a swap connects and bids', async () => {
    const base = testConfig([]);
    const sock = { id: 'sock', campaigns: ['auto'], transport: 'websocket' as const, key: 'ws-buyer-key-0123456789', timeout_ms: 100 };
    const g = await exchange({ ...base, buyers: [sock] });
    const first = await socketBuyer(g.port, sock.key, (m) => (m.type === 'ping' ? { type: 'bid', bid: 5 } : { type: 'accept' }));
    stops.push(() => first.ws.close());
    expect((await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) })).body).toMatchObject({ status: 'bid', price: 4 });

    const added = { id: 'sock2', campaigns: ['auto'], transport: 'websocket' as const, key: 'ws-buyer-key-second-0123456789', timeout_ms: 100 };
    // the buyer's own settings change (another campaign, a longer timeout): its session is the buyer's, not the version's
    const home = { ...base.campaigns![0]!, id: 'home' };
    await g.reload(parseConfig(next(g, { ...base, campaigns: [...base.campaigns!, home], buyers: [{ ...sock, campaigns: ['auto', 'home'], timeout_ms: 120 }, added] })));
    const second = await socketBuyer(g.port, added.key, (m) => (m.type === 'ping' ? { type: 'bid', bid: 8 } : { type: 'accept' }));
    stops.push(() => second.ws.close());
    const ping = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) });
    expect(ping.body).toMatchObject({ status: 'bid', price: 6.4, bids: 2 }); // both sockets bid: the first one's session outlived the swap
    expect(first.seen.filter((m) => m.type === 'ping')).toHaveLength(2);
    expect(second.seen.filter((m) => m.type === 'ping')).toHaveLength(1);
  });

  it('a campaign\'s scoring changed live: new leads score on the new models, a lead running at the swap keeps its version\'s, the buyer\'s caps and connection go on', async () => {
    let arrived: () => void = () => {};
    const pinged = new Promise<void>((r) => (arrived = r));
    let slow = false;
    const a = await buyer(() => {
      arrived();
      return { body: { bid: 10 }, delayMs: slow ? 60 : 0 };
    });
    // 20 points for age 30–50, 20 for CA: a 40-year-old Californian is an A
    const base = testConfig([{ id: 'a', url: a.url, caps: { daily: 3 } }], { scoring: { rules: [{ field: 'age', min: 30, max: 50, points: 20 }, { field: 'state', equals: 'CA', points: 20 }] } });
    const g = await exchange(base);
    expect((await call(g.port, '/v1/leads', { campaign: 'auto', lead: fullLead({ age: 40, state: 'CA' }) })).body).toMatchObject({ status: 'sold' });
    expect(a.posts[0]!.body).toMatchObject({ score: 1, grade: 'A' });

    // a ping runs while the version changes under it; its post comes after the swap
    slow = true;
    const lead = fullLead({ age: 40, state: 'CA' });
    const running = call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(lead) });
    await pinged;
    // now the age points go to 18–25: the same Californian is half the points, a B
    const rescored = { ...base, campaigns: [{ ...base.campaigns![0]!, scoring: { rules: [{ field: 'age', min: 18, max: 25, points: 20 }, { field: 'state', equals: 'CA', points: 20 }] } }] };
    expect((await g.reload(parseConfig(next(g, rescored)))).version).toBe(2);
    slow = false;
    const ping = await running;
    expect(ping.body.status).toBe('bid');
    expect((await call(g.port, '/v1/post', { ping_id: ping.body.ping_id, lead })).body).toMatchObject({ status: 'sold' });
    expect(a.posts[1]!.body).toMatchObject({ score: 1, grade: 'A' }); // scored on version 1's models

    expect((await call(g.port, '/v1/leads', { campaign: 'auto', lead: fullLead({ age: 40, state: 'CA' }) })).body).toMatchObject({ status: 'sold' });
    expect(a.posts[2]!.body).toMatchObject({ score: 0.5, grade: 'B' }); // version 2's models
    // what is the buyer's and not the version's went on: its daily cap counted all three sales, over the
    // same connections (the 4 ping connections opened at start, one its posts take: a swap that rebuilt them would open more)
    expect((await call(g.port, '/v1/leads', { campaign: 'auto', lead: fullLead() })).body).toMatchObject({ status: 'rejected', reason: 'NO_ELIGIBLE_BUYER' });
    expect(a.pings).toHaveLength(3); // left out at eligibility by its cap, not pinged
    expect(a.connections).toBe(5);
  });

  it('rank_by changed live to expected value, with buyers new to the campaign: each ranked on what the store knows of it, a new one on the prior', async () => {
    const flaky = await buyer(() => ({ body: { bid: 10 } }), () => ({ body: { accepted: false, reason: 'not today' } }));
    const steady = await buyer(() => ({ body: { bid: 8 } }));
    const fresh = await buyer(() => ({ body: { bid: 7.5 } }));
    const base = { ...testConfig([{ id: 'flaky', url: flaky.url }]), accept_rate: { prior: 0.8, prior_weight: 5 } };
    const g = await exchange(base);
    // ranked by bid, flaky is posted and rejects twice: what it learns is kept by the store whatever the ranking
    for (let i = 0; i < 2; i++) expect((await call(g.port, '/v1/leads', { campaign: 'auto', lead: fullLead() })).body).toMatchObject({ status: 'rejected', reason: 'POST_REJECTED' });
    // another process has seen steady reject ten posts: in the one store, not in this process's table
    const halfLife = g.runtime.acceptRate.halfLifeMs;
    for (let i = 0; i < 10; i++) await g.store.recordPostOutcome('steady', ['*'], 'rejected', Date.now(), halfLife);

    const three = testConfig([{ id: 'flaky', url: flaky.url }, { id: 'steady', url: steady.url }, { id: 'fresh', url: fresh.url }], { rank_by: 'expected_value' });
    await g.reload(parseConfig(next(g, { ...three, accept_rate: base.accept_rate })));
    // flaky 10 × (0 + 5 × 0.8) / (2 + 5) ≈ 5.7; steady 8 × 4 / 15 ≈ 2.1; fresh, with no posts, 7.5 × the prior 0.8 = 6:
    // fresh first (its bid less the 20% margin, 6). Ranked by bid it would be flaky (8); steady untracked would be 8 × 0.8 = 6.4 (5.12)
    let answer = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) });
    for (let i = 0; i < 20 && answer.body.price !== 6; i++) {
      await new Promise((r) => setTimeout(r, 50)); // the store's records of the newly tracked buyers, read at the swap
      answer = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) });
    }
    expect(answer.body).toMatchObject({ status: 'bid', price: 6, bids: 3 });
    expect(flaky.pings.length).toBeGreaterThanOrEqual(3);
  });

  it('loss notices asked for by a buyer after start: losers are worked out from the swap on, and only then', async () => {
    const notices = await buyer(() => ({ body: {} }), () => ({ body: {} }));
    const a = await buyer(() => ({ body: { bid: 10 } }));
    const b = await buyer(() => ({ body: { bid: 6 } }));
    const base = { ...testConfig([{ id: 'a', url: a.url }, { id: 'b', url: b.url }]), ledger: { poll_ms: 20 } };
    const g = await exchange(base);
    const before = await call(g.port, '/v1/leads', { campaign: 'auto', lead: fullLead() });
    expect(before.body).toMatchObject({ status: 'sold', price: 8 });

    const listening = { ...base, buyers: base.buyers!.map((x) => (x.id === 'b' ? { ...x, loss_notices: { url: `${notices.url}/lost`, secret: 'loss-notice-secret-0123456789' } } : x)) };
    await g.reload(parseConfig(next(g, listening)));
    const after = await call(g.port, '/v1/leads', { campaign: 'auto', lead: fullLead() });
    expect(after.body).toMatchObject({ status: 'sold', price: 8 });
    for (let i = 0; i < 50 && notices.posts.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100)); // a notice of the first lead, were there one, would be as quick
    expect(notices.posts.map((p) => p.body)).toEqual([
      { event_id: `lead.lost:${after.body.lead_id}`, type: 'lead.lost', lead_id: after.body.lead_id, reason: 'OUTBID', bid: 6, clearing_price: 10, test: false, at: expect.any(String) },
    ]);
    // b's pool is b's, not the version's: the swap did not reconnect it (its 4 ping connections are those opened at start)
    expect(b.connections).toBe(4);
  });
});
