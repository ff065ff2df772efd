/**
 * Property-based fuzzing of the seller socket's frames (fast-check), text and binary: arbitrary
 * strings, JSON values and bytes, near-valid calls, arbitrary values packed as msgpack, and
 * packs truncated or corrupted. Each frame gets one answer: a normal answer carrying its
 * call's id and type, or a `type: error` whose code is registered with its status; the socket
 * stays open (README: "the socket stays usable") and /health still answers.
 */
import fc from 'fast-check';
import { pack, unpack } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { uncoded } from '../support/coded-answer.js';
import { call, fullLead, pingLead, SELLER_KEY } from '../support/exchange.js';
import { sellerCalls } from '../support/fuzz-calls.js';
import { expectAlive, fuzzParams } from '../support/fuzz.js';
import { sharedExchange } from '../support/shared-exchange.js';

const RUNS = 150;
/** frames stay under the limit: a frame over it closes the socket, which is not what is fuzzed here */
const MAX_BODY = 4096;
const TYPES = { '/v1/ping': 'ping', '/v1/post': 'post', '/v1/leads': 'lead' } as const;

const shared = sharedExchange(
  () => ({ body: { bid: 4 } }),
  (c) => ({ ...c, server: { ...c.server, max_body_bytes: MAX_BODY } }),
);
let ws: WebSocket;
const pingIds: string[] = [];
beforeAll(async () => {
  for (let i = 0; i < 40; i++) pingIds.push((await call(shared.gavel.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) })).body.ping_id);
  ws = await new Promise<WebSocket>((resolve, reject) => {
    const s = new WebSocket(`ws://127.0.0.1:${shared.gavel.port}/v1/ws`, { headers: { authorization: `Bearer ${SELLER_KEY}` } });
    s.once('open', () => resolve(s));
    s.once('error', reject);
  });
});
afterAll(() => {
  ws?.close();
});

/** Send one frame; its one answer, decoded. */
function exchange(frame: string | Uint8Array): Promise<{ msg: any; binary: boolean }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error('no answer in 5 s')), 5000);
    const onMessage = (data: Buffer, binary: boolean) => {
      try {
        resolve({ msg: binary ? unpack(data) : JSON.parse(data.toString('utf8')), binary });
        done();
      } catch (e) {
        done(e as Error);
      }
    };
    const onClose = (code: number) => done(new Error(`socket closed (${code})`));
    const done = (e?: Error) => {
      clearTimeout(timer);
      ws.off('message', onMessage);
      ws.off('close', onClose);
      if (e) reject(e);
    };
    ws.on('message', onMessage);
    ws.once('close', onClose);
    ws.send(frame, { binary: typeof frame !== 'string' });
  });
}

/** the id and type a normal answer must echo: those of the frame, as Gavel would decode it */
function sentAs(frame: string | Uint8Array): { id: unknown; type: unknown } | undefined {
  try {
    const m = typeof frame === 'string' ? JSON.parse(frame) : unpack(frame);
    return typeof m === 'object' && m !== null ? { id: m.id, type: m.type } : undefined;
  } catch {
    return undefined;
  }
}

async function expectCoded(frame: string | Uint8Array): Promise<void> {
  const { msg, binary } = await exchange(frame);
  expect(binary).toBe(typeof frame !== 'string');
  if (msg.type === 'error') expect(uncoded(msg.status, msg)).toBeNull();
  else {
    expect(uncoded(200, msg)).toBeNull();
    const sent = sentAs(frame);
    expect(sent, `a normal answer to a frame that was not a call: ${JSON.stringify(msg)}`).toBeDefined();
    expect([msg.type, msg.id]).toEqual([sent!.type, sent!.id]);
  }
  expect(ws.readyState).toBe(WebSocket.OPEN);
  await expectAlive(shared.gavel.port);
}

/** A call as a socket message: its type and id, mostly valid, sometimes anything. */
const messages = () =>
  fc
    .tuple(
      sellerCalls(pingIds),
      fc.oneof({ weight: 4, arbitrary: fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), fc.integer()) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) }),
      fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 0 }) }),
    )
    .map(([c, id, type]) => ({ ...c.body, type: type ?? TYPES[c.route], id }));

describe('fuzzed seller-socket frames: one coded answer each, an open socket, a live server', () => {
  it('text frames: arbitrary strings and JSON values', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 400, unit: 'binary' }), fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v))), (text) => expectCoded(text)),
      fuzzParams(RUNS),
    );
  });

  it('text and binary frames: near-valid calls', async () => {
    await fc.assert(
      fc.asyncProperty(messages(), fc.boolean(), (m, binary) => expectCoded(binary ? pack(m) : JSON.stringify(m))),
      fuzzParams(RUNS),
    );
  });

  it('binary frames: arbitrary bytes, arbitrary packed values, truncated and corrupted packs', async () => {
    const packed = fc.anything({ maxDepth: 3, withBigInt: true, withDate: true, withTypedArray: true, withNullPrototype: true }).map((v) => {
      try {
        return pack(v);
      } catch {
        return new Uint8Array(0); // a value msgpack cannot carry: an empty frame instead
      }
    });
    const damaged = fc
      .tuple(messages(), fc.nat(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }))
      .map(([m, cut, flips]) => {
        const bytes = Buffer.from(pack(m));
        const out = bytes.subarray(0, flips.length === 0 ? cut % bytes.length : bytes.length);
        for (const [at, value] of flips) out[at % out.length] = value;
        return out;
      });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 2000 }), packed, damaged), (bytes) => expectCoded(bytes)),
      fuzzParams(RUNS),
    );
  });
});
