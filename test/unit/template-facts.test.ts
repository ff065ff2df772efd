import { describe, expect, it } from 'vitest';
import type { CallFacts } from '../../src/buyers/buyer-codec.js';
import { renderRequest, templateCodec } from '../../src/buyers/templates/template-codec.js';
import { BuyerFormat, RequestTemplate } from '../../src/config/template-schema.js';

/** The lead's ids and times, as the exchange hands its run to a buyer's format. */
const FACTS: CallFacts = { seller: { id: 'pub1' }, subId: 'aff-42', id: 'lead-7f3a', pingReceivedAt: Date.UTC(2026, 11, 3, 10, 0, 0, 250) };
const NATIVE_POST = JSON.stringify({ ping_id: 'lead-7f3a', bid_id: 'b-1', price: 12.5, test: false, tmax_ms: 3000, score: null, grade: null, lead: { zip: '90210', phone: '5550104477', name: 'Ada' } });
const NATIVE_PING = JSON.stringify({ ping_id: 'lead-7f3a', campaign: 'auto', test: false, lead: { zip: '90210' }, tmax_ms: 90 });

/** boberdoo's ping-post names: SRC (the source), Sub_ID, and the lead's own reference */
const boberdoo = RequestTemplate.parse({
  body: 'form',
  fields: {
    SRC: 'seller',
    Sub_ID: { from: 'sub_id', default: 'none' },
    Lead_ID: 'lead_id',
    Received: 'ping_received_at',
    Received_MS: 'ping_received_ms',
    Sent: 'post_sent_at',
    Sent_MS: 'post_sent_ms',
    Zip: 'lead.zip',
  },
});

describe('template sources beyond the native message: the seller, the sub id, the lead id and the times', () => {
  it('a post carries each, times as ISO-8601 and epoch ms', () => {
    const sentAt = Date.UTC(2026, 11, 3, 10, 0, 1, 5);
    const wire = renderRequest(boberdoo, NATIVE_POST, FACTS, sentAt);
    expect(Object.fromEntries(new URLSearchParams(wire.body!))).toEqual({
      SRC: 'pub1',
      Sub_ID: 'aff-42',
      Lead_ID: 'lead-7f3a',
      Received: '2026-12-03T10:00:00.250Z',
      Received_MS: String(FACTS.pingReceivedAt),
      Sent: '2026-12-03T10:00:01.005Z',
      Sent_MS: String(sentAt),
      Zip: '90210',
    });
  });

  it('in JSON the epoch ms are numbers; a ping has no post time, and a lead with no sub id takes the default', () => {
    const json = RequestTemplate.parse({ fields: { 'Source.Id': 'seller', 'Source.Sub': { from: 'sub_id', default: 'none' }, ReceivedMs: 'ping_received_ms', SentMs: 'post_sent_ms' } });
    const wire = renderRequest(json, NATIVE_PING, { ...FACTS, subId: undefined });
    expect(JSON.parse(wire.body!)).toEqual({ Source: { Id: 'pub1', Sub: 'none' }, ReceivedMs: FACTS.pingReceivedAt });
  });

  it('a call with no lead behind it leaves the facts out, and the native message\'s own paths as they were', () => {
    const t = RequestTemplate.parse({ fields: { SRC: 'seller', Lead: 'lead_id', Zip: 'lead.zip', Ref: 'ping_id' } });
    expect(JSON.parse(renderRequest(t, NATIVE_PING).body!)).toEqual({ Zip: '90210', Ref: 'lead-7f3a' });
  });

  it('the codec stamps a post with the time it is made, and a ping with none', () => {
    const codec = templateCodec(
      BuyerFormat.parse({
        ping: { body: 'json', fields: { src: 'seller', sent: 'post_sent_ms', at: 'ping_received_at' } },
        ping_reply: { bid: { json: 'price' } },
        post: { body: 'json', fields: { src: 'seller', sub: 'sub_id', sent: 'post_sent_ms' } },
        post_reply: { accepted: { json: 'ok' } },
      }),
    );
    expect(JSON.parse(codec.pingRequest(NATIVE_PING, FACTS).body!)).toEqual({ src: 'pub1', at: '2026-12-03T10:00:00.250Z' });
    const before = Date.now();
    const post = JSON.parse(codec.postRequest(NATIVE_POST, FACTS).body!) as { src: string; sub: string; sent: number };
    expect(post).toMatchObject({ src: 'pub1', sub: 'aff-42' });
    expect(post.sent).toBeGreaterThanOrEqual(before);
    expect(post.sent).toBeLessThanOrEqual(Date.now());
  });
});
