import { pack, unpack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { fullLead, pingLead, SELLER_KEY } from '../support/exchange.js';
import { sharedExchange } from '../support/shared-exchange.js';

const shared = sharedExchange(
  // bids vary with the zip, so each answer shows which call it belongs to
  (c) => ({ body: { bid: Number((c.body.lead as { zip: string }).zip) / 1000 }, delayMs: Math.floor(Math.random() * 20) }),
  // generous times: what is under test is the matching of answers, not the deadline
  (c) => ({ ...c, buyers: c.buyers.map((b) => ({ ...b, timeout_ms: 1000 })), server: { max_body_bytes: 4096 } }),
);

function connect(headers: Record<string, string> = { authorization: `Bearer ${SELLER_KEY}` }, query = ''): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${shared.gavel.port}/v1/ws${query}`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** Send frames and collect the answers, keyed by id. */
function exchangeFrames(ws: WebSocket, frames: (string | Buffer)[], expect: number): Promise<Map<unknown, any>> {
  return new Promise((resolve) => {
    const answers = new Map<unknown, any>();
    const onMessage = (data: Buffer, isBinary: boolean) => {
      const msg = isBinary ? unpack(data) : JSON.parse(data.toString());
      answers.set(msg.id, { ...msg, binary: isBinary });
      if (answers.size === expect) {
        ws.off('message', onMessage);
        resolve(answers);
      }
    };
    ws.on('message', onMessage);
    for (const f of frames) ws.send(f, { binary: typeof f !== 'string' });
  });
}

describe('the seller socket /v1/ws', () => {
  it('refuses a missing or wrong key before the upgrade', async () => {
    await expect(connect({})).rejects.toThrow('HTTP 401');
    await expect(connect({ authorization: 'Bearer nope' })).rejects.toThrow('HTTP 401');
    const ws = await connect({}, `?key=${SELLER_KEY}`);
    ws.close();
  });

  it('runs many auctions at once on one socket, each answer matched by its id', async () => {
    const ws = await connect();
    const zips = Array.from({ length: 60 }, (_, i) => String(10000 + i * 7));
    const frames = zips.map((zip, i) => JSON.stringify({ type: 'ping', id: `p${i}`, campaign: 'auto', tmax_ms: 1000, lead: { zip, state: 'CA' } }));
    const answers = await exchangeFrames(ws, frames, 60);
    zips.forEach((zip, i) => {
      const a = answers.get(`p${i}`);
      expect(a).toMatchObject({ type: 'ping', id: `p${i}`, status: 'bid', binary: false });
      expect(a.price).toBeCloseTo((Number(zip) / 1000) * 0.8, 6);
    });
    // then a post and a direct post on the same socket
    const lead = { ...fullLead(), zip: zips[0] };
    const done = await exchangeFrames(
      ws,
      [JSON.stringify({ type: 'post', id: 'post-1', ping_id: answers.get('p0').ping_id, lead: { ...lead, zip: zips[0], state: 'CA', age: undefined } }), JSON.stringify({ type: 'lead', id: 42, campaign: 'auto', lead: fullLead() })],
      2,
    );
    expect(done.get('post-1')).toMatchObject({ type: 'post', status: 'sold' });
    expect(done.get(42)).toMatchObject({ type: 'lead', status: 'sold' });
    ws.close();
  });

  it('answers a msgpack frame with a msgpack frame', async () => {
    const ws = await connect();
    const answers = await exchangeFrames(ws, [pack({ type: 'ping', id: 'm1', campaign: 'auto', lead: pingLead(fullLead()) })], 1);
    expect(answers.get('m1')).toMatchObject({ type: 'ping', status: 'bid', binary: true });
    ws.close();
  });

  it('gives a bad frame its code and stays usable', async () => {
    const ws = await connect();
    const bad = await exchangeFrames(
      ws,
      ['{not json', JSON.stringify({ type: 'dance', id: 'd1' }), JSON.stringify({ type: 'ping', id: 'v1', campaign: 'auto', lead: { zip: 'x' } }), JSON.stringify({ type: 'ping', id: 'u1', campaign: 'boats', lead: {} })],
      4,
    );
    expect(bad.get(null)).toMatchObject({ type: 'error', status: 400, error: { code: 'MALFORMED_BODY' } });
    expect(bad.get('d1')).toMatchObject({ type: 'error', error: { code: 'INVALID_REQUEST', details: [{ path: 'type' }] } });
    expect(bad.get('v1')).toMatchObject({ type: 'error', status: 400, error: { code: 'INVALID_LEAD' } });
    expect(bad.get('u1')).toMatchObject({ type: 'error', error: { code: 'UNKNOWN_CAMPAIGN' } });
    const ok = await exchangeFrames(ws, [JSON.stringify({ type: 'ping', id: 'after', campaign: 'auto', lead: pingLead(fullLead()) })], 1);
    expect(ok.get('after').status).toBe('bid');
    ws.close();
  });

  it('closes on a frame over the size limit', async () => {
    const ws = await connect();
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(JSON.stringify({ type: 'ping', id: 'big', campaign: 'auto', lead: { zip: 'x'.repeat(5000) } }));
    expect([1006, 1009]).toContain(await closed);
    // the server is fine
    const again = await connect();
    again.close();
  });
});
