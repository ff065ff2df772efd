/**
 * What Gavel calls out to, as OpenAPI 3.1 webhooks: the native buyer protocol (the ping to every
 * eligible buyer and the post to the winner, with what Gavel accepts back), sellers' postbacks,
 * buyers' loss notices and the copies of leads bought sent to a buyer's webhook, with their signature scheme.
 */
import { BuyerPing, BuyerPost } from '../protocol/buyer-api.js';
import { LeadBought, LeadResult, SIGNATURE_HEADER, SIGNATURE_SCHEME } from '../protocol/notices.js';
import { PingReply, PostReply } from '../buyers/buyer-replies.js';
import { signature } from '../notify/postbacks.js';
import { answerSchema, PLACEHOLDER, ref, requestSchema, type PathGroup } from './spec-parts.js';

const json = (schema: unknown, examples: Record<string, { summary: string; value: unknown }>) => ({ 'application/json': { schema, examples } });

const PING_ID = PLACEHOLDER.pingId;

function buyerPing() {
  return {
    post: {
      operationId: 'buyerPing',
      tags: ['buyer protocol'],
      summary: "Gavel asks a buyer for a bid (POST to the buyer's ping_url)",
      description:
        "Sent at once to every eligible buyer of the lead's campaign, over a keep-alive pool per buyer. The lead carries only the campaign's ping fields, never a personal one. Answer within tmax_ms: a positive bid is a bid; a zero bid, {\"pass\": true}, a non-2xx status, a reply Gavel cannot read or one after tmax_ms is a pass (counted by kind in gavel_buyer_passes_total). A buyer with a format of its own gets this message through its request template instead (README, Buyers that speak other formats).",
      requestBody: {
        required: true,
        content: json(ref('BuyerPing'), { ping: { summary: 'A ping', value: { ping_id: PING_ID, campaign: 'auto', test: false, lead: { zip: '90210', state: 'CA', age: 40 }, tmax_ms: 92 } } }),
      },
      responses: {
        '200': {
          description: 'A bid, or a pass',
          content: json(ref('BuyerPingReply'), {
            bid: { summary: 'A bid, with the bid id the post will carry', value: { bid: 12.5, bid_id: 'acme-7781' } },
            shared: { summary: 'A bid, and a bid should the lead be sold shared', value: { bid: 12.5, shared_bid: 7 } },
            pass: { summary: 'A pass, with the buyer\'s reason', value: { pass: true, reason: 'outside our states' } },
          }),
        },
        default: { description: 'Any other status is a pass (HTTP_ERROR)' },
      },
    },
  };
}

function buyerPost() {
  return {
    post: {
      operationId: 'buyerPost',
      tags: ['buyer protocol'],
      summary: "Gavel posts the full lead to the winner (POST to the buyer's post_url)",
      description:
        "Sent to the winner only, with every field of the lead, personal ones included. price is the buyer's own bid. An accept sells the lead and commits the buyer's cap hold; {\"accepted\": false} or a non-2xx status is a reject: the hold is released and the next bidder is posted to. No answer within tmax_ms (TIMEOUT), a lost connection or a reply that cannot be read after the post left Gavel leaves the lead possibly the buyer's: an exclusive lead then goes to no other buyer (README, Posts whose outcome is unknown).",
      requestBody: {
        required: true,
        content: json(ref('BuyerPost'), {
          post: { summary: 'A post', value: { ping_id: PING_ID, bid_id: 'acme-7781', price: 12.5, test: false, tmax_ms: 3000, score: 0.82, grade: 'A', lead: { zip: '90210', state: 'CA', age: 40, name: 'Ada Lovelace', phone: '5550102000', email: 'ada@example.com' } } },
        }),
      },
      responses: {
        '200': {
          description: 'An accept, or a reject',
          content: json(ref('BuyerPostReply'), {
            accept: { summary: 'Accepted, with a page for the consumer', value: { accepted: true, redirect_url: 'https://acme.example/thanks' } },
            reject: { summary: "Rejected, with the buyer's reason (kept in the trace and told to the seller)", value: { accepted: false, reason: 'duplicate in our CRM' } },
          }),
        },
        default: { description: 'Any other status is a reject' },
      },
    },
  };
}

/** the example's secret and time: its signature is computed, so a receiver can check its own code against it */
const EXAMPLE_SECRET = 'whsec-example-0123456789';
const EXAMPLE_T = 1763843700000;

const signatureHeaders = (exampleBody: unknown) => [
  {
    name: SIGNATURE_HEADER,
    in: 'header',
    required: true,
    description: `${SIGNATURE_SCHEME}: t is the send time in ms, signed with the body so a captured notice cannot be replayed later as new. Recompute the HMAC over "<t>.<raw body>" with the shared secret (postback.secret, loss_notices.secret, webhook.secret), compare in constant time, and refuse an old t. The example signs the first example body, sent as JSON.stringify writes it, with the secret "${EXAMPLE_SECRET}".`,
    schema: { type: 'string', pattern: '^t=[0-9]+,v1=[0-9a-f]{64}$' },
    example: signature(EXAMPLE_SECRET, EXAMPLE_T, JSON.stringify(exampleBody)),
  },
  { name: 'x-gavel-attempt', in: 'header', required: true, description: 'the try this is, from 1', schema: { type: 'integer', minimum: 1 } },
];

const delivery =
  'Queued durably and delivered by a sender in each Gavel process, never on an answer\'s path. A try that gets no 2xx within 5 s is tried again after 1 s, 2 s, 4 s ... up to 5 minutes apart, up to max_attempts (12 by default), then given up and logged. At least once: drop an event_id seen before.';

function notice(o: { id: string; summary: string; description: string; examples: Record<string, { summary: string; value: unknown }>; schema?: string }) {
  return {
    post: {
      operationId: o.id,
      tags: ['notices'],
      summary: o.summary,
      description: `${o.description}\n\n${delivery}`,
      parameters: signatureHeaders(Object.values(o.examples)[0]!.value),
      requestBody: { required: true, content: json(ref(o.schema ?? 'LeadResult'), o.examples) },
      responses: { '2XX': { description: 'Delivered' }, default: { description: 'Tried again later, with a backoff' } },
    },
  };
}

export function buyerWebhooks(): PathGroup {
  const at = '2026-11-22T20:15:00.000Z';
  return {
    tag: { name: 'buyer protocol', description: 'What Gavel sends a buyer and accepts back (native protocol over HTTP); the socket form is in asyncapi.json. Tag notices: postbacks, loss notices and lead copies to a buyer\'s webhook.' },
    webhooks: {
      buyerPing: buyerPing(),
      buyerPost: buyerPost(),
      sellerPostback: notice({
        id: 'sellerPostback',
        summary: "A seller's postback: the final result of each of its leads (POST to sellers[].postback.url)",
        description: 'lead.sold carries price (what the seller is paid; buyers for a shared sale); lead.rejected the reason its post or direct post got; lead.returned the payout clawed back and the buyer\'s reason, once a return is approved. A postback never names a buyer.',
        examples: {
          sold: { summary: 'Sold', value: { event_id: `lead.sold:${PLACEHOLDER.leadId}`, type: 'lead.sold', lead_id: PLACEHOLDER.leadId, price: 8, at } },
          rejected: { summary: 'Rejected', value: { event_id: `lead.rejected:${PLACEHOLDER.leadId}`, type: 'lead.rejected', lead_id: PLACEHOLDER.leadId, reason: 'POST_REJECTED', at } },
          returned: { summary: 'Returned', value: { event_id: 'lead.returned:8c1f0e5a9b2d4c7e6f3a1b0d', type: 'lead.returned', lead_id: PLACEHOLDER.leadId, price: 8, reason: 'WRONG_NUMBER', at } },
        },
      }),
      buyerLossNotice: notice({
        id: 'buyerLossNotice',
        summary: "A buyer's loss notice: a lead it bid on and did not get (POST to buyers[].loss_notices.url)",
        description: 'Sent once a post or a direct post has settled the lead. reason is OUTBID (another buyer was sold it), POST_REJECTED (its own post was refused or unanswered) or NOT_SOLD (no one was); clearing_price is the least price paid, null when unsold. A notice never names another buyer or its bid; a ping never posted is not told.',
        examples: { lost: { summary: 'Outbid', value: { event_id: `lead.lost:${PLACEHOLDER.leadId}`, type: 'lead.lost', lead_id: PLACEHOLDER.leadId, reason: 'OUTBID', bid: 6, clearing_price: 10, test: false, at } } },
      }),
      buyerLeadCopy: notice({
        id: 'buyerLeadCopy',
        summary: "A copy of each lead a buyer bought, to a second URL of its own (POST to buyers[].webhook.url)",
        description: "Sent after the buyer's accepted post (or, for a buyer that takes leads by e-mail or in files only, once the lead is queued for them): its CRM beside its pricing API. body: lead (the default) carries every field of the lead, personal ones included; body: id its id, price and time alone. Signed with webhook.secret, else the buyer's loss_notices secret. The lead waits in the queue sealed (AES-256-GCM). Its outcome is in the lead's trace (deliveries) and the buyer's GET /v1/postbacks (type lead.webhook).",
        schema: 'LeadBought',
        examples: {
          lead: { summary: 'The whole lead', value: { event_id: `lead.bought:${PLACEHOLDER.leadId}`, type: 'lead.bought', lead_id: PLACEHOLDER.leadId, campaign: 'auto', price: 12.5, grade: 'A', test: false, at, lead: { zip: '90210', state: 'CA', age: 40, name: 'Ada Lovelace', phone: '5550102000', email: 'ada@example.com' } } },
          id: { summary: 'Its id alone (body: id)', value: { event_id: `lead.bought:${PLACEHOLDER.leadId}`, type: 'lead.bought', lead_id: PLACEHOLDER.leadId, campaign: 'auto', price: 12.5, grade: null, test: false, at } },
        },
      }),
    },
    schemas: {
      BuyerPing: answerSchema(BuyerPing),
      BuyerPost: answerSchema(BuyerPost),
      BuyerPingReply: requestSchema(PingReply),
      BuyerPostReply: requestSchema(PostReply),
      LeadResult: answerSchema(LeadResult),
      LeadBought: answerSchema(LeadBought),
    },
  };
}
