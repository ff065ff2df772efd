/**
 * Property-based fuzzing of the seller API's bodies (fast-check): arbitrary bytes, arbitrary
 * JSON values, near-valid leads with mutated fields, arbitrary values packed as msgpack, and
 * valid packs truncated or corrupted. After each case the answer is coded (a normal seller
 * answer, or an error whose code is registered with its status) and /health still answers.
 */
import fc from 'fast-check';
import { pack, unpack } from 'msgpackr';
import { beforeAll, describe, expect, it } from 'vitest';
import { uncoded } from '../support/coded-answer.js';
import { call, fullLead, pingLead, SELLER_KEY } from '../support/exchange.js';
import { sellerCalls } from '../support/fuzz-calls.js';
import { expectAlive, fuzzParams } from '../support/fuzz.js';
import { sharedExchange } from '../support/shared-exchange.js';

const RUNS = 150;
const ROUTES = ['/v1/ping', '/v1/post', '/v1/leads'] as const;
/** live pings for the posts to use, made before the properties run */
const PINGS = 40;
const pingIds: string[] = [];

const shared = sharedExchange(
  () => ({ body: { bid: 4 } }),
  // a small body limit, so generated bodies reach it too
  (c) => ({ ...c, server: { ...c.server, max_body_bytes: 2048 } }),
);
beforeAll(async () => {
  for (let i = 0; i < PINGS; i++) {
    const r = await call(shared.gavel.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) });
    expect(r.body.status).toBe('bid');
    pingIds.push(r.body.ping_id);
  }
});

/** POST a body as it is; the answer decoded by its own content type. */
async function send(route: string, contentType: string, body: Uint8Array): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${shared.gavel.port}${route}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${SELLER_KEY}`, 'content-type': contentType },
    body: new Uint8Array(body),
    signal: AbortSignal.timeout(10_000),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  const type = res.headers.get('content-type') ?? '';
  let decoded: unknown = bytes.toString('latin1');
  try {
    decoded = type === 'application/msgpack' ? unpack(bytes) : JSON.parse(bytes.toString('utf8'));
  } catch {
    /* left as text: uncoded() says what came */
  }
  return { status: res.status, body: decoded };
}

async function expectCoded(route: string, contentType: string, body: Uint8Array): Promise<void> {
  const answer = await send(route, contentType, body);
  expect(uncoded(answer.status, answer.body)).toBeNull();
  await expectAlive(shared.gavel.port);
}

const route = fc.constantFrom(...ROUTES);
const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

describe('fuzzed bodies: always a coded answer, and a live server', () => {
  it('arbitrary bytes as JSON', async () => {
    await fc.assert(
      fc.asyncProperty(route, fc.uint8Array({ maxLength: 3000 }), (r, bytes) => expectCoded(r, 'application/json', bytes)),
      fuzzParams(RUNS),
    );
  });

  it('arbitrary JSON values, alone and as the lead', async () => {
    await fc.assert(
      fc.asyncProperty(route, fc.jsonValue({ maxDepth: 4 }), fc.boolean(), (r, v, asLead) =>
        expectCoded(r, 'application/json', json(asLead ? { campaign: 'auto', lead: v } : v)),
      ),
      fuzzParams(RUNS),
    );
  });

  it('near-valid leads with mutated fields, in JSON and msgpack', async () => {
    await fc.assert(
      fc.asyncProperty(sellerCalls(pingIds), fc.boolean(), ({ route: r, body }, msgpack) =>
        expectCoded(r, msgpack ? 'application/msgpack' : 'application/json', msgpack ? pack(body) : json(body)),
      ),
      fuzzParams(RUNS),
    );
  });

  it('arbitrary values packed as msgpack', async () => {
    await fc.assert(
      fc.asyncProperty(route, fc.anything({ maxDepth: 3, withBigInt: true, withDate: true, withTypedArray: true, withNullPrototype: true, withObjectString: true }), (r, v) => {
        let bytes: Uint8Array;
        try {
          bytes = pack(v);
        } catch {
          return; // a value msgpack cannot carry never reaches the wire
        }
        return expectCoded(r, 'application/msgpack', bytes);
      }),
      fuzzParams(RUNS),
    );
  });

  it('valid msgpack truncated or corrupted', async () => {
    await fc.assert(
      fc.asyncProperty(sellerCalls(pingIds), fc.nat(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), ({ route: r, body }, cut, flips) => {
        const bytes = Buffer.from(pack(body));
        const out = bytes.subarray(0, flips.length === 0 ? cut % bytes.length : bytes.length);
        for (const [at, value] of flips) out[at % out.length] = value;
        return expectCoded(r, 'application/msgpack', out);
      }),
      fuzzParams(RUNS),
    );
  });
});
