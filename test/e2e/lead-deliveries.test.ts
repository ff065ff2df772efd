import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { startGavel } from '../../src/gavel.js';
import { signature } from '../../src/notify/postbacks.js';
import { LeadBought } from '../../src/protocol/notices.js';
import { startBuyer } from '../support/buyer-server.js';
import { call, dropSchema, fullLead, getAs, metricsOf, PG_URL, readTrace, stopExchange, testConfig, testPrefix, testSchema } from '../support/exchange.js';
import { startRelay } from '../support/smtp-relay.js';
import { stopAfterEach } from '../support/stop-after.js';

const BUYER_KEY = 'buyer-a-key-0123456789';
const MAILONLY_KEY = 'buyer-m-key-0123456789';
const HOOK_SECRET = 'webhook-secret-0123456789';

/** The buyer's CRM: a second URL of its own, keeping each call. */
async function crmServer() {
  const got: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/crm`, got, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function until<T>(what: string, read: () => Promise<T> | T, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const cleanups = stopAfterEach();

describe('sold leads delivered by e-mail and webhook', () => {
  for (const store of ['memory', 'redis'] as const) {
    it(`on ${store === 'memory' ? 'the embedded default' : 'Redis + PostgreSQL'}: a buyer gets an e-mail copy and a signed webhook beside its post; an e-mail-only buyer buys at its price, its e-mail retried after a 4xx; each outcome in the trace, the portal and the metrics`, async () => {
      let mailOnlyTries = 0;
      const relay = await startRelay((m) => (m.rcpt.includes('leads@mailonly.test') && ++mailOnlyTries === 1 ? { code: 451, message: 'Greylisted, try again' } : 'accept'));
      cleanups.push(() => relay.close());
      const crm = await crmServer();
      cleanups.push(crm.close);
      // a takes every lead but those from New York, which fall to the e-mail-only buyer's fixed-price tier
      const buyer = await startBuyer(
        () => ({ body: { bid: 10 } }),
        (c) => ({ body: (c.body.lead as { state: string }).state === 'NY' ? { accepted: false, reason: 'NO_NY' } : { accepted: true } }),
      );
      cleanups.push(() => buyer.close());
      const input = testConfig([{ id: 'a', url: buyer.url }], { distribution: [{ name: 'bids', method: 'highest_bid', buyers: ['a'] }, { name: 'mail', method: 'fixed_price', buyers: ['m'] }] }, testPrefix());
      const a = input.buyers[0] as Record<string, unknown>;
      a.key = BUYER_KEY;
      a.email = {
        to: ['sales@a.test', 'crm@a.test'],
        subject: 'Lead {{lead_id}}: {{lead.name}} in {{lead.state}} at {{price}}',
        text: 'Name: {{lead.name}}\nPhone: {{lead.phone}}\nCampaign: {{campaign}}',
        html: '<p>{{lead.name}} ({{lead.zip}})</p>',
      };
      a.webhook = { url: crm.url, secret: HOOK_SECRET };
      input.buyers.push({ id: 'm', campaigns: ['auto'], price: 4, key: MAILONLY_KEY, email: { to: ['leads@mailonly.test'], subject: 'Lead {{lead_id}}' } } as never);
      const schema = testSchema();
      cleanups.push(() => dropSchema(schema));
      const config = {
        ...input,
        ...(store === 'memory' ? { redis: undefined } : { ledger: { postgres_url: PG_URL, schema, poll_ms: 20 } }),
        smtp: { host: relay.host, port: relay.port, user: relay.user, password: relay.password, from: 'Gavel <leads@gavel.test>', tls_ca: relay.ca, max_recipients: 2 },
      };
      const g = await startGavel({ config: parseConfig(config), port: 0, host: '127.0.0.1', operatorPort: 0, logLevel: 'silent' });
      cleanups.push(() => stopExchange(g));
      expect(g.store.kind).toBe(store);

      // a lead whose name would be markup: the HTML body shows it, escaped
      const sold = await call(g.port, '/v1/leads', { campaign: 'auto', lead: fullLead({ name: 'Ada <b>Lovelace</b>' }) });
      expect(sold.body).toMatchObject({ status: 'sold', price: 8 });
      const leadId = sold.body.lead_id as string;
      const [mail] = await relay.waitFor(1);
      expect(mail!.secure).toBe(true);
      expect(mail!.rcpt.sort()).toEqual(['crm@a.test', 'sales@a.test']);
      expect(mail!.parsed.subject).toBe(`Lead ${leadId}: Ada <b>Lovelace</b> in CA at 10`);
      expect(mail!.parsed.messageId).toBe(`<${leadId}.a@gavel.test>`);
      expect(mail!.parsed.text).toContain('Name: Ada <b>Lovelace</b>\nPhone: 55');
      expect(mail!.parsed.text).toContain('Campaign: auto');
      expect(mail!.parsed.html).toContain('<p>Ada &lt;b&gt;Lovelace&lt;&#x2F;b&gt; (90210)</p>');
      // the webhook: the whole lead, signed with the buyer's secret over the time and the body
      const hook = await until('the webhook', () => crm.got, (g) => g.length >= 1);
      const body = JSON.parse(hook[0]!.body) as Record<string, unknown>;
      expect(body).toMatchObject({ event_id: `lead.bought:${leadId}`, type: 'lead.bought', lead_id: leadId, campaign: 'auto', price: 10, lead: { name: 'Ada <b>Lovelace</b>', state: 'CA' } });
      expect(body).not.toHaveProperty('seller');
      // the published schema (openapi.json, webhook buyerLeadCopy) is what was sent
      expect(LeadBought.strict().safeParse(body).success).toBe(true);
      const t = Number(/t=(\d+)/.exec(String(hook[0]!.headers['x-gavel-signature']))![1]);
      expect(hook[0]!.headers['x-gavel-signature']).toBe(signature(HOOK_SECRET, t, hook[0]!.body));

      // New York: a refuses, the e-mail-only buyer takes it at its price once its e-mail is queued
      const byMail = await call(g.port, '/v1/leads', { campaign: 'auto', lead: fullLead({ state: 'NY' }) });
      expect(byMail.body).toMatchObject({ status: 'sold', price: 3.2 });
      const mailLead = byMail.body.lead_id as string;
      // its first try is greylisted (451), its second, a second later, taken
      await relay.waitFor(3);
      const toM = relay.received.filter((m) => m.rcpt.includes('leads@mailonly.test'));
      expect(toM.map((m) => m.parsed.subject)).toEqual([`Lead ${mailLead}`, `Lead ${mailLead}`]);
      expect(toM.map((m) => m.parsed.messageId)).toEqual([`<${mailLead}.m@gavel.test>`, `<${mailLead}.m@gavel.test>`]);
      // no body template: every field of the lead, one a line
      expect(toM[1]!.parsed.text).toContain('state: NY\n');
      expect(toM[1]!.parsed.text).toContain('name: Ada Lovelace\n');
      // one webhook only: the e-mail-only buyer has none, a's is not sent for a lead it refused
      expect(crm.got).toHaveLength(1);

      // the outcomes, in each lead's trace: the operator's whole, the buyer's its own
      const operator = await until('the trace', () => readTrace(g, leadId), (r) => r.body.deliveries?.length === 2 && r.body.deliveries.every((d: { state: string }) => d.state === 'delivered'));
      expect(operator.body.deliveries.map((d: Record<string, unknown>) => [d.buyer, d.channel, d.state, d.attempts, d.last_error]).sort()).toEqual([
        ['a', 'email', 'delivered', 1, null],
        ['a', 'webhook', 'delivered', 1, null],
      ]);
      const own = await readTrace(g, leadId, BUYER_KEY);
      expect(own.body).toMatchObject({ outcome: 'won', price: 10 });
      expect(own.body.deliveries.map((d: Record<string, unknown>) => [d.channel, d.state]).sort()).toEqual([
        ['email', 'delivered'],
        ['webhook', 'delivered'],
      ]);
      const mailTrace = await until('the e-mail-only trace', () => readTrace(g, mailLead, MAILONLY_KEY), (r) => r.body.deliveries?.[0]?.state === 'delivered');
      expect(mailTrace.body).toMatchObject({ outcome: 'won', price: 4, deliveries: [{ channel: 'email', state: 'delivered', attempts: 2, last_status: 250 }] });
      // a seller sees no buyer's delivery
      const seller = await readTrace(g, leadId, 'seller-key-0123456789');
      expect(seller.status).toBe(200);
      expect(seller.body).not.toHaveProperty('deliveries');
      // a buyer's portal: its deliveries with their tries and last error
      const portal = await getAs(g.port, '/v1/postbacks', MAILONLY_KEY);
      expect(portal.body.notices).toEqual([expect.objectContaining({ event_id: `lead.email:${mailLead}`, type: 'lead.email', lead_id: mailLead, state: 'delivered', attempts: 2, last_status: 250, last_error: null })]);
      const aPortal = await getAs(g.port, '/v1/postbacks', BUYER_KEY);
      expect(aPortal.body.notices.map((n: { type: string }) => n.type).sort()).toEqual(['lead.email', 'lead.webhook']);
      const metrics = await metricsOf(g);
      expect(metrics).toContain('gavel_deliveries_total{channel="email",result="delivered"} 2');
      expect(metrics).toContain('gavel_deliveries_total{channel="email",result="retried"} 1');
      expect(metrics).toContain('gavel_deliveries_total{channel="webhook",result="delivered"} 1');
    });
  }
});
