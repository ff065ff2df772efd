import { afterEach, describe, expect, it } from 'vitest';
import type { Gavel } from '../../src/gavel.js';
import { startEmbeddedExchange, startRedisPostgresExchange } from '../support/admin-api.js';
import { startBuyer } from '../support/buyer-server.js';
import { call, dropSchema, fullLead, metricsOf, pingLead, readTrace, startExchange, stopExchange, testConfig, testSchema } from '../support/exchange.js';
import { SOAP11, SOAP12, startSoapVendor, type SoapAnswer } from '../support/soap-vendor.js';

const NW = 'http://leads.northwind.example/2019/';

/**
 * "Northwind Lending": an ASMX service (SOAP 1.1) at one URL, PriceLead and SubmitLead told
 * apart by SOAPAction. The ping is written as ASMX's own samples are (a default namespace on the
 * operation), the post with a prefix: the reply paths name neither, only the namespaces.
 */
const northwindFormat = {
  ping: {
    body: 'soap',
    soap: { version: '1.1', action: 'http://leads.northwind.example/PriceLead', namespace: NW },
    root: 'PriceLead',
    fields: { Zip: 'lead.zip', State: 'lead.state', Age: 'lead.age', Reference: 'ping_id' },
  },
  ping_reply: {
    bid: { xpath: '/env:Envelope/env:Body/nw:PriceLeadResponse/nw:PriceLeadResult/nw:Price' },
    bid_id: { xpath: '/env:Envelope/env:Body/nw:PriceLeadResponse/nw:PriceLeadResult/nw:Token' },
    namespaces: { env: SOAP11, nw: NW },
  },
  post: {
    body: 'soap',
    soap: { version: '1.1', action: 'http://leads.northwind.example/SubmitLead', namespaces: { n: NW } },
    root: 'n:SubmitLead',
    fields: { 'n:Token': 'bid_id', 'n:Price': 'price', 'n:Contact.n:Name': 'lead.name', 'n:Contact.n:Phone': 'lead.phone', 'n:Contact.n:Email': 'lead.email' },
  },
  post_reply: {
    accepted: { xpath: '/env:Envelope/env:Body/nw:SubmitLeadResponse/nw:SubmitLeadResult/nw:Status', equals: 'Accepted' },
    reason: { xpath: '/env:Envelope/env:Body/nw:SubmitLeadResponse/nw:SubmitLeadResult/nw:Message' },
    redirect_url: { xpath: '/env:Envelope/env:Body/nw:SubmitLeadResponse/nw:SubmitLeadResult/nw:RedirectUrl' },
    namespaces: { env: SOAP11, nw: NW },
  },
};

const NAME = `Ada "Countess" O'Neil <Lovelace> & Co`;

let g: Gavel | undefined;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  if (g) await stopExchange(g);
  g = undefined;
  for (const c of closers.splice(0)) await c();
});

async function northwindMarket(store: 'memory' | 'redis+postgres') {
  let postFault: string | null = null;
  let broken = false;
  const vendor = await startSoapVendor({
    version: '1.1',
    ns: NW,
    actions: { 'http://leads.northwind.example/PriceLead': 'PriceLead', 'http://leads.northwind.example/SubmitLead': 'SubmitLead' },
    handle: (op, c): SoapAnswer => {
      if (broken) return { iisError: true };
      if (op === 'PriceLead') {
        // an ASMX service that throws: a SoapException becomes soap:Server and HTTP 500
        if (c.fields.Zip === '10001') return { fault: `System.Web.Services.Protocols.SoapException: Zip ${c.fields.Zip} is not covered` };
        return { result: { Price: '14.50', Token: `nw-${c.fields.Reference}` } };
      }
      if (postFault !== null) return { fault: postFault, code: 'Client' };
      return { result: { Status: 'Accepted', Message: 'Lead received', RedirectUrl: 'https://northwind.example/thanks?lead=1&src=gavel' } };
    },
  });
  const beacon = await startBuyer(() => ({ body: { bid: 8 } }));
  closers.push(vendor.close, beacon.close);
  const config = testConfig([
    { id: 'northwind', url: vendor.url },
    { id: 'beacon', url: beacon.url },
  ]);
  Object.assign(config.buyers[0] as Record<string, unknown>, { ping_url: vendor.url, post_url: vendor.url, format: northwindFormat, breaker: { failures: 2, min_calls: 100 } });
  let schema: string | null = null;
  if (store === 'memory') {
    const started = await startEmbeddedExchange(config);
    closers.push(started.close);
    g = started.g;
  } else {
    schema = testSchema();
    const started = await startRedisPostgresExchange(config, schema);
    closers.push(started.close, () => dropSchema(schema!));
    g = started.g;
  }
  return {
    vendor,
    beacon,
    g: g!,
    failPosts: (fault: string | null) => void (postFault = fault),
    breakServer: () => void (broken = true),
  };
}

describe('a SOAP buyer', () => {
  for (const store of ['memory', 'redis+postgres'] as const) {
    it(`buys through its ASMX service, and its Faults are passes and rejects with their reasons (${store})`, async () => {
      const m = await northwindMarket(store);
      const { vendor, g } = m;

      // the ping: a SOAP 1.1 envelope with its SOAPAction; the typed reply read by namespace
      const lead = fullLead({ name: NAME });
      const ping = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(lead) });
      expect(ping.body).toMatchObject({ status: 'bid', price: 11.6, bids: 2 });
      expect(vendor.refused).toEqual([]);
      expect(vendor.calls[0]).toMatchObject({ action: 'http://leads.northwind.example/PriceLead', contentType: 'text/xml; charset=utf-8' });
      expect(vendor.calls[0]!.fields).toEqual({ Zip: '90210', State: 'CA', Age: '40', Reference: ping.body.ping_id });

      // the post: the winner's token and price, the person's details escaped and read back whole
      const sold = await call(g.port, '/v1/post', { ping_id: ping.body.ping_id, lead });
      expect(sold.body).toMatchObject({ status: 'sold', price: 11.6, redirect_url: 'https://northwind.example/thanks?lead=1&src=gavel' });
      expect(vendor.calls[1]!.action).toBe('http://leads.northwind.example/SubmitLead');
      expect(vendor.calls[1]!.fields).toEqual({ Token: `nw-${ping.body.ping_id}`, Price: '14.5', 'Contact.Name': NAME, 'Contact.Phone': lead.phone, 'Contact.Email': 'ada@example.com' });

      // a ping Fault (HTTP 500) is a pass with the fault string, three times over a breaker that
      // opens after two failures in a row: it stays closed and the service is still pinged
      for (let i = 0; i < 3; i++) {
        const passed = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead({ zip: '10001' })) });
        expect(passed.body).toMatchObject({ status: 'bid', price: 6.4, bids: 1 });
        if (i === 2) {
          const trace = await readTrace(g, passed.body.ping_id);
          const pinged = trace.body.segments[0].pings.find((p: { buyer: string }) => p.buyer === 'northwind');
          expect(pinged).toMatchObject({ kind: 'NO_BID', reason: 'System.Web.Services.Protocols.SoapException: Zip 10001 is not covered' });
        }
      }
      expect(vendor.calls.filter((c) => c.operation.local === 'PriceLead')).toHaveLength(4);

      // a post Fault is a reject with its reason: the lead falls through to the next buyer
      m.failPosts('Duplicate lead: this consumer applied within 30 days');
      const direct = await call(g.port, '/v1/leads', { campaign: 'auto', lead: fullLead() });
      expect(direct.body).toMatchObject({ status: 'sold', price: 6.4 });
      const posts = (await readTrace(g, direct.body.lead_id)).body.segments[0].posts;
      expect(posts.map((p: { buyer: string; accepted: boolean; reason?: string }) => [p.buyer, p.accepted, p.reason])).toEqual([
        ['northwind', false, 'Duplicate lead: this consumer applied within 30 days'],
        ['beacon', true, undefined],
      ]);
      expect(posts[0].unconfirmed).toBeUndefined();

      let metrics = await metricsOf(g);
      expect(metrics).toMatch(/gavel_buyer_passes_total\{buyer="northwind",kind="NO_BID"\} 3/);
      expect(metrics).not.toMatch(/gavel_buyer_passes_total\{buyer="northwind",kind="HTTP_ERROR"\}/);
      expect(metrics).toMatch(/gavel_breaker_state\{buyer="northwind"\} 0/);
      expect(metrics).toMatch(/gavel_posts_total\{buyer="northwind",result="rejected"\} 1/);

      // a 500 with no envelope (the server's own error page) is not the service refusing: an HTTP_ERROR, which counts
      m.breakServer();
      await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) });
      metrics = await metricsOf(g);
      expect(metrics).toMatch(/gavel_buyer_passes_total\{buyer="northwind",kind="HTTP_ERROR"\} 1/);
    });
  }

  it('a WCF service on SOAP 1.2: the action in the content type, its s:/a: prefixes read by namespace, a Sender fault a reject', async () => {
    const WCF = 'http://schemas.acme-insure.example/leads';
    let reject = false;
    const vendor = await startSoapVendor({
      version: '1.2',
      ns: WCF,
      actions: { 'http://schemas.acme-insure.example/leads/ILeadService/Quote': 'Quote', 'http://schemas.acme-insure.example/leads/ILeadService/Deliver': 'Deliver' },
      handle: (op, c): SoapAnswer =>
        op === 'Quote' ? { result: { Amount: '21.00', QuoteId: `q-${c.fields.Zip}` } } : reject ? { fault: 'Phone number failed validation', code: 'Client' } : { result: { Accepted: 'true' } },
    });
    closers.push(vendor.close);
    const soap = (action: string) => ({ version: '1.2', action: `http://schemas.acme-insure.example/leads/ILeadService/${action}`, namespaces: { a: WCF } });
    const config = testConfig([{ id: 'acme', url: vendor.url }]);
    Object.assign(config.buyers[0] as Record<string, unknown>, {
      ping_url: vendor.url,
      post_url: vendor.url,
      format: {
        ping: { body: 'soap', soap: soap('Quote'), root: 'a:Quote', fields: { 'a:Zip': 'lead.zip', 'a:State': 'lead.state' } },
        ping_reply: { bid: { xpath: '/s:Envelope/s:Body/q:QuoteResponse/q:QuoteResult/q:Amount' }, bid_id: { xpath: '/s:Envelope/s:Body/q:QuoteResponse/q:QuoteResult/q:QuoteId' }, namespaces: { s: SOAP12, q: WCF } },
        post: { body: 'soap', soap: soap('Deliver'), root: 'a:Deliver', fields: { 'a:QuoteId': 'bid_id', 'a:Phone': 'lead.phone' } },
        post_reply: { accepted: { xpath: '/s:Envelope/s:Body/q:DeliverResponse/q:DeliverResult/q:Accepted', equals: 'true' }, namespaces: { s: SOAP12, q: WCF } },
      },
    });
    g = await startExchange(config, 'memory');
    const lead = fullLead();
    const ping = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(lead) });
    expect(ping.body).toMatchObject({ status: 'bid', price: 16.8 });
    expect(vendor.calls[0]!.contentType).toBe('application/soap+xml; charset=utf-8; action="http://schemas.acme-insure.example/leads/ILeadService/Quote"');
    expect((await call(g.port, '/v1/post', { ping_id: ping.body.ping_id, lead })).body).toMatchObject({ status: 'sold', price: 16.8 });
    expect(vendor.calls[1]!.fields).toEqual({ QuoteId: 'q-90210', Phone: lead.phone });

    reject = true;
    const refused = await call(g.port, '/v1/leads', { campaign: 'auto', lead: fullLead() });
    expect(refused.body).toMatchObject({ status: 'rejected' });
    const posts = (await readTrace(g, refused.body.lead_id)).body.segments[0].posts;
    expect(posts).toMatchObject([{ buyer: 'acme', accepted: false, reason: 'Phone number failed validation' }]);
    expect(vendor.refused).toEqual([]);
  });
});
