import { randomBytes, randomInt } from 'node:crypto';
import type { ConfigInput } from '../../src/config/schema.js';

/**
 * The test campaign, its config and its leads: plain data, no server, so in-process tests use
 * them as the end-to-end ones do (test/support/exchange.ts re-exports them).
 */
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** the ledger's PostgreSQL (test/support/global-setup.ts fails the run when it does not answer) */
export const PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const SECRET = 'test-secret-0123456789abcdef';
export const SELLER_KEY = 'seller-key-0123456789';
/** the operator's key in testConfig: GET /v1/leads/{id} shows it whole traces */
export const ADMIN_KEY = 'admin-key-0123456789abcdef';

/** A unique key prefix per test, so tests never see each other's keys in the one Redis. */
export function testPrefix(): string {
  return `test:${randomBytes(6).toString('hex')}:`;
}

export interface BuyerSpec {
  id: string;
  url: string;
  timeout_ms?: number;
  caps?: Record<string, unknown>;
  campaign_caps?: Record<string, Record<string, unknown>>;
}

/** The lead of the e2e tests: ping fields zip/state/age; PII name/phone/email. */
export const TEST_FIELDS = {
  zip: { type: 'string', pattern: '^[0-9]{5}$', required: true, ping: true },
  state: { type: 'string', required: true, ping: true },
  age: { type: 'integer', min: 18, max: 120, ping: true },
  name: { type: 'string', pii: true },
  phone: { type: 'phone', required: true, pii: true },
  email: { type: 'email', pii: true },
} as const;

/** The campaign of the e2e tests: ping fields zip/state/age, PII phone/email/name, dedup on phone. */
export function testConfig(buyers: BuyerSpec[], campaign: Record<string, unknown> = {}, prefix = testPrefix()): ConfigInput {
  return {
    redis: { url: REDIS_URL, prefix },
    secret: SECRET,
    admin_key: ADMIN_KEY,
    campaigns: [
      {
        id: 'auto',
        tmax_ms: 150,
        margin: 0.2,
        floor: 1.0,
        dedup: { fields: ['phone'], window: '30d' },
        fields: TEST_FIELDS,
        ...campaign,
      },
    ],
    // the exchanges of the tests mostly run in the test's own process, whose loop the test's code
    // holds at times (a schema compiled, a browser driven): admission control would refuse their
    // leads for it. test/e2e/overload.test.ts sets its own limits
    server: { overload: { max_loop_lag_ms: 60_000, max_late_share: 1 } },
    sellers: [{ id: 'pub1', api_key: SELLER_KEY }],
    buyers: buyers.map((b) => ({
      id: b.id,
      campaigns: ['auto'],
      ping_url: `${b.url}/ping`,
      post_url: `${b.url}/post`,
      timeout_ms: b.timeout_ms ?? 100,
      ...(b.caps ? { caps: b.caps } : {}),
      ...(b.campaign_caps ? { campaign_caps: b.campaign_caps } : {}),
    })),
  };
}

let phoneSeq = randomInt(0, 100_000_000);
/** A fresh, valid full lead with a phone of its own. */
export function fullLead(over: Record<string, unknown> = {}): Record<string, unknown> {
  const phone = `55${String(phoneSeq++ % 100_000_000).padStart(8, '0')}`;
  return { zip: '90210', state: 'CA', age: 40, name: 'Ada Lovelace', phone, email: 'Ada@Example.com', ...over };
}

export function pingLead(lead: Record<string, unknown>): Record<string, unknown> {
  return { zip: lead.zip, state: lead.state, age: lead.age };
}
