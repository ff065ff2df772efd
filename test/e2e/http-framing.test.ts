import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ADMIN_KEY, SELLER_KEY } from '../support/exchange.js';
import { sharedExchange } from '../support/shared-exchange.js';

const shared = sharedExchange(() => ({ body: { bid: 7 } }));

interface Raw {
  text: string;
  /** the server closed the connection: within 3 s, or within 300 ms of its answer */
  closed: boolean;
}

/** Bytes as written, over a plain TCP socket: no client library to tidy the headers up. */
function raw(bytes: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const socket = connect(shared.gavel.port, '127.0.0.1');
    let text = '';
    const done = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, closed });
    };
    let timer = setTimeout(() => done(false), 3000);
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      text += d;
      clearTimeout(timer);
      timer = setTimeout(() => done(false), 300);
    });
    socket.on('error', reject);
    socket.on('end', () => done(true));
    socket.write(bytes, 'latin1');
  });
}

const BODY = JSON.stringify({ campaign: 'auto', lead: { zip: '90210', state: 'CA', age: 40 } });
const chunked = (body: string) => `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;

/** Each route kind with the framing headers under test in the middle of its head. */
const ROUTES = {
  seller: (framing: string, body: string) => `POST /v1/ping HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${SELLER_KEY}\r\nContent-Type: application/json\r\n${framing}\r\n${body}`,
  admin: (framing: string, body: string) => `POST /v1/returns HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_KEY}\r\nContent-Type: application/json\r\n${framing}\r\n${body}`,
  trace: (framing: string, body: string) => `GET /v1/leads/abc HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_KEY}\r\n${framing}\r\n${body}`,
  catchAll: (framing: string, body: string) => `POST /nowhere HTTP/1.1\r\nHost: x\r\n${framing}\r\n${body}`,
  health: (framing: string, body: string) => `GET /health HTTP/1.1\r\nHost: x\r\n${framing}\r\n${body}`,
};

/** Ambiguous framings that reach Gavel's handlers: uWS frames them one way, a proxy may another. */
const AMBIGUOUS: [string, string, string][] = [
  ['two different Content-Lengths', `Content-Length: ${BODY.length}\r\nContent-Length: 5\r\n`, BODY],
  ['two equal Content-Lengths', `Content-Length: ${BODY.length}\r\nContent-Length: ${BODY.length}\r\n`, BODY],
  ['Transfer-Encoding: xchunked', 'Transfer-Encoding: xchunked\r\n', chunked(BODY)],
  ['Transfer-Encoding: chunked, identity', 'Transfer-Encoding: chunked, identity\r\n', chunked(BODY)],
  ['Transfer-Encoding: gzip, chunked', 'Transfer-Encoding: gzip, chunked\r\n', chunked(BODY)],
  ['two Transfer-Encodings', 'Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n', chunked(BODY)],
];

/** Those uWS's own parser refuses before any handler runs: it closes the connection with no answer. */
const REFUSED_BY_UWS: [string, string, string][] = [
  ['a Content-Length list', `Content-Length: ${BODY.length}, ${BODY.length}\r\n`, BODY],
  ['a signed Content-Length', `Content-Length: +${BODY.length}\r\n`, BODY],
  ['a hex Content-Length', `Content-Length: 0x${BODY.length.toString(16)}\r\n`, BODY],
  ['Transfer-Encoding and Content-Length', `Transfer-Encoding: chunked\r\nContent-Length: ${chunked(BODY).length}\r\n`, chunked(BODY)],
];

describe('a request that could be framed two ways is 400 INVALID_FRAMING and its connection closed', () => {
  for (const [route, request] of Object.entries(ROUTES)) {
    it.each(AMBIGUOUS)(`${route}: %s`, async (_name, framing, body) => {
      const pings = shared.buyer.pings.length;
      const r = await raw(request(framing, body));
      expect(r.text.startsWith('HTTP/1.1 400 ')).toBe(true);
      expect(r.text).toContain('"code":"INVALID_FRAMING"');
      expect(r.closed).toBe(true);
      // one answer only: the bytes were not read as a second request
      expect(r.text.match(/HTTP\/1\.1 /g)).toHaveLength(1);
      expect(shared.buyer.pings.length).toBe(pings);
    });
  }

  it.each(REFUSED_BY_UWS)('%s: the connection closed with no answer, nothing used', async (_name, framing, body) => {
    const pings = shared.buyer.pings.length;
    const r = await raw(ROUTES.seller(framing, body));
    expect(r.closed).toBe(true);
    expect(r.text).toBe('');
    expect(shared.buyer.pings.length).toBe(pings);
  });

  it('one Content-Length, or Transfer-Encoding: chunked in any case, is read as usual on a live connection', async () => {
    for (const [i, framing] of [`Content-Length: ${BODY.length}\r\n`, 'Transfer-Encoding: chunked\r\n', 'transfer-encoding: CHUNKED\r\n'].entries()) {
      // a zip of its own, or the same payload again would be RESUBMITTED
      const body = BODY.replace('90210', `9021${i}`);
      const r = await raw(ROUTES.seller(framing, framing.includes('ength') ? body : chunked(body)));
      expect(r.text.startsWith('HTTP/1.1 200 ')).toBe(true);
      expect(r.text).toContain('"status":"bid"');
      expect(r.closed).toBe(false);
    }
    const h = await raw(ROUTES.health('', ''));
    expect(h.text).toContain('{"status":"ok"}');
    expect(h.closed).toBe(false);
  });
});
