import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { pack, unpack } from 'msgpackr';
import type { Gavel } from '../../src/gavel.js';
import { startBuyer, type TestBuyer } from '../support/buyer-server.js';
import { fullLead, pingLead, readTrace, SELLER_KEY, startExchange, stopExchange, testConfig } from '../support/exchange.js';
import { rawResponses } from '../support/raw-http.js';
import { stopAfterEach } from '../support/stop-after.js';

/**
 * Pipelined requests answered in order: the pipelined listener (server.pipelined, on
 * Node's HTTP server) answers requests pipelined on one connection in the order they were sent,
 * even when the first is a sale still running when the others arrive; it refuses the same
 * framing the public listener refuses, with the same codes.
 */
const open = stopAfterEach();

async function exchange(b: TestBuyer): Promise<Gavel & { pipelinedPort: number }> {
  const base = testConfig([{ id: 'a', url: b.url }]);
  const config = { ...base, server: { ...base.server, pipelined: { host: '127.0.0.1', port: 0 } } };
  const g = await startExchange(config);
  open.push(() => stopExchange(g));
  if (g.pipelinedPort === undefined) throw new Error('server.pipelined was configured, yet Gavel reports no pipelined port');
  return g as Gavel & { pipelinedPort: number };
}

async function buyer(postDelayMs = 0): Promise<TestBuyer> {
  const b = await startBuyer(() => ({ body: { bid: 10 } }), () => ({ body: { accepted: true }, delayMs: postDelayMs }));
  open.push(() => b.close());
  return b;
}

function post(path: string, body: unknown, headers: Record<string, string> = {}): string {
  const text = JSON.stringify(body);
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return `POST ${path} HTTP/1.1\r\nHost: gavel\r\nAuthorization: Bearer ${SELLER_KEY}\r\nContent-Type: application/json\r\n${extra}Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`;
}
const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: gavel\r\n\r\n`;
const json = (r: { body: Buffer }) => JSON.parse(r.body.toString());

describe('the pipelined listener', () => {
  it('answers four pipelined requests in the order sent, the first a sale still running when the rest arrive', async () => {
    const b = await buyer(300);
    const g = await exchange(b);
    const sold = fullLead();
    const pinged = fullLead();
    const bytes = post('/v1/leads', { campaign: 'auto', lead: sold }) + get('/health') + post('/v1/ping', { campaign: 'auto', lead: pingLead(pinged) }) + get('/ready');
    const got = await rawResponses(g.pipelinedPort, Buffer.from(bytes), 4, 5000);
    expect(got.closed).toBe(false);
    expect(got.responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const [leads, health, ping, ready] = got.responses.map(json);
    expect(leads).toMatchObject({ status: 'sold', price: 8 });
    expect(health).toEqual({ status: 'ok' });
    expect(ping).toMatchObject({ status: 'bid' });
    expect(ready).toMatchObject({ ready: true, store: { kind: 'redis', ok: true } });
    // the sale is the one the seller was told of: one post, and its trace says sold
    expect(b.posts).toHaveLength(1);
    // traces are written in batches: read the seller's view until it is there
    let view = await readTrace(g, leads.lead_id, SELLER_KEY);
    for (let i = 0; i < 40 && view.status !== 200; i++) view = await new Promise((r) => setTimeout(r, 50)).then(() => readTrace(g, leads.lead_id, SELLER_KEY));
    expect(view.body).toMatchObject({ lead_id: leads.lead_id, result: { status: 'sold', price: 8 } });
  });

  it('keeps order when a later call finishes first, and runs each call once', async () => {
    const b = await buyer(250);
    const g = await exchange(b);
    // the direct post waits 250 ms for its buyer; the unknown-campaign ping behind it is answered at once, but after it
    const bytes = post('/v1/leads', { campaign: 'auto', lead: fullLead() }) + post('/v1/ping', { campaign: 'nope', lead: pingLead(fullLead()) });
    const got = await rawResponses(g.pipelinedPort, Buffer.from(bytes), 2, 5000);
    expect(got.responses.map((r) => [r.status, json(r).status ?? json(r).error.code])).toEqual([
      [200, 'sold'],
      [400, 'UNKNOWN_CAMPAIGN'],
    ]);
    expect(b.posts).toHaveLength(1);
  });

  it('speaks msgpack, honours Idempotency-Key, and codes every refusal as the public listener does', async () => {
    const b = await buyer();
    const g = await exchange(b);
    const lead = fullLead();
    const body = pack({ campaign: 'auto', lead });
    const msgpackRequest = Buffer.concat([
      Buffer.from(`POST /v1/leads HTTP/1.1\r\nHost: g\r\nAuthorization: Bearer ${SELLER_KEY}\r\nContent-Type: application/msgpack\r\nIdempotency-Key: mp-1\r\nContent-Length: ${body.length}\r\n\r\n`),
      body,
    ]);
    const first = await rawResponses(g.pipelinedPort, msgpackRequest, 1, 3000);
    expect(first.responses[0]!.headers.get('content-type')).toBe('application/msgpack');
    const answer = unpack(first.responses[0]!.body);
    expect(answer).toMatchObject({ status: 'sold' });
    const again = await rawResponses(g.pipelinedPort, msgpackRequest, 1, 3000);
    expect(unpack(again.responses[0]!.body)).toEqual(answer);
    expect(b.posts).toHaveLength(1);

    const refusals = post('/v1/leads', { campaign: 'auto', lead: fullLead() }, { Authorization: 'Bearer wrong' }).replace(`Authorization: Bearer ${SELLER_KEY}\r\n`, '') +
      post('/v1/ping', 'x').replace('application/json', 'text/plain') +
      post('/v1/ping', '{').replace(/Content-Length: \d+\r\n\r\n.*$/s, 'Content-Length: 1\r\n\r\n{') +
      get('/v1/ping') +
      get('/metrics');
    const got = await rawResponses(g.pipelinedPort, Buffer.from(refusals), 5, 3000);
    expect(got.responses.map((r) => [r.status, json(r).error.code])).toEqual([
      [401, 'UNAUTHORIZED'],
      [415, 'UNSUPPORTED_MEDIA_TYPE'],
      [400, 'MALFORMED_BODY'],
      [405, 'METHOD_NOT_ALLOWED'],
      [404, 'NOT_FOUND'],
    ]);
    // a body over server.max_body_bytes: 413, and the connection closed
    const big = JSON.stringify({ campaign: 'auto', lead: { zip: 'x'.repeat(70_000) } });
    const over = await rawResponses(g.pipelinedPort, Buffer.from(post('/v1/ping', JSON.parse(big))), 1, 3000);
    expect(over.responses.map((r) => [r.status, json(r).error.code])).toEqual([[413, 'BODY_TOO_LARGE']]);
    expect(over.responses[0]!.headers.get('connection')).toBe('close');
    expect(b.pings).toHaveLength(1);
  });

  const ping = JSON.stringify({ campaign: 'auto', lead: { zip: '90210', state: 'CA' } });
  const head = `POST /v1/ping HTTP/1.1\r\nHost: g\r\nAuthorization: Bearer ${SELLER_KEY}\r\nContent-Type: application/json\r\n`;
  const framings: [string, string, string][] = [
    ['two equal Content-Lengths', `Content-Length: ${ping.length}\r\nContent-Length: ${ping.length}\r\n\r\n${ping}`, 'INVALID_FRAMING'],
    ['two different Content-Lengths', `Content-Length: ${ping.length}\r\nContent-Length: 3\r\n\r\n${ping}`, 'INVALID_FRAMING'],
    ['Transfer-Encoding: xchunked', `Transfer-Encoding: xchunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`, 'INVALID_FRAMING'],
    ['Transfer-Encoding: chunked, identity', `Transfer-Encoding: chunked, identity\r\n\r\n3\r\nabc\r\n0\r\n\r\n`, 'INVALID_FRAMING'],
    ['Transfer-Encoding: gzip, chunked', `Transfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`, 'INVALID_FRAMING'],
    ['both Transfer-Encoding and Content-Length', `Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n`, 'INVALID_FRAMING'],
    ['a header with no colon', `Broken header\r\nContent-Length: ${ping.length}\r\n\r\n${ping}`, 'MALFORMED_REQUEST'],
  ];
  it.each(framings)('refuses %s with 400 and closes the connection', async (_name, rest, code) => {
    const b = await buyer();
    const g = await exchange(b);
    const got = await rawResponses(g.pipelinedPort, Buffer.from(head + rest + get('/health')), 2, 3000);
    expect(got.responses.map((r) => [r.status, json(r).error.code])).toEqual([[400, code]]);
    expect(got.closed).toBe(true);
    expect(b.pings).toHaveLength(0);
  });

  it('draining: a call running when SIGTERM comes is answered, a call after it gets SHUTTING_DOWN, in order', async () => {
    const b = await buyer(300);
    const g = await exchange(b);
    const socket = connect(g.pipelinedPort, '127.0.0.1');
    let buf = '';
    socket.on('data', (d) => (buf += d.toString()));
    const closed = new Promise((r) => socket.on('close', r));
    socket.write(post('/v1/leads', { campaign: 'auto', lead: fullLead() }));
    await new Promise((r) => setTimeout(r, 100));
    const stopping = g.shutdown();
    socket.write(post('/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) }));
    await stopping;
    await closed;
    const statuses = [...buf.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
    expect(statuses).toEqual([200, 503]);
    expect(buf.indexOf('"sold"')).toBeGreaterThan(0);
    expect(buf.indexOf('"sold"')).toBeLessThan(buf.indexOf('SHUTTING_DOWN'));
    expect(b.posts).toHaveLength(1);
  });

  it('a chunked body is read whole', async () => {
    const b = await buyer();
    const g = await exchange(b);
    const mid = Math.floor(ping.length / 2);
    const chunked = `Transfer-Encoding: chunked\r\n\r\n${mid.toString(16)}\r\n${ping.slice(0, mid)}\r\n${(ping.length - mid).toString(16)}\r\n${ping.slice(mid)}\r\n0\r\n\r\n`;
    const got = await rawResponses(g.pipelinedPort, Buffer.from(head + chunked), 1, 3000);
    expect(got.responses.map((r) => [r.status, json(r).status])).toEqual([[200, 'bid']]);
  });
});
