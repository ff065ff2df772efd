import { afterEach, describe, expect, it } from 'vitest';
import type { Gavel } from '../../src/gavel.js';
import { startBuyer } from '../support/buyer-server.js';
import { call, fullLead, pingLead, startExchange, stopExchange, testConfig } from '../support/exchange.js';

/**
 * "Summit Legal": a form post answering XML, as many lead buyers publish it — ping with a few
 * form fields and an API key, a price (or a rejection) in XML; the post a form with the
 * person's details, a <Result>Success</Result> or a reason.
 */
const summitFormat = {
  ping: {
    body: 'form',
    fields: {
      api_key: { value: 'summit-test-key' },
      lead_token: 'ping_id',
      zip_code: 'lead.zip',
      state_code: { from: 'lead.state', transform: ['upper'] },
      applicant_age: 'lead.age',
    },
  },
  ping_reply: { bid: { xpath: '/response/price' }, bid_id: { xpath: '/response/@token' }, reason: { xpath: '/response/reason' } },
  post: {
    body: 'form',
    fields: {
      api_key: { value: 'summit-test-key' },
      token: 'bid_id',
      agreed_price: 'price',
      first_name: 'lead.name',
      phone: { from: 'lead.phone', transform: ['digits'] },
      email: 'lead.email',
      zip_code: 'lead.zip',
      is_test: { from: 'test', transform: ['yes_no'] },
    },
  },
  post_reply: {
    accepted: { xpath: '/PostResponse/Result', equals: 'Success' },
    reason: { xpath: '/PostResponse/Reason' },
    redirect_url: { xpath: '/PostResponse/RedirectURL' },
  },
};

/** "Beacon Insurance": a JSON API with its own field names, nested, and its own reply shape. */
const beaconFormat = {
  ping: {
    body: 'json',
    fields: {
      'Auth.Key': { value: 'beacon-key' },
      'Lead.PostalCode': 'lead.zip',
      'Lead.Region': { from: 'lead.state', map: { CA: 'California', TX: 'Texas' } },
      'Lead.Age': { from: 'lead.age', transform: ['string'] },
      'Meta.Reference': 'ping_id',
    },
  },
  ping_reply: { bid: { json: 'result.bid_amount' }, bid_id: { json: 'result.bid_token' } },
  post: {
    body: 'json',
    fields: {
      'Auth.Key': { value: 'beacon-key' },
      Token: 'bid_id',
      Price: 'price',
      'Contact.Phone': 'lead.phone',
      'Contact.Email': 'lead.email',
      'Contact.Zip': 'lead.zip',
    },
  },
  post_reply: { accepted: { json: 'success' }, reason: { json: 'errors[0].message' }, redirect_url: { json: 'next_url' } },
};

let g: Gavel | undefined;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  if (g) await stopExchange(g);
  g = undefined;
  for (const c of closers.splice(0)) await c();
});

describe('buyers that speak their own formats', () => {
  it('a form-post buyer answering XML and a JSON API with its own field names both buy leads', async () => {
    let summitPrice = '14.50';
    let summitResult = 'Success';
    const summit = await startBuyer(
      (c) => ({ contentType: 'text/xml', raw: `<?xml version="1.0"?><response token="sum-${new URLSearchParams(c.text).get('lead_token')}"><status>ok</status><price>${summitPrice}</price></response>` }),
      () => ({
        contentType: 'text/xml',
        raw: `<PostResponse><Result>${summitResult}</Result>${summitResult === 'Success' ? '<RedirectURL>https://summit.example/thanks?a=1&amp;b=2</RedirectURL>' : '<Reason>Duplicate &amp; already contacted</Reason>'}</PostResponse>`,
      }),
    );
    const beacon = await startBuyer(
      (c) => ({ body: { result: { bid_amount: 11, bid_token: `bcn-${(c.body.Meta as { Reference: string }).Reference}` } } }),
      () => ({ body: { success: true, next_url: 'https://beacon.example/go' } }),
    );
    closers.push(summit.close, beacon.close);
    const config = testConfig([
      { id: 'summit', url: summit.url },
      { id: 'beacon', url: beacon.url },
    ]);
    (config.buyers[0] as Record<string, unknown>).format = summitFormat;
    (config.buyers[1] as Record<string, unknown>).format = beaconFormat;
    g = await startExchange(config);

    // summit bids 14.50 in XML, beacon 11 in JSON: summit wins, is posted a form, accepts in XML
    const lead = fullLead({ phone: '(555) 010-4477' });
    const ping = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(lead) });
    expect(ping.body).toMatchObject({ status: 'bid', price: 11.6, bids: 2 });
    const pingForm = new URLSearchParams(summit.pings[0]!.text);
    expect(summit.pings[0]!.contentType).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(pingForm)).toEqual({ api_key: 'summit-test-key', lead_token: ping.body.ping_id, zip_code: '90210', state_code: 'CA', applicant_age: '40' });
    expect(JSON.parse(beacon.pings[0]!.text)).toEqual({
      Auth: { Key: 'beacon-key' },
      Lead: { PostalCode: '90210', Region: 'California', Age: '40' },
      Meta: { Reference: ping.body.ping_id },
    });
    const sold = await call(g.port, '/v1/post', { ping_id: ping.body.ping_id, lead });
    expect(sold.body).toMatchObject({ status: 'sold', price: 11.6, redirect_url: 'https://summit.example/thanks?a=1&b=2' });
    expect(Object.fromEntries(new URLSearchParams(summit.posts[0]!.text))).toEqual({
      api_key: 'summit-test-key',
      token: `sum-${ping.body.ping_id}`,
      agreed_price: '14.5',
      first_name: 'Ada Lovelace',
      phone: '5550104477',
      email: 'ada@example.com',
      zip_code: '90210',
      is_test: 'No',
    });

    // summit rejects in XML with its reason: the lead falls through to beacon's JSON API
    summitResult = 'Rejected';
    const direct = await call(g.port, '/v1/leads', { campaign: 'auto', lead: fullLead() });
    expect(direct.body).toMatchObject({ status: 'sold', price: 8.8, redirect_url: 'https://beacon.example/go' });
    const beaconPost = JSON.parse(beacon.posts.at(-1)!.text);
    expect(beaconPost).toMatchObject({ Auth: { Key: 'beacon-key' }, Price: 11, Contact: { Zip: '90210', Email: 'ada@example.com' } });
    expect(beaconPost.Token).toMatch(/^bcn-/);

    // an XML price of 0 is a pass; garbage is a BAD_REPLY pass
    summitPrice = '0';
    expect((await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) })).body).toMatchObject({ status: 'bid', price: 8.8, bids: 1 });
    summitPrice = '<oops';
    await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) });
    const metrics = await (await fetch(`http://127.0.0.1:${g.operatorPort}/metrics`)).text();
    expect(metrics).toMatch(/gavel_buyer_passes_total\{buyer="summit",kind="NO_BID"\} 1/);
    expect(metrics).toMatch(/gavel_buyer_passes_total\{buyer="summit",kind="BAD_REPLY"\} 1/);
    expect(metrics).toMatch(/gavel_posts_total\{buyer="summit",result="rejected"\} 1/);
  });

  it('a boberdoo-style buyer is sent the seller, the sub id, the lead id and the times with its ping and its post', async () => {
    const bob = await startBuyer(
      () => ({ body: { price: 9 } }),
      () => ({ body: { status: 'Matched' } }),
    );
    closers.push(bob.close);
    const config = testConfig([{ id: 'bob', url: bob.url }]);
    (config.buyers[0] as Record<string, unknown>).format = {
      ping: { body: 'form', fields: { SRC: 'seller', Sub_ID: { from: 'sub_id', default: 'direct' }, Lead_ID: 'lead_id', Received: 'ping_received_at', Zip: 'lead.zip' } },
      ping_reply: { bid: { json: 'price' } },
      post: {
        body: 'form',
        fields: { SRC: 'seller', Sub_ID: { from: 'sub_id', default: 'direct' }, Lead_ID: 'lead_id', Received: 'ping_received_at', Received_MS: 'ping_received_ms', Sent: 'post_sent_at', Sent_MS: 'post_sent_ms', Phone: 'lead.phone' },
      },
      post_reply: { accepted: { json: 'status', equals: 'Matched' } },
    };
    g = await startExchange(config);

    const lead = fullLead();
    const t0 = Date.now();
    const ping = await call(g.port, '/v1/ping', { campaign: 'auto', sub_id: 'aff-42', lead: pingLead(lead) });
    const t1 = Date.now();
    expect(ping.body).toMatchObject({ status: 'bid', price: 7.2 });
    const pinged = Object.fromEntries(new URLSearchParams(bob.pings[0]!.text));
    expect(pinged).toMatchObject({ SRC: 'pub1', Sub_ID: 'aff-42', Lead_ID: ping.body.ping_id, Zip: '90210' });
    expect(Object.keys(pinged)).not.toContain('Sent'); // a ping has no post time
    const received = Date.parse(pinged.Received!);
    expect(received).toBeGreaterThanOrEqual(t0 - 5);
    expect(received).toBeLessThanOrEqual(t1 + 5);

    await new Promise((r) => setTimeout(r, 20)); // the post comes later than the ping, and says so
    const p0 = Date.now();
    expect((await call(g.port, '/v1/post', { ping_id: ping.body.ping_id, lead })).body).toMatchObject({ status: 'sold', lead_id: ping.body.ping_id });
    const p1 = Date.now();
    const posted = Object.fromEntries(new URLSearchParams(bob.posts[0]!.text));
    // the post keeps its ping's sub id, lead id and time of receipt, carried in the auction's state
    expect(posted).toMatchObject({ SRC: 'pub1', Sub_ID: 'aff-42', Lead_ID: ping.body.ping_id, Received: pinged.Received, Received_MS: String(received) });
    expect(Number(posted.Sent_MS)).toBeGreaterThanOrEqual(p0);
    expect(Number(posted.Sent_MS)).toBeLessThanOrEqual(p1);
    expect(posted.Sent).toBe(new Date(Number(posted.Sent_MS)).toISOString());

    // a direct post with no sub id: its lead id is the one the seller is answered with, its Sub_ID the default
    const direct = await call(g.port, '/v1/leads', { campaign: 'auto', lead: fullLead() });
    expect(direct.body).toMatchObject({ status: 'sold' });
    expect(Object.fromEntries(new URLSearchParams(bob.posts[1]!.text))).toMatchObject({ SRC: 'pub1', Sub_ID: 'direct', Lead_ID: direct.body.lead_id });
  });
});
