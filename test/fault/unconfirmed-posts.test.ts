import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Gavel } from '../../src/gavel.js';
import { startBuyer, type Reply, type TestBuyer } from '../support/buyer-server.js';
import { socketBuyer as connectSocketBuyer, type Msg } from '../support/socket-buyer.js';
import { call, fullLead, pingLead, readTrace, startExchange, stopExchange, testConfig } from '../support/exchange.js';

/**
 * Never sold twice: a post whose outcome is unknown once the buyer may hold the full lead
 * (no answer in time, the connection lost after the request left, a 2xx that cannot be read)
 * ends the lead's way, on both transports; a post that never left falls through as a reject does.
 */
const BUYER_KEY = 'ws-unconfirmed-key-0123456789';
const open: { close(): Promise<void> | void }[] = [];
let g: Gavel | undefined;
afterEach(async () => {
  if (g) await stopExchange(g);
  g = undefined;
  for (const o of open.splice(0)) await o.close();
});

/** a socket buyer that answers with `answer` (null: nothing), closed after the test */
async function socketBuyer(port: number, answer: (m: Msg, ws: WebSocket) => Msg | null): Promise<Msg[]> {
  let ws: WebSocket | undefined;
  const b = await connectSocketBuyer(port, BUYER_KEY, (m) => answer(m, ws!));
  ws = b.ws;
  open.push({ close: () => b.ws.close() });
  return b.seen;
}

/** an HTTP buyer that bids `bid` and answers posts with `onPost` */
async function httpBuyer(bid: number, onPost: () => Reply): Promise<TestBuyer> {
  const b = await startBuyer(() => ({ body: { bid } }), onPost);
  open.push(b);
  return b;
}

/** ping then post `n` leads one after the other; the post answers */
async function pingAndPost(port: number, n: number): Promise<Msg[]> {
  const answers: Msg[] = [];
  for (let i = 0; i < n; i++) {
    const lead = fullLead();
    const ping = await call(port, '/v1/ping', { campaign: 'auto', lead: pingLead(lead) });
    expect(ping.body.status).toBe('bid');
    answers.push((await call(port, '/v1/post', { ping_id: ping.body.ping_id, lead })).body);
  }
  return answers;
}

describe('a post whose outcome is unknown goes to no other buyer', () => {
  it('a socket buyer that never answers its posts: every lead is TIMEOUT, none sold on to the HTTP buyer', async () => {
    const fallback = await httpBuyer(5, () => ({ body: { accepted: true } }));
    const config = testConfig([{ id: 'http', url: fallback.url }]);
    // 25 ms: the budget at which timer and clock disagreed most often (4 to 13 of 24 sold twice)
    config.buyers.push({ id: 'sock', campaigns: ['auto'], transport: 'websocket', key: BUYER_KEY, timeout_ms: 100, post_timeout_ms: 25 });
    g = await startExchange(config);
    const seen = await socketBuyer(g.port, (m) => (m.type === 'ping' ? { type: 'bid', bid: 20 } : null));
    const answers = await pingAndPost(g.port, 24);
    expect(seen.filter((m) => m.type === 'post')).toHaveLength(24);
    expect(fallback.posts).toHaveLength(0);
    for (const a of answers) expect(a).toMatchObject({ status: 'rejected', reason: 'TIMEOUT' });
    const trace = await readTrace(g, answers[0]!.lead_id);
    const posts = trace.body.segments.flatMap((s: Msg) => s.posts);
    expect(posts).toEqual([expect.objectContaining({ buyer: 'sock', accepted: false, reason: 'TIMEOUT', unconfirmed: true })]);
    const metrics = await (await fetch(`http://127.0.0.1:${g.operatorPort}/metrics`)).text();
    expect(metrics).toContain('gavel_posts_total{buyer="sock",result="timeout"} 24');
  });

  it('a socket buyer whose socket drops after the post reached it: POST_UNCONFIRMED, not sold on', async () => {
    const fallback = await httpBuyer(5, () => ({ body: { accepted: true } }));
    const config = testConfig([{ id: 'http', url: fallback.url }]);
    config.buyers.push({ id: 'sock', campaigns: ['auto'], transport: 'websocket', key: BUYER_KEY, timeout_ms: 100, post_timeout_ms: 2000 });
    g = await startExchange(config);
    const seen = await socketBuyer(g.port, (m, ws) => {
      if (m.type === 'ping') return { type: 'bid', bid: 20 };
      ws.terminate();
      return null;
    });
    const [answer] = await pingAndPost(g.port, 1);
    expect(seen.filter((m) => m.type === 'post')).toHaveLength(1);
    expect(answer).toMatchObject({ status: 'rejected', reason: 'POST_UNCONFIRMED' });
    expect(fallback.posts).toHaveLength(0);
  });

  it('a socket buyer that answers its post with something that is not the protocol: POST_UNCONFIRMED', async () => {
    const fallback = await httpBuyer(5, () => ({ body: { accepted: true } }));
    const config = testConfig([{ id: 'http', url: fallback.url }]);
    config.buyers.push({ id: 'sock', campaigns: ['auto'], transport: 'websocket', key: BUYER_KEY, timeout_ms: 100, post_timeout_ms: 2000 });
    g = await startExchange(config);
    await socketBuyer(g.port, (m) => (m.type === 'ping' ? { type: 'bid', bid: 20 } : { type: 'bid', bid: 1 }));
    const [answer] = await pingAndPost(g.port, 1);
    expect(answer).toMatchObject({ status: 'rejected', reason: 'POST_UNCONFIRMED' });
    expect(fallback.posts).toHaveLength(0);
  });

  const httpCases: [string, Reply, string][] = [
    ['resets the connection after reading the post', { destroy: true }, 'POST_UNCONFIRMED'],
    ['sends a 200 whose body is cut off', { cut: '{"accep' }, 'POST_UNCONFIRMED'],
    ['answers 200 with a body that is not the protocol', { raw: 'OK' }, 'POST_UNCONFIRMED'],
    ['does not answer within post_timeout_ms', { body: { accepted: true }, delayMs: 400 }, 'TIMEOUT'],
  ];
  for (const [what, reply, reason] of httpCases) {
    it(`an HTTP buyer that ${what}: ${reason}, the lead goes to no other buyer`, async () => {
      const first = await httpBuyer(20, () => reply);
      const fallback = await httpBuyer(5, () => ({ body: { accepted: true } }));
      const config = testConfig([
        { id: 'first', url: first.url },
        { id: 'second', url: fallback.url },
      ]);
      (config.buyers[0] as Record<string, unknown>).post_timeout_ms = 150;
      g = await startExchange(config);
      const [answer] = await pingAndPost(g.port, 1);
      expect(first.posts).toHaveLength(1);
      expect(answer).toMatchObject({ status: 'rejected', reason });
      expect(fallback.posts).toHaveLength(0);
    });
  }

  it('a post that never left (the buyer cannot be reached, its socket gone) falls through to the next bidder', async () => {
    const gone = await httpBuyer(20, () => ({ body: { accepted: true } }));
    const fallback = await httpBuyer(5, () => ({ body: { accepted: true } }));
    const config = testConfig([
      { id: 'gone', url: gone.url },
      { id: 'second', url: fallback.url },
    ]);
    g = await startExchange(config);
    const lead = fullLead();
    const ping = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(lead) });
    expect(ping.body).toMatchObject({ status: 'bid', price: 16 });
    // the winner goes away between ping and post: its connection is refused, nothing is written
    await gone.close();
    const post = await call(g.port, '/v1/post', { ping_id: ping.body.ping_id, lead });
    expect(post.body).toMatchObject({ status: 'sold', price: 4 });
    expect(fallback.posts).toHaveLength(1);
  });

  it('a clear reject (HTTP 4xx, or accepted: false) falls through to the next bidder', async () => {
    for (const reply of [{ body: { error: 'no' }, status: 422 }, { body: { accepted: false, reason: 'full' } }] as Reply[]) {
      const first = await httpBuyer(20, () => reply);
      const fallback = await httpBuyer(5, () => ({ body: { accepted: true } }));
      g = await startExchange(testConfig([
        { id: 'first', url: first.url },
        { id: 'second', url: fallback.url },
      ]));
      const [answer] = await pingAndPost(g.port, 1);
      expect(answer).toMatchObject({ status: 'sold', price: 4 });
      expect(fallback.posts).toHaveLength(1);
      await stopExchange(g);
      g = undefined;
    }
  });
});
