import { pack, unpack } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ADMIN_KEY, call, fullLead, pingLead, SELLER_KEY } from '../support/exchange.js';
import { sharedExchange } from '../support/shared-exchange.js';

const BUYER_KEY = 'ws-buyer-key-hostile-0123456789';
const shared = sharedExchange(
  () => ({ body: { bid: 7 } }),
  (config) => {
    config.buyers.push({ id: 'sock', campaigns: ['auto'], transport: 'websocket', key: BUYER_KEY, timeout_ms: 100 });
    return config;
  },
);
/** what the socket buyer bids with: a frame whose bytes the test chooses */
let socketBid: (id: string) => Buffer | null = () => null;
let sockBuyer: WebSocket;
beforeAll(async () => {
  sockBuyer = new WebSocket(`ws://127.0.0.1:${shared.gavel.port}/v1/bidders/ws`, { headers: { authorization: `Bearer ${BUYER_KEY}` } });
  await new Promise((resolve, reject) => {
    sockBuyer.once('open', resolve);
    sockBuyer.once('error', reject);
  });
  sockBuyer.on('message', (data) => {
    const m = JSON.parse(data.toString()) as { id: string; type: string };
    const frame = m.type === 'ping' ? socketBid(m.id) : null;
    if (frame) sockBuyer.send(frame, { binary: true });
  });
});
afterAll(() => {
  sockBuyer.close();
});

/** The encoded body with the bytes of `marker` replaced by `bytes` (same length), so a string carries bytes no encoder would write. */
function withBytes(encoded: Uint8Array, marker: string, bytes: number[]): Buffer {
  const buf = Buffer.from(encoded);
  const at = buf.indexOf(marker);
  expect(at).toBeGreaterThanOrEqual(0);
  Buffer.from(bytes).copy(buf, at);
  return buf;
}
/** "C\xff\xfeA": a state that is not UTF-8 */
const BAD = [0x43, 0xff, 0xfe, 0x41];
const badPing = () => ({ campaign: 'auto', lead: { zip: '90210', state: 'CQQA', age: 40 } });

async function post(path: string, body: Uint8Array, contentType: string, key = SELLER_KEY): Promise<{ status: number; body: any }> {
  // the operator key is answered on the operator listener only
  const res = await fetch(`http://127.0.0.1:${key === ADMIN_KEY ? shared.gavel.operatorPort : shared.gavel.port}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': contentType }, body: body as BodyInit });
  const raw = Buffer.from(await res.arrayBuffer());
  return { status: res.status, body: contentType === 'application/msgpack' ? unpack(raw) : JSON.parse(raw.toString()) };
}

function sellerSocket(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${shared.gavel.port}/v1/ws`, { headers: { authorization: `Bearer ${SELLER_KEY}` } });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}
function answerTo(ws: WebSocket, frame: Buffer, binary: boolean): Promise<any> {
  return new Promise((resolve) => {
    ws.once('message', (data: Buffer, isBinary: boolean) => resolve(isBinary ? unpack(data) : JSON.parse(data.toString())));
    ws.send(frame, { binary });
  });
}

describe('strings that are not UTF-8 are MALFORMED_BODY, and reach no buyer', () => {
  it('over HTTP, in JSON and in msgpack', async () => {
    const before = shared.buyer.pings.length;
    const json = await post('/v1/ping', withBytes(Buffer.from(JSON.stringify(badPing())), 'CQQA', BAD), 'application/json');
    expect(json.status).toBe(400);
    expect(json.body.error.code).toBe('MALFORMED_BODY');
    const mp = await post('/v1/ping', withBytes(pack(badPing()), 'CQQA', BAD), 'application/msgpack');
    expect(mp.status).toBe(400);
    expect(mp.body.error.code).toBe('MALFORMED_BODY');
    // a direct post too: the whole lead would have gone to the winner
    const lead = withBytes(pack({ campaign: 'auto', lead: fullLead({ name: 'Ada QQ' }) }), 'QQ', [0xc3, 0x28]);
    expect((await post('/v1/leads', lead, 'application/msgpack')).body.error.code).toBe('MALFORMED_BODY');
    expect(shared.buyer.pings.length).toBe(before);
    // the same bytes made valid are sold as usual, so what was refused was the encoding
    expect((await post('/v1/ping', withBytes(pack(badPing()), 'CQQA', [0x43, 0xc3, 0xa9, 0x41]), 'application/msgpack')).body.status).toBe('bid');
    expect(shared.buyer.pings.length).toBe(before + 1);
    expect(shared.buyer.pings.at(-1)!.body.lead).toMatchObject({ state: 'CéA' });
  });

  it('on the seller socket, in JSON and msgpack frames', async () => {
    const before = shared.buyer.pings.length;
    const ws = await sellerSocket();
    const frame = { type: 'ping', id: 'u1', ...badPing() };
    const mp = await answerTo(ws, withBytes(pack(frame), 'CQQA', BAD), true);
    expect(mp).toMatchObject({ type: 'error', status: 400, error: { code: 'MALFORMED_BODY' } });
    // a text frame that is not UTF-8 breaks the WebSocket protocol itself (RFC 6455 §8.1): uWS
    // drops the connection before Gavel sees the frame (1006, no close frame: README, seller socket)
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(withBytes(Buffer.from(JSON.stringify(frame)), 'CQQA', BAD), { binary: false });
    expect([1006, 1007]).toContain(await closed);
    expect(shared.buyer.pings.length).toBe(before);
  });

  it('on the admin JSON routes', async () => {
    const body = withBytes(Buffer.from(JSON.stringify({ lead_id: 'x', reason: 'QQ', buyer: 'a' })), 'QQ', [0xff, 0xfe]);
    const r = await post('/v1/returns', body, 'application/json', ADMIN_KEY);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('MALFORMED_BODY');
  });

  it('a socket buyer\'s msgpack bid with a string that is not UTF-8 is not taken', async () => {
    socketBid = (id) => withBytes(pack({ id, type: 'bid', bid: 20, bid_id: 'QQ' }), 'QQ', [0xff, 0xfe]);
    const bad = await call(shared.gavel.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) });
    // only the HTTP buyer's 7 counts: 7 × 0.8
    expect(bad.body).toMatchObject({ status: 'bid', price: 5.6, bids: 1 });
    socketBid = (id) => Buffer.from(pack({ id, type: 'bid', bid: 20, bid_id: 'ok' }));
    const good = await call(shared.gavel.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) });
    expect(good.body).toMatchObject({ status: 'bid', price: 16, bids: 2 });
    socketBid = () => null;
  });
});

describe('every unknown lead field is INVALID_LEAD, whatever its name', () => {
  const names = ['__proto__', 'constructor', 'toString', 'prototype', 'hasOwnProperty', 'nickname'];

  it.each(names)('%s, in JSON and in msgpack, over HTTP', async (name) => {
    const before = shared.buyer.pings.length;
    // written by hand: an object literal's __proto__ would set its prototype, not a field
    const json = `{"campaign":"auto","lead":{"zip":"90210","state":"CA",${JSON.stringify(name)}:"x"}}`;
    const j = await post('/v1/ping', Buffer.from(json), 'application/json');
    expect(j.status).toBe(400);
    expect(j.body.error).toMatchObject({ code: 'INVALID_LEAD', details: [{ path: 'lead', message: expect.stringContaining(name) }] });
    const lead: Record<string, unknown> = { zip: '90210', state: 'CA' };
    Object.defineProperty(lead, name, { value: 'x', enumerable: true });
    const m = await post('/v1/ping', pack({ campaign: 'auto', lead }), 'application/msgpack');
    expect(m.status).toBe(400);
    expect(m.body.error).toMatchObject({ code: 'INVALID_LEAD', details: [{ path: 'lead', message: `unknown field(s): ${name}` }] });
    expect(shared.buyer.pings.length).toBe(before);
  });

  it('a __proto__ object is refused, on the socket too, and pollutes no prototype', async () => {
    const json = '{"campaign":"auto","lead":{"__proto__":{"zip":"90210","state":"CA","polluted":1}}}';
    const j = await post('/v1/ping', Buffer.from(json), 'application/json');
    expect(j.body.error.code).toBe('INVALID_LEAD');
    const ws = await sellerSocket();
    const lead = {};
    Object.defineProperty(lead, '__proto__', { value: { zip: '90210', state: 'CA', polluted: 1 }, enumerable: true });
    const frame = { type: 'ping', id: 'p1', campaign: 'auto', lead };
    const viaSocket = await answerTo(ws, Buffer.from(pack(frame)), true);
    expect(viaSocket).toMatchObject({ type: 'error', id: 'p1', status: 400, error: { code: 'INVALID_LEAD', details: expect.arrayContaining([{ path: 'lead', message: 'unknown field(s): __proto__' }]) } });
    const envelope = await answerTo(ws, Buffer.from('{"type":"ping","id":"p2","__proto__":{"polluted":1},"campaign":"auto","lead":{"zip":"90210","state":"CA"}}'), false);
    expect(envelope).toMatchObject({ type: 'error', status: 400, error: { code: 'INVALID_REQUEST' } });
    ws.close();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
