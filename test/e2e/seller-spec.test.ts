import { describe, expect, it } from 'vitest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { parseConfig } from '../../src/config/load-config.js';
import type { ConfigInput } from '../../src/config/schema.js';
import type { Gavel } from '../../src/gavel.js';
import { ADMIN_KEY, call, SELLER_KEY, startExchange, stopExchange, testConfig } from '../support/exchange.js';
import { stopAfterEach } from '../support/stop-after.js';

const stops = stopAfterEach();
const HOME_SELLER_KEY = 'seller-home-key-0123456789';
const BUYER_KEY = 'buyer-acme-key-0123456789';

/** two campaigns, two sellers each allowed one of them, and a buyer with a key */
function twoSellers(): ConfigInput {
  const config = testConfig([{ id: 'acme', url: 'http://127.0.0.1:9/' }], { dedup: { fields: ['phone'], window: '30d' } });
  config.campaigns.push({
    id: 'home',
    tmax_ms: 200,
    max_tmax_ms: 800,
    dedup: [{ fields: ['phone', 'email'], match: 'any', window: '7d' }],
    fields: {
      zip: { type: 'string', pattern: '^[0-9]{5}(-[0-9]{4})?$', required: true, ping: true },
      sqft: { type: 'integer', min: 300, max: 20_000, required: true, ping: true },
      owner: { type: 'boolean', ping: true },
      roof: { type: 'string', enum: ['shingle', 'metal', 'tile'], ping: true },
      phone: { type: 'phone', required: true, pii: true },
      email: { type: 'email', pii: true },
    },
  });
  config.sellers = [
    { id: 'pub1', api_key: SELLER_KEY, campaigns: ['auto'] },
    { id: 'pub2', api_key: HOME_SELLER_KEY, campaigns: ['home'] },
  ];
  config.buyers = config.buyers.map((b) => ({ ...b, key: BUYER_KEY }));
  return config;
}

async function exchange(config: ConfigInput): Promise<Gavel> {
  const g = await startExchange(config);
  stops.push(() => stopExchange(g));
  return g;
}

async function spec(g: Gavel, key: string | undefined, port = g.port): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://127.0.0.1:${port}/v1/spec`, { headers: key === undefined ? {} : { authorization: `Bearer ${key}` } });
  return { status: res.status, body: await res.json() };
}

describe("GET /v1/spec: a seller's own spec", () => {
  it("shows each seller its campaigns only, with their real fields, deadlines, dedup and an example lead the exchange takes", async () => {
    const g = await exchange(twoSellers());
    const a = await spec(g, SELLER_KEY);
    expect(a.status).toBe(200);
    const b = await spec(g, HOME_SELLER_KEY);
    expect(b.status).toBe(200);

    // A: auto, never home
    expect(a.body.tags.map((t: { name: string }) => t.name)).toEqual(['auto']);
    expect(Object.keys(a.body['x-gavel-campaigns'])).toEqual(['auto']);
    expect(JSON.stringify(a.body)).not.toContain('home.');
    expect(JSON.stringify(a.body)).not.toContain('sqft');
    const autoLead = a.body.components.schemas['auto.Lead'];
    expect(autoLead.properties.zip).toMatchObject({ type: 'string', pattern: '^[0-9]{5}$', 'x-ping': true, 'x-pii': false });
    expect(autoLead.properties.phone).toMatchObject({ 'x-ping': false, 'x-pii': true });
    expect(autoLead.properties.age).toMatchObject({ type: 'integer', minimum: 18, maximum: 120 });
    expect(autoLead.required.sort()).toEqual(['phone', 'state', 'zip']);
    expect(a.body.components.schemas['auto.PingLead'].required.sort()).toEqual(['state', 'zip']);
    expect(a.body['x-gavel-campaigns'].auto).toMatchObject({ tmax_ms: 150, ping_fields: ['zip', 'state', 'age'], pii_fields: ['name', 'phone', 'email'], dedup: [{ fields: ['phone'], match: 'all', window: '30d', scope: 'campaign' }] });

    // B: home, never auto
    expect(b.body.tags.map((t: { name: string }) => t.name)).toEqual(['home']);
    expect(JSON.stringify(b.body)).not.toContain('auto.');
    const home = b.body.components.schemas['home.Lead'];
    expect(home.properties.roof).toMatchObject({ enum: ['shingle', 'metal', 'tile'] });
    expect(b.body['x-gavel-campaigns'].home).toMatchObject({ tmax_ms: 200, max_tmax_ms: 800, dedup: [{ fields: ['phone', 'email'], match: 'any', window: '7d' }] });
    expect(b.body.tags[0].description).toContain('on any of phone, email within 7d');

    // the example leads are real: the exchange takes them (no buyer answers here: no INVALID_LEAD is what counts)
    for (const [doc, key, campaign] of [
      [a.body, SELLER_KEY, 'auto'],
      [b.body, HOME_SELLER_KEY, 'home'],
    ] as const) {
      const ping = doc.paths['/v1/ping'].post.requestBody.content['application/json'].examples[campaign].value;
      const lead = doc.paths['/v1/leads'].post.requestBody.content['application/json'].examples[campaign].value;
      const pinged = await call(g.port, '/v1/ping', ping, { authorization: `Bearer ${key}` });
      expect(pinged.status, JSON.stringify(pinged.body)).toBe(200);
      const posted = await call(g.port, '/v1/leads', lead, { authorization: `Bearer ${key}` });
      expect(posted.status, JSON.stringify(posted.body)).toBe(200);
    }

    // both documents are valid OpenAPI 3.1
    for (const doc of [a.body, b.body]) {
      const validator = new Validator();
      const result = await validator.validate(doc);
      expect(result.errors).toBeUndefined();
      expect(result.valid).toBe(true);
    }
  });

  it("answers no key with 401, a buyer's key and the operator's with 403 FORBIDDEN", async () => {
    const g = await exchange(twoSellers());
    const none = await spec(g, undefined);
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('UNAUTHORIZED');
    const buyer = await spec(g, BUYER_KEY);
    expect(buyer.status).toBe(403);
    expect(buyer.body.error.code).toBe('FORBIDDEN');
    const operator = await spec(g, ADMIN_KEY);
    expect(operator.status).toBe(403);
    expect(operator.body.error.code).toBe('FORBIDDEN');
    // not on the operator listener at all
    expect((await spec(g, SELLER_KEY, g.operatorPort)).status).toBe(404);
  });

  it('follows the live configuration: a field published by a reload shows at the next call', async () => {
    const config = twoSellers();
    const g = await exchange(config);
    const before = await spec(g, SELLER_KEY);
    expect(before.body.components.schemas['auto.Lead'].properties.income).toBeUndefined();
    expect(before.body.info.version).toBe('1');
    const changed = structuredClone(config);
    changed.redis = { url: g.runtime.data.redis!.url, prefix: g.runtime.data.redis!.prefix };
    changed.campaigns[0]!.fields = { ...(changed.campaigns[0]!.fields as object), income: { type: 'integer', min: 0, max: 10_000_000, ping: true } };
    changed.campaigns[0]!.tmax_ms = 250;
    g.reload(parseConfig(changed));
    const after = await spec(g, SELLER_KEY);
    expect(after.body.components.schemas['auto.Lead'].properties.income).toMatchObject({ type: 'integer', minimum: 0, 'x-ping': true });
    expect(after.body['x-gavel-campaigns'].auto.tmax_ms).toBe(250);
    expect(after.body.info.version).toBe('2');
  });
});
