/**
 * Property-based fuzzing of the seller API's headers (fast-check), sent over a raw TCP socket so
 * that nothing a client library would tidy up is tidied: content types, content lengths and
 * chunked framing, authorization values, and odd header names and values.
 *
 * Well-framed requests (token header names, visible values, one correct Content-Length or a
 * correct chunked body) must get one coded answer. Malformed header sections (names with
 * separators, control or 8-bit bytes in values, duplicate or odd Content-Length, odd
 * Transfer-Encoding) may be refused by closing the connection (or left unanswered until the
 * idle timeout, a limit of this uWebSockets.js build); whatever answer comes must be coded. After every
 * case /health still answers. Both the public listener and the pipelined one are fuzzed.
 */
import fc from 'fast-check';
import { unpack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { uncoded } from '../support/coded-answer.js';
import { fullLead, pingLead, SELLER_KEY } from '../support/exchange.js';
import { expectAlive, fuzzParams } from '../support/fuzz.js';
import { rawRequest, type RawAnswer } from '../support/raw-http.js';
import { sharedExchange } from '../support/shared-exchange.js';

const RUNS = 200;
/** a well-framed request is answered inside tmax: 3 s is a hang, not load */
const ANSWER_WAIT_MS = 3000;
/** a malformed one is watched this long for an answer or a close (a batch of them at once) */
const MALFORMED_WAIT_MS = 300;

const shared = sharedExchange(
  () => ({ body: { bid: 4 } }),
  (c) => ({ ...c, server: { ...c.server, max_body_bytes: 2048, pipelined: { host: '127.0.0.1', port: 0 } } }),
);

/**
 * Header names of letters, digits and '-'. RFC 9110 allows more (!#$%&'*+.^_`|~), but a name
 * with any of those gets no answer from this uWebSockets.js build (the connection waits for its
 * idle timeout), so those names are fuzzed with the malformed ones below.
 */
const NAME_CHARS = '-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const token = fc.string({ unit: fc.constantFrom(...NAME_CHARS), minLength: 1, maxLength: 20 });
/** visible ASCII with inner spaces and tabs: a valid field value */
const fieldValue = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 }).map((v) => v.trim());

const contentType = fc.oneof(
  fc.constantFrom('application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/msgpack', 'application/x-msgpack', 'application/vnd.msgpack', 'text/plain', 'application/json;', ';', ''),
  fc.tuple(token, token).map(([a, b]) => `${a}/${b}`),
  fieldValue,
);
const authorization = fc.oneof(
  fc.constantFrom(`Bearer ${SELLER_KEY}`, `bearer ${SELLER_KEY}`, `Bearer  ${SELLER_KEY}`, `BEARER ${SELLER_KEY}`, 'Bearer', 'Bearer ', `Basic ${Buffer.from(`pub1:${SELLER_KEY}`).toString('base64')}`),
  fieldValue.map((v) => `Bearer ${v}`),
  fieldValue,
);
/** a header name that is not one of those the server reads, and its value */
const extraHeader = fc.tuple(token, fieldValue).filter(([n]) => !['content-length', 'transfer-encoding', 'host', 'content-type', 'authorization', 'connection', 'expect', 'upgrade'].includes(n.toLowerCase()));
const route = fc.constantFrom('/v1/ping', '/v1/leads', '/v1/post', '/v1/ws', '/v1/returns', '/nowhere');
const body = fc.oneof(
  fc.constant(null).map(() => JSON.stringify({ campaign: 'auto', lead: pingLead(fullLead()) })),
  fc.constant(null).map(() => JSON.stringify({ campaign: 'auto', lead: fullLead() })),
  fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 100 }),
);

type Header = [string, string | Buffer];

function request(path: string, headers: Header[], payload: Buffer): Buffer {
  const parts: Buffer[] = [Buffer.from(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n`)];
  for (const [n, v] of headers) parts.push(Buffer.from(`${n}: `), Buffer.from(v), Buffer.from('\r\n'));
  parts.push(Buffer.from('\r\n'), payload);
  return Buffer.concat(parts);
}

function chunked(payload: Buffer, sizes: number[]): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (const s of sizes) {
    if (at >= payload.length) break;
    const piece = payload.subarray(at, at + Math.max(1, s));
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
    at += piece.length;
  }
  if (at < payload.length) parts.push(Buffer.from(`${(payload.length - at).toString(16)}\r\n`), payload.subarray(at), Buffer.from('\r\n'));
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

/** What is wrong with an answer that came, or null: coded, in the format it says. */
function answerProblem(a: RawAnswer): string | null {
  const r = a.response!;
  const type = r.headers.get('content-type') ?? '';
  let decoded: unknown;
  try {
    decoded = type === 'application/msgpack' ? unpack(r.body) : JSON.parse(r.body.toString('utf8'));
  } catch {
    return `HTTP ${r.status} with a body that is not ${type}: ${r.body.toString('latin1').slice(0, 200)}`;
  }
  return uncoded(r.status, decoded);
}

// the public listener (uWebSockets.js) and the pipelined one (Node's HTTP server) alike
describe.each([
  ['public', () => shared.gavel.port],
  ['pipelined', () => shared.gavel.pipelinedPort ?? 0],
] as const)('fuzzed headers over a raw socket, %s listener', (_listener, portOf) => {
  it('well-framed requests, whatever their content type, length framing, authorization and other headers: one coded answer', async () => {
    const framing = fc.oneof(fc.constant({ kind: 'length' as const }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 6 }).map((sizes) => ({ kind: 'chunked' as const, sizes })));
    await fc.assert(
      fc.asyncProperty(
        route,
        fc.option(contentType, { nil: undefined }),
        fc.option(authorization, { nil: undefined }),
        fc.array(extraHeader, { maxLength: 4 }),
        framing,
        body,
        async (path, ct, auth, extra, frame, text) => {
          const payload = Buffer.from(text);
          const headers: Header[] = [...extra];
          if (ct !== undefined) headers.push(['Content-Type', ct]);
          if (auth !== undefined) headers.push(['Authorization', auth]);
          headers.push(frame.kind === 'length' ? ['Content-Length', String(payload.length)] : ['Transfer-Encoding', 'chunked']);
          const wire = request(path, headers, frame.kind === 'length' ? payload : chunked(payload, frame.sizes));
          const a = await rawRequest(portOf(), wire, ANSWER_WAIT_MS);
          expect(a.response, `no answer (${a.closed ? 'closed' : 'waited'}; ${JSON.stringify(a.partial)}) to ${JSON.stringify(wire.toString('latin1'))}`).not.toBeNull();
          expect(answerProblem(a)).toBeNull();
          await expectAlive(portOf());
        },
      ),
      fuzzParams(RUNS),
    );
  });

  it('malformed header sections: any answer that comes is coded, and the server lives', async () => {
    const badName = fc.tuple(fc.string({ minLength: 1, maxLength: 12 }).filter((n) => !/^[-0-9A-Za-z]+$/.test(n) && !/[\r\n:]/.test(n)), fieldValue);
    const badValue = fc.tuple(token, fc.uint8Array({ minLength: 1, maxLength: 20 }).map((b) => Buffer.from(b.map((x) => (x === 10 || x === 13 ? 0 : x)))));
    const odd = fc.oneof(
      fc.tuple(fc.nat({ max: 200 }), fc.nat({ max: 200 })).map(([a, b]): Header[] => [['Content-Length', String(a)], ['Content-Length', String(b)]]),
      fc.constantFrom('+5', '5 ', '05', '0x5', '5,5', '-1', '', '1e2', ' 5', '99999999999999999999').map((v): Header[] => [['Content-Length', v]]),
      fc.constantFrom('xchunked', 'chunked, identity', 'identity', 'chunked, chunked', 'CHUNKED', 'gzip, chunked').map((v): Header[] => [['Transfer-Encoding', v]]),
      fc.nat({ max: 200 }).map((n): Header[] => [['Content-Length', String(n)], ['Transfer-Encoding', 'chunked']]),
    );
    const malformed = fc.tuple(route, fc.oneof(badName.map((h): Header[] => [h]), badValue.map((h): Header[] => [h]), odd), body).map(([path, bad, text]) => {
      const payload = Buffer.from(text);
      const headers: Header[] = [['Content-Type', 'application/json'], ['Authorization', `Bearer ${SELLER_KEY}`], ...bad];
      if (!bad.some(([n]) => /^(content-length|transfer-encoding)$/i.test(n))) headers.push(['Content-Length', String(payload.length)]);
      return request(path, headers, payload);
    });
    await fc.assert(
      // a batch at once: a refused request may only be refused by the idle timeout, so each waits a little, together
      fc.asyncProperty(fc.array(malformed, { minLength: 1, maxLength: 8 }), async (batch) => {
        const answers = await Promise.all(batch.map((wire) => rawRequest(portOf(), wire, MALFORMED_WAIT_MS)));
        answers.forEach((a, i) => {
          if (a.response) expect(answerProblem(a), JSON.stringify(batch[i]!.toString('latin1'))).toBeNull();
        });
        await expectAlive(portOf());
      }),
      fuzzParams(40),
    );
  });
});
