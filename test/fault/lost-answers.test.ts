import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Gavel } from '../../src/gavel.js';
import { startBuyer, type TestBuyer } from '../support/buyer-server.js';
import { call, fullLead, SELLER_KEY, startExchange, stopExchange, testConfig, testPrefix } from '../support/exchange.js';
import { stopAfterEach } from '../support/stop-after.js';

/**
 * The lost answer to a completed sale: a seller whose answer was lost retries under
 * its Idempotency-Key and gets the first answer (status, lead_id, price), on any process, over
 * HTTP or the socket; a pipelined request that makes uWS close the connection before a call
 * starts leaves nothing sold.
 */
const open = stopAfterEach();

async function exchange(buyerUrl: string, prefix = testPrefix(), store: 'redis' | 'memory' = 'redis'): Promise<Gavel> {
  const g = await startExchange(testConfig([{ id: 'a', url: buyerUrl }], {}, prefix), store);
  open.push(() => stopExchange(g));
  return g;
}

async function buyer(postDelayMs = 0): Promise<TestBuyer> {
  const b = await startBuyer(() => ({ body: { bid: 10 } }), () => ({ body: { accepted: true }, delayMs: postDelayMs }));
  open.push(() => b.close());
  return b;
}

/** raw bytes on one connection; resolves with what came back before the server closed it (or `ms` passed) */
function rawExchange(port: number, parts: { bytes: string; afterMs: number }[], ms = 2000): Promise<{ text: string; closedByServer: boolean }> {
  return new Promise((resolve) => {
    let text = '';
    const s = connect(port, '127.0.0.1');
    s.on('connect', () => {
      for (const p of parts) setTimeout(() => s.writable && s.write(p.bytes), p.afterMs);
    });
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ text, closedByServer: false });
    }, ms);
    s.on('data', (d) => (text += d.toString()));
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closedByServer: true });
    });
    s.on('error', () => undefined);
  });
}

function leadsRequest(lead: unknown, key?: string): string {
  const body = JSON.stringify({ campaign: 'auto', lead });
  return (
    `POST /v1/leads HTTP/1.1\r\nHost: gavel\r\nAuthorization: Bearer ${SELLER_KEY}\r\nContent-Type: application/json\r\n` +
    (key ? `Idempotency-Key: ${key}\r\n` : '') +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}
const HEALTH = 'GET /health HTTP/1.1\r\nHost: gavel\r\n\r\n';

describe('lost answers', () => {
  it('a retry under the same Idempotency-Key gets the first answer, not RESUBMITTED, on another process too', async () => {
    const b = await buyer();
    const prefix = testPrefix();
    const one = await exchange(b.url, prefix);
    const two = await exchange(b.url, prefix);
    const lead = fullLead();
    const first = await call(one.port, '/v1/leads', { campaign: 'auto', lead }, { 'idempotency-key': 'order-17' });
    expect(first.body).toMatchObject({ status: 'sold', price: 8 });
    const again = await call(two.port, '/v1/leads', { campaign: 'auto', lead }, { 'idempotency-key': 'order-17' });
    expect(again).toMatchObject({ status: 200, body: first.body });
    // without the key, the same lead again is a resubmission, as before
    const bare = await call(two.port, '/v1/leads', { campaign: 'auto', lead });
    expect(bare.body).toMatchObject({ status: 'rejected', reason: 'RESUBMITTED' });
    expect(b.posts).toHaveLength(1);
    // the key on another request is refused, and runs nothing
    const other = await call(one.port, '/v1/leads', { campaign: 'auto', lead: fullLead() }, { 'idempotency-key': 'order-17' });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(b.pings).toHaveLength(1);
    const bad = await call(one.port, '/v1/leads', { campaign: 'auto', lead: fullLead() }, { 'idempotency-key': 'x'.repeat(256) });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'INVALID_REQUEST', details: [{ path: 'Idempotency-Key' }] });
  });

  it('a retry that comes while the first call runs waits for its answer; the lead is sold once', async () => {
    const b = await buyer(300);
    const g = await exchange(b.url);
    const lead = fullLead();
    const first = call(g.port, '/v1/leads', { campaign: 'auto', lead }, { 'idempotency-key': 'slow-1' });
    await new Promise((r) => setTimeout(r, 100));
    const retry = await call(g.port, '/v1/leads', { campaign: 'auto', lead }, { 'idempotency-key': 'slow-1' });
    expect(retry.body).toEqual((await first).body);
    expect(retry.body.status).toBe('sold');
    expect(b.posts).toHaveLength(1);
  });

  it('the answer of a sale whose connection uWS closed (a pipelined request behind it) is had again under its key', async () => {
    const b = await buyer(300);
    const g = await exchange(b.url);
    const lead = fullLead();
    // the direct post is running (its buyer takes 300 ms) when the pipelined GET arrives
    const got = await rawExchange(g.port, [
      { bytes: leadsRequest(lead, 'pipelined-1'), afterMs: 0 },
      { bytes: HEALTH, afterMs: 100 },
    ]);
    expect(got.closedByServer).toBe(true);
    expect(got.text).toBe('');
    await new Promise((r) => setTimeout(r, 400));
    expect(b.posts).toHaveLength(1);
    const retry = await call(g.port, '/v1/leads', { campaign: 'auto', lead }, { 'idempotency-key': 'pipelined-1' });
    expect(retry.body).toMatchObject({ status: 'sold', price: 8 });
    expect(b.posts).toHaveLength(1);
  });

  it('a request with a pipelined one behind it in the same packet is not run: nothing is sold to a seller that cannot be told', async () => {
    const b = await buyer();
    const g = await exchange(b.url);
    const lead = fullLead();
    const got = await rawExchange(g.port, [{ bytes: leadsRequest(lead, 'same-packet') + HEALTH, afterMs: 0 }]);
    expect(got.closedByServer).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    expect(b.pings).toHaveLength(0);
    // so its retry runs it, once
    const retry = await call(g.port, '/v1/leads', { campaign: 'auto', lead }, { 'idempotency-key': 'same-packet' });
    expect(retry.body).toMatchObject({ status: 'sold' });
    expect(b.posts).toHaveLength(1);
  });

  it('on the seller socket: idempotency_key, and the same on the embedded memory store', async () => {
    const b = await buyer();
    const g = await exchange(b.url, testPrefix(), 'memory');
    const ws = new WebSocket(`ws://127.0.0.1:${g.port}/v1/ws`, { headers: { authorization: `Bearer ${SELLER_KEY}` } });
    open.push(() => ws.close());
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const answers: Record<string, any>[] = [];
    ws.on('message', (d) => answers.push(JSON.parse(d.toString())));
    const lead = fullLead();
    ws.send(JSON.stringify({ type: 'lead', id: 1, idempotency_key: 'sock-1', campaign: 'auto', lead }));
    ws.send(JSON.stringify({ type: 'lead', id: 2, idempotency_key: 'sock-1', campaign: 'auto', lead }));
    ws.send(JSON.stringify({ type: 'lead', id: 3, idempotency_key: 7, campaign: 'auto', lead }));
    for (let i = 0; i < 100 && answers.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
    const byId = new Map(answers.map((a) => [a.id, a]));
    expect(byId.get(1)).toMatchObject({ type: 'lead', status: 'sold' });
    expect(byId.get(2)).toMatchObject({ type: 'lead', status: 'sold', lead_id: byId.get(1)!.lead_id });
    expect(byId.get(3)).toMatchObject({ type: 'error', status: 400, error: { code: 'INVALID_REQUEST' } });
    expect(b.posts).toHaveLength(1);
  });
});
