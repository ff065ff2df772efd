import { pack, unpack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { call, fullLead, pingLead } from '../support/exchange.js';
import { sharedExchange } from '../support/shared-exchange.js';

const shared = sharedExchange(
  () => ({ body: { bid: 7 } }),
  (c) => ({ ...c, server: { max_body_bytes: 2048 } }),
);

const ping = (lead: unknown) => ({ campaign: 'auto', lead });

describe('every bad input gets its code and HTTP status', () => {
  it('malformed JSON is MALFORMED_BODY (400)', async () => {
    const r = await call(shared.gavel.port, '/v1/ping', '{"campaign": "auto", "lead": {');
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('MALFORMED_BODY');
  });

  it('malformed msgpack is MALFORMED_BODY (400), answered in msgpack', async () => {
    const res = await fetch(`http://127.0.0.1:${shared.gavel.port}/v1/ping`, {
      method: 'POST',
      headers: { authorization: 'Bearer seller-key-0123456789', 'content-type': 'application/msgpack' },
      body: new Uint8Array([0xc1, 0xff, 0x00]),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/msgpack');
    expect(unpack(Buffer.from(await res.arrayBuffer())).error.code).toBe('MALFORMED_BODY');
  });

  it('a msgpack ping gets a msgpack bid', async () => {
    const res = await fetch(`http://127.0.0.1:${shared.gavel.port}/v1/ping`, {
      method: 'POST',
      headers: { authorization: 'Bearer seller-key-0123456789', 'content-type': 'application/msgpack' },
      body: new Uint8Array(pack(ping(pingLead(fullLead())))),
    });
    expect(res.status).toBe(200);
    expect(unpack(Buffer.from(await res.arrayBuffer()))).toMatchObject({ status: 'bid', price: 5.6 });
  });

  it("an unsupported content type is UNSUPPORTED_MEDIA_TYPE (415), saying how to send JSON (curl -d's form type is the usual slip)", async () => {
    const r = await call(shared.gavel.port, '/v1/ping', 'zip=90210', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(r.status).toBe(415);
    expect(r.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(r.body.error.message).toBe(
      `Content-Type "application/x-www-form-urlencoded" is not application/json or application/msgpack: send Content-Type: application/json (curl: -H 'content-type: application/json')`,
    );
  });

  it('a body over the limit is BODY_TOO_LARGE (413), by header and by bytes', async () => {
    const big = JSON.stringify(ping({ zip: '90210', state: 'x'.repeat(5000) }));
    const r = await call(shared.gavel.port, '/v1/ping', big);
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe('BODY_TOO_LARGE');
    // chunked, so no content-length tells in advance
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(big));
        c.close();
      },
    });
    const res = await fetch(`http://127.0.0.1:${shared.gavel.port}/v1/ping`, {
      method: 'POST',
      headers: { authorization: 'Bearer seller-key-0123456789', 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe('BODY_TOO_LARGE');
  });

  it('an unknown campaign is UNKNOWN_CAMPAIGN (400)', async () => {
    const r = await call(shared.gavel.port, '/v1/ping', { campaign: 'boats', lead: pingLead(fullLead()) });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'UNKNOWN_CAMPAIGN', details: [{ path: 'campaign' }] });
  });

  it('missing and ill-typed lead fields are INVALID_LEAD (400), every problem listed', async () => {
    const r = await call(shared.gavel.port, '/v1/ping', ping({ zip: 12345, age: 'forty', colour: 'red' }));
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('INVALID_LEAD');
    const paths = r.body.error.details.map((d: { path: string }) => d.path).sort();
    expect(paths).toEqual(['lead', 'lead.age', 'lead.state', 'lead.zip']);
    expect(r.body.error.details.find((d: { path: string }) => d.path === 'lead').message).toMatch(/colour/);
  });

  it('a full lead without its required PII is INVALID_LEAD at the direct post', async () => {
    const r = await call(shared.gavel.port, '/v1/leads', { campaign: 'auto', lead: { ...pingLead(fullLead()), email: 'not-an-email' } });
    expect(r.status).toBe(400);
    const paths = r.body.error.details.map((d: { path: string }) => d.path).sort();
    expect(paths).toEqual(['lead.email', 'lead.phone']);
  });

  it('a bad envelope is INVALID_REQUEST (400), every problem listed', async () => {
    const r = await call(shared.gavel.port, '/v1/ping', { lead: 'x', tmax_ms: -5, extra: 1 });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('INVALID_REQUEST');
    const paths = r.body.error.details.map((d: { path: string }) => d.path).sort();
    expect(paths).toEqual(['(body)', 'campaign', 'lead', 'tmax_ms']);
  });

  it('a missing or wrong key is UNAUTHORIZED (401)', async () => {
    const none = await fetch(`http://127.0.0.1:${shared.gavel.port}/v1/ping`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(none.status).toBe(401);
    expect((await none.json()).error.code).toBe('UNAUTHORIZED');
    const wrong = await call(shared.gavel.port, '/v1/ping', ping(pingLead(fullLead())), { authorization: 'Bearer not-a-key' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('UNAUTHORIZED');
  });

  it('an unknown route is NOT_FOUND (404); a known route with the wrong method is METHOD_NOT_ALLOWED (405)', async () => {
    const r = await call(shared.gavel.port, '/v2/whatever', {});
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('NOT_FOUND');
    const get = await fetch(`http://127.0.0.1:${shared.gavel.port}/v1/ping`);
    expect(get.status).toBe(405);
    expect((await get.json()).error.code).toBe('METHOD_NOT_ALLOWED');
  });

  it('posting an unknown ping is PING_EXPIRED (404); posting twice is ALREADY_POSTED (409)', async () => {
    const lead = fullLead();
    const unknown = await call(shared.gavel.port, '/v1/post', { ping_id: 'nope', lead });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('PING_EXPIRED');
    const p = await call(shared.gavel.port, '/v1/ping', ping(pingLead(lead)));
    expect((await call(shared.gavel.port, '/v1/post', { ping_id: p.body.ping_id, lead })).body.status).toBe('sold');
    const twice = await call(shared.gavel.port, '/v1/post', { ping_id: p.body.ping_id, lead });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('ALREADY_POSTED');
  });

  it('garbage never takes the server down', async () => {
    const bodies = ['', 'null', '[]', '"x"', '{"campaign":null,"lead":null}', '{"campaign":"auto","lead":{"__proto__":{"x":1}}}', '\u0000\u0001', '9'.repeat(1000)];
    for (const b of bodies) {
      const r = await call(shared.gavel.port, '/v1/ping', b);
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      expect(typeof r.body.error.code).toBe('string');
    }
    const health = await fetch(`http://127.0.0.1:${shared.gavel.port}/health`);
    expect(health.status).toBe(200);
  });
});
