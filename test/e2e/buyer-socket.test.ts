import { afterEach, describe, expect, it } from 'vitest';
import { unpack } from 'msgpackr';
import WebSocket from 'ws';
import type { Gavel } from '../../src/gavel.js';
import { startBuyer, type TestBuyer } from '../support/buyer-server.js';
import { socketBuyer as connectSocketBuyer, type Msg } from '../support/socket-buyer.js';
import { call, fullLead, pingLead, startExchange, stopExchange, testConfig } from '../support/exchange.js';

const BUYER_KEY = 'ws-buyer-key-0123456789';
const open: { close(): Promise<void> | void }[] = [];
let g: Gavel | undefined;
afterEach(async () => {
  if (g) await stopExchange(g);
  g = undefined;
  for (const o of open.splice(0)) await o.close();
});

/** A buyer on the socket, closed after the test. */
async function socketBuyer(port: number, answer: (m: Msg) => Msg | null, delayMs = 0): Promise<{ ws: WebSocket; seen: Msg[] }> {
  const b = await connectSocketBuyer(port, BUYER_KEY, answer, delayMs);
  open.push({ close: () => b.ws.close() });
  return b;
}

async function exchangeWith(http: TestBuyer) {
  const config = testConfig([{ id: 'http', url: http.url }]);
  config.buyers.push({ id: 'sock', campaigns: ['auto'], transport: 'websocket', key: BUYER_KEY, timeout_ms: 100, post_timeout_ms: 500 });
  g = await startExchange(config);
  return g;
}

describe('the buyer socket /v1/bidders/ws', () => {
  it('HTTP and socket buyers bid in one auction; the socket buyer wins and accepts the post', async () => {
    const http = await startBuyer(() => ({ body: { bid: 5 } }));
    open.push(http);
    const gv = await exchangeWith(http);
    const sock = await socketBuyer(gv.port, (m) => (m.type === 'ping' ? { type: 'bid', bid: 9, bid_id: 's-1' } : { type: 'accept', redirect_url: 'https://sock.example/r' }));
    const lead = fullLead();
    const ping = await call(gv.port, '/v1/ping', { campaign: 'auto', lead: pingLead(lead) });
    expect(ping.body).toMatchObject({ status: 'bid', price: 7.2, bids: 2 });
    const pingMsg = sock.seen.find((m) => m.type === 'ping')!;
    expect(pingMsg).toMatchObject({ campaign: 'auto', lead: pingLead(lead), test: false });
    expect(pingMsg.tmax_ms).toBeLessThanOrEqual(100);
    const post = await call(gv.port, '/v1/post', { ping_id: ping.body.ping_id, lead });
    expect(post.body).toMatchObject({ status: 'sold', price: 7.2, redirect_url: 'https://sock.example/r' });
    expect(sock.seen.find((m) => m.type === 'post')).toMatchObject({ bid_id: 's-1', price: 9, lead: { phone: lead.phone } });
    expect(http.posts).toHaveLength(0);
  });

  it('one auction is one ping message for all its socket buyers: the same id and bytes, JSON or msgpack alike', async () => {
    const config = testConfig([]);
    const keys = ['ws-one-key-0123456789', 'ws-two-key-0123456789', 'ws-three-key-0123456789'];
    keys.forEach((key, i) => config.buyers.push({ id: `s${i}`, campaigns: ['auto'], transport: 'websocket', key, timeout_ms: 100 }));
    g = await startExchange(config);
    const raw: string[][] = keys.map(() => []);
    const sockets = await Promise.all(
      keys.map(async (key, i) => {
        const ws = new WebSocket(`ws://127.0.0.1:${g!.port}/v1/bidders/ws${i === 2 ? '?format=msgpack' : ''}`, { headers: { authorization: `Bearer ${key}` } });
        await new Promise((resolve, reject) => {
          ws.once('open', resolve);
          ws.once('error', reject);
        });
        ws.on('message', (data, isBinary) => {
          const m = isBinary ? (unpack(data as Buffer) as Msg) : (JSON.parse(data.toString()) as Msg);
          raw[i]!.push(isBinary ? JSON.stringify(m) : data.toString());
          ws.send(JSON.stringify({ id: m.id, type: 'bid', bid: 3 + i }));
        });
        open.push({ close: () => ws.close() });
        return ws;
      }),
    );
    expect(sockets).toHaveLength(3);
    for (let k = 0; k < 2; k++) expect((await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) })).body).toMatchObject({ status: 'bid', bids: 3 });
    // each auction: one id, one text for the JSON sockets, the same message decoded from msgpack
    for (let k = 0; k < 2; k++) {
      expect(raw[0]![k]).toBe(raw[1]![k]);
      expect(JSON.parse(raw[2]![k]!)).toEqual(JSON.parse(raw[0]![k]!));
    }
    expect(JSON.parse(raw[0]![0]!).id).not.toBe(JSON.parse(raw[0]![1]!).id);
  });

  it('a late socket answer is a pass, and a reject falls through to the HTTP buyer', async () => {
    const http = await startBuyer(() => ({ body: { bid: 5 } }));
    open.push(http);
    const gv = await exchangeWith(http);
    const slow = await socketBuyer(gv.port, (m) => (m.type === 'ping' ? { type: 'bid', bid: 9 } : null), 300);
    const late = await call(gv.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) });
    expect(late.body).toMatchObject({ status: 'bid', price: 4, bids: 1 });
    await new Promise((r) => setTimeout(r, 350)); // its answer arrives, late, and is dropped
    const metrics = await (await fetch(`http://127.0.0.1:${gv.operatorPort}/metrics`)).text();
    expect(metrics).toMatch(/gavel_buyer_late_answers_total\{buyer="sock"\} 1/);
    slow.ws.close();
    await new Promise((r) => slow.ws.once('close', r));
    await socketBuyer(gv.port, (m) => (m.type === 'ping' ? { type: 'bid', bid: 9 } : { type: 'reject', reason: 'not today' }));
    const sold = await call(gv.port, '/v1/leads', { campaign: 'auto', lead: fullLead() });
    expect(sold.body).toMatchObject({ status: 'sold', price: 4 });
    expect(http.posts).toHaveLength(1);
  });

  it('a socket that drops mid-auction is a pass at once; with no socket the buyer simply passes', async () => {
    const http = await startBuyer(() => ({ body: { bid: 5 } }));
    open.push(http);
    const gv = await exchangeWith(http);
    const sock = await socketBuyer(gv.port, () => null);
    sock.ws.on('message', () => sock.ws.terminate());
    const ping = await call(gv.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()), tmax_ms: 1000 });
    expect(ping.body).toMatchObject({ status: 'bid', price: 4, bids: 1 });
    expect(ping.ms).toBeLessThan(500);
    const none = await call(gv.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) });
    expect(none.body).toMatchObject({ status: 'bid', bids: 1 });
    const metrics = await (await fetch(`http://127.0.0.1:${gv.operatorPort}/metrics`)).text();
    expect(metrics).toMatch(/gavel_buyer_passes_total\{buyer="sock",kind="CONNECT_ERROR"\} 2/);
  });

  it('refuses an unknown buyer key before the upgrade', async () => {
    const http = await startBuyer(() => ({ body: { bid: 5 } }));
    open.push(http);
    const gv = await exchangeWith(http);
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${gv.port}/v1/bidders/ws`, { headers: { authorization: 'Bearer nope' } });
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('error', () => undefined);
    });
    expect(status).toBe(401);
  });
});
