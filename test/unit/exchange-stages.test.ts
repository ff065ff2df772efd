import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { admit, openRun } from '../../src/auction/admission.js';
import { auctionRound } from '../../src/auction/auction-round.js';
import { Exchange } from '../../src/auction/exchange.js';
import { holdWinner } from '../../src/auction/hold.js';
import { HttpBuyerTransport } from '../../src/buyers/http-transport.js';
import type { BuyerTransport } from '../../src/buyers/transport.js';
import { calendarWindow } from '../../src/core/calendar.js';
import type { PingEnvelope } from '../../src/protocol/seller-api.js';
import { startBuyer } from '../support/buyer-server.js';
import { counted, fullLead, partsOf, pingLead, runtimeOf, ScriptedBuyer, sellerOf, stageConfig, stagePartsOf, traceOf, type TestParts } from './stage-fixtures.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((x) => x.close()));
});

type BuyerConfig = { id: string } & Record<string, unknown>;
/** a buyer that asked to be told of leads it bid on and lost: the exchange works out who lost only then */
const LISTENS = { loss_notices: { url: 'http://127.0.0.1:9/lost', secret: 'loss-notice-secret-0123' } };

/** An exchange in this process, on the memory store, reaching each buyer through the transport given for it. */
function exchangeOf(buyers: [BuyerConfig, BuyerTransport][], campaign: Record<string, unknown> = {}) {
  const runtime = runtimeOf(stageConfig(buyers.map(([b]) => b), campaign));
  const parts = partsOf(runtime, new Map(buyers.map(([b, t]) => [b.id, t])));
  const exchange = new Exchange(parts);
  const seller = sellerOf(runtime);
  const env = (lead: Record<string, unknown>): PingEnvelope => ({ campaign: 'auto', lead, test: false });
  return {
    parts,
    ping: (lead: Record<string, unknown>) => exchange.ping(seller, env(pingLead(lead)), performance.now(), traceOf('ping')),
    post: (pingId: string, lead: Record<string, unknown>) => exchange.post(seller, { ping_id: pingId, lead }, performance.now(), traceOf('post', pingId)),
    direct: (lead: Record<string, unknown>) => exchange.directPost(seller, env(lead), performance.now(), traceOf('leads')),
  };
}

/** the buyer's calendar day in UTC, as its cap windows name it */
const today = () => calendarWindow('day', Date.now(), 'UTC', 1).id;
const usage = (parts: TestParts, buyer: string) => parts.store.usage(buyer, today(), Date.now());

describe('the exchange, stage by stage, in-process', () => {
  it('a ping is answered with the best bid paid out and held; its post sells it to that buyer and commits the hold', async () => {
    const a = new ScriptedBuyer(10);
    const b = new ScriptedBuyer(6);
    const x = exchangeOf([
      [{ id: 'a', caps: { daily: 5 } }, a],
      [{ id: 'b', ...LISTENS }, b],
    ]);
    const lead = fullLead();
    const bid = await x.ping(lead);
    expect(bid).toMatchObject({ status: 'bid', price: 8, bids: 2 }); // 10 less the campaign's 20% margin
    if (bid.status !== 'bid') throw new Error('no bid');
    // buyers are pinged with the ping fields alone, and told their time
    expect(a.pings[0]).toMatchObject({ ping_id: bid.ping_id, campaign: 'auto', test: false, lead: pingLead(lead) });
    expect(a.pings[0]!.tmax_ms).toBeLessThanOrEqual(100);
    expect(await usage(x.parts, 'a')).toMatchObject({ count: 0, heldCount: 1 });

    const sold = await x.post(bid.ping_id, lead);
    expect(sold).toEqual({ status: 'sold', lead_id: bid.ping_id, price: 8 });
    expect(a.posts).toHaveLength(1);
    expect(a.posts[0]).toMatchObject({ ping_id: bid.ping_id, bid_id: 'bid-1', price: 10, lead });
    expect(b.posts).toHaveLength(0);
    expect(await usage(x.parts, 'a')).toMatchObject({ count: 1, heldCount: 0 });
    expect(x.parts.lost).toEqual([{ leadId: bid.ping_id, lost: [{ buyer: 'b', bidMicros: 6_000_000, reason: 'OUTBID' }] }]);
    expect(await counted(x.parts.metrics.sales, { campaign: 'auto', outcome: 'sold' })).toBe(1);

    await expect(x.post(bid.ping_id, lead)).rejects.toMatchObject({ code: 'ALREADY_POSTED' });
    await expect(x.post('no-such-ping', lead)).rejects.toMatchObject({ code: 'PING_EXPIRED' });
  });

  it('a post whose lead is not the one pinged is PING_MISMATCH, and the ping can still be posted', async () => {
    const x = exchangeOf([[{ id: 'a' }, new ScriptedBuyer(5)]]);
    const lead = fullLead();
    const bid = await x.ping(lead);
    if (bid.status !== 'bid') throw new Error('no bid');
    await expect(x.post(bid.ping_id, { ...lead, zip: '10001' })).rejects.toMatchObject({ code: 'PING_MISMATCH' });
    expect(await x.post(bid.ping_id, lead)).toMatchObject({ status: 'sold', price: 4 });
  });

  it('a direct post falls through a rejected post to the next bidder', async () => {
    const a = new ScriptedBuyer(12, false);
    const b = new ScriptedBuyer(10);
    const x = exchangeOf([
      [{ id: 'a', ...LISTENS }, a],
      [{ id: 'b' }, b],
    ]);
    const answer = await x.direct(fullLead());
    expect(answer).toMatchObject({ status: 'sold', price: 8 });
    expect([a.posts.length, b.posts.length]).toEqual([1, 1]);
    expect(x.parts.lost[0]!.lost).toEqual([{ buyer: 'a', bidMicros: 12_000_000, reason: 'POST_REJECTED' }]);
  });

  it('a direct post no buyer accepts is rejected with the last refusal', async () => {
    const x = exchangeOf([[{ id: 'a', ...LISTENS }, new ScriptedBuyer(12, false)]]);
    expect(await x.direct(fullLead())).toMatchObject({ status: 'rejected', reason: 'POST_REJECTED', message: 'NOT_INTERESTED' });
    expect(x.parts.lost[0]!.lost).toEqual([{ buyer: 'a', bidMicros: 12_000_000, reason: 'POST_REJECTED' }]);
  });

  it('who lost is worked out only when a buyer of the lead\'s version asked for loss notices', async () => {
    const x = exchangeOf([[{ id: 'a' }, new ScriptedBuyer(12, false)]]);
    expect(await x.direct(fullLead())).toMatchObject({ status: 'rejected', reason: 'POST_REJECTED' });
    expect(x.parts.lost).toEqual([]);
  });

  it('no buyer left after eligibility is NO_ELIGIBLE_BUYER; every buyer passing is NO_BID', async () => {
    const passes = exchangeOf([[{ id: 'a' }, new ScriptedBuyer('pass')]]);
    expect(await passes.ping(fullLead())).toMatchObject({ status: 'no_bid', reason: 'NO_BID' });
    expect(await passes.direct(fullLead())).toMatchObject({ status: 'rejected', reason: 'NO_BID' });
    const nobody = exchangeOf([[{ id: 'a', filters: { field: 'state', equals: 'NY' } }, new ScriptedBuyer(5)]]);
    expect(await nobody.ping(fullLead())).toMatchObject({ status: 'no_bid', reason: 'NO_ELIGIBLE_BUYER' });
    expect(await nobody.direct(fullLead())).toMatchObject({ status: 'rejected', reason: 'NO_ELIGIBLE_BUYER' });
    // a bid under the floor does not rank
    const low = exchangeOf([[{ id: 'a' }, new ScriptedBuyer(0.5)]]);
    expect(await low.ping(fullLead())).toMatchObject({ status: 'no_bid', reason: 'NO_BID' });
  });

  it('a post of a lead sold meanwhile by a direct post is a DUPLICATE, and gives its ping’s hold back', async () => {
    const x = exchangeOf([[{ id: 'a', caps: { daily: 5 } }, new ScriptedBuyer(5)]]);
    const lead = fullLead();
    const bid = await x.ping(lead);
    if (bid.status !== 'bid') throw new Error('no bid');
    expect(await x.direct(lead)).toMatchObject({ status: 'sold' });
    expect(await x.post(bid.ping_id, lead)).toEqual({ status: 'rejected', lead_id: bid.ping_id, reason: 'DUPLICATE' });
    expect(await usage(x.parts, 'a')).toMatchObject({ count: 1, heldCount: 0 });
    expect(await counted(x.parts.metrics.sales, { campaign: 'auto', outcome: 'duplicate' })).toBe(1);
  });

  it('the stages read the configuration from the run, not from what the exchange was built with', async () => {
    const buyer = new ScriptedBuyer(10);
    const built = runtimeOf(stageConfig([{ id: 'a' }]));
    const parts = stagePartsOf(partsOf(built, new Map([['a', buyer]])));
    // a later configuration: another margin, a floor over the bid
    const later = runtimeOf(stageConfig([{ id: 'a' }], { margin: 0.5 }));
    const higher = runtimeOf(stageConfig([{ id: 'a' }], { floor: 20 }));
    const answer = async (runtime: typeof built) => {
      const run = openRun(runtime, sellerOf(runtime), 'ping', { campaign: 'auto', lead: pingLead(fullLead()), test: false }, performance.now(), traceOf('ping'));
      expect(await admit(run, parts)).toBe('ok');
      expect(await auctionRound(run, parts)).toBe(1);
      return run.bids.length === 0 ? 'no bid' : await holdWinner(run, parts);
    };
    expect(await answer(built)).toMatchObject({ status: 'bid', price: 8 });
    expect(await answer(later)).toMatchObject({ status: 'bid', price: 5 });
    expect(await answer(higher)).toBe('no bid');
  });

  it('a buyer on a real HTTP server is pinged and posted to through its transport', async () => {
    const server = await startBuyer(
      () => ({ body: { bid: 7.5, bid_id: 'http-1' } }),
      (call) => ({ body: { accepted: true, redirect_url: `https://buyer.example/thanks?p=${String(call.body.ping_id)}` } }),
    );
    open.push(server);
    const transport = new HttpBuyerTransport({ pingUrl: `${server.url}/ping`, postUrl: `${server.url}/post`, connections: 2, headers: {} });
    open.push(transport);
    // deadlines generous: this is about the transport's wiring, and a first call opens its
    // connection, which a machine with both cores busy can hold past a 100 ms buyer timeout
    const x = exchangeOf([[{ id: 'h', ping_url: `${server.url}/ping`, post_url: `${server.url}/post`, timeout_ms: 2000 }, transport]], { tmax_ms: 3000, max_tmax_ms: 3000 });
    const lead = fullLead();
    const bid = await x.ping(lead);
    expect(bid).toMatchObject({ status: 'bid', price: 6 });
    if (bid.status !== 'bid') throw new Error('no bid');
    expect(await x.post(bid.ping_id, lead)).toEqual({ status: 'sold', lead_id: bid.ping_id, price: 6, redirect_url: `https://buyer.example/thanks?p=${bid.ping_id}` });
    expect(server.pings[0]!.body).toMatchObject({ ping_id: bid.ping_id, lead: pingLead(lead) });
    expect(server.posts[0]!.body).toMatchObject({ ping_id: bid.ping_id, bid_id: 'http-1', price: 7.5, lead });
  });
});
