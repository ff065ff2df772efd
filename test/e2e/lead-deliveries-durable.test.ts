import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { startGavel } from '../../src/gavel.js';
import { call, cleanPrefix, dropSchema, fullLead, metricsOf, PG_URL, readTrace, REDIS_URL, SECRET, SELLER_KEY, stopExchange, testPrefix, testSchema, ADMIN_KEY, TEST_FIELDS } from '../support/exchange.js';
import { spawnGavel, writeConfig } from '../support/process.js';
import { startRelay, type TestRelay } from '../support/smtp-relay.js';
import { stopAfterEach } from '../support/stop-after.js';

const cleanups = stopAfterEach({ ignoreFailures: true });

/** One e-mail-only buyer on Redis + PostgreSQL; a dead process's entries are taken over after 1 s. */
function config(relay: TestRelay, prefix: string, schema: string) {
  return {
    redis: { url: REDIS_URL, prefix },
    secret: SECRET,
    admin_key: ADMIN_KEY,
    ledger: { postgres_url: PG_URL, schema, poll_ms: 20, reclaim_after: '1s' },
    server: { overload: { max_loop_lag_ms: 60_000, max_late_share: 1 } },
    smtp: { host: relay.host, port: relay.port, user: relay.user, password_env: 'TEST_RELAY_PASSWORD', from: 'Gavel <leads@gavel.test>', tls_ca: relay.ca },
    campaigns: [{ id: 'auto', tmax_ms: 150, margin: 0.2, floor: 1.0, dedup: { fields: ['phone'], window: '30d' }, fields: TEST_FIELDS, distribution: [{ name: 'mail', method: 'fixed_price', buyers: ['m'] }] }],
    sellers: [{ id: 'pub1', api_key: SELLER_KEY }],
    buyers: [{ id: 'm', campaigns: ['auto'], price: 4, email: { to: ['leads@mailonly.test'], subject: 'Lead {{lead_id}} for {{lead.name}}' } }],
  };
}

describe('a sold lead\'s e-mail survives the process that queued it', () => {
  it('a process SIGKILLed while the relay holds the e-mail: another takes the queued entry over and delivers it, under the same Message-ID; the entry held the lead sealed', async () => {
    // the first message is held unanswered (the process dies meanwhile); every later one is taken
    const relay = await startRelay((_m, i) => (i === 0 ? 'hold' : 'accept'));
    cleanups.push(() => relay.close(), () => relay.release());
    const prefix = testPrefix();
    const schema = testSchema();
    cleanups.push(() => cleanPrefix(prefix), () => dropSchema(schema));
    const file = writeConfig(config(relay, prefix, schema));
    const doomed = await spawnGavel(file, { TEST_RELAY_PASSWORD: relay.password });
    cleanups.push(async () => void doomed.child.kill('SIGKILL'));

    const sold = await call(doomed.port, '/v1/leads', { campaign: 'auto', lead: fullLead({ name: 'Ada Lovelace' }) });
    expect(sold.body).toMatchObject({ status: 'sold', price: 3.2 });
    const leadId = sold.body.lead_id as string;
    await relay.waitFor(1);
    expect(relay.held).toBe(1);

    // while it waits, the queue holds the entry: its ids in clear, the lead sealed
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    cleanups.push(() => redis.disconnect());
    const entries = await redis.xrange(`${prefix}{q:deliveries}`, '-', '+');
    expect(entries).toHaveLength(1);
    const body = JSON.parse(entries[0]![1][1]!) as Record<string, string>;
    expect(body).toMatchObject({ channel: 'email', buyer: 'm', lead_id: leadId, campaign: 'auto' });
    expect(body.sealed).toMatch(/^v1\./);
    expect(entries[0]![1][1]).not.toMatch(/Lovelace|55\d{8}/);

    doomed.child.kill('SIGKILL');
    await doomed.exited;

    // the heir runs here: its password_env read from this process's environment
    process.env.TEST_RELAY_PASSWORD = relay.password;
    cleanups.push(() => delete process.env.TEST_RELAY_PASSWORD);
    const heir = await startGavel({ config: parseConfig(config(relay, prefix, schema)), port: 0, host: '127.0.0.1', operatorPort: 0, logLevel: 'silent' });
    cleanups.push(() => stopExchange(heir));
    const [first, second] = await relay.waitFor(2, 20_000);
    expect(second!.parsed.subject).toBe(`Lead ${leadId} for Ada Lovelace`);
    // at least once: the repeat is recognisable by its Message-ID
    expect(second!.parsed.messageId).toBe(first!.parsed.messageId);
    expect(second!.parsed.messageId).toBe(`<${leadId}.m@gavel.test>`);
    // the heir's outcome, in the lead's trace and the metrics
    const end = Date.now() + 10_000;
    let trace = await readTrace(heir, leadId);
    while (trace.body.deliveries?.[0]?.state !== 'delivered' && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 100));
      trace = await readTrace(heir, leadId);
    }
    expect(trace.body.deliveries).toEqual([expect.objectContaining({ buyer: 'm', channel: 'email', state: 'delivered', attempts: 1, last_error: null })]);
    expect(await metricsOf(heir)).toContain('gavel_deliveries_total{channel="email",result="delivered"} 1');
    // taken off the queue once delivered
    expect(await redis.xlen(`${prefix}{q:deliveries}`)).toBe(0);
  });
});
