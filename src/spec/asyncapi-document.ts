/**
 * The AsyncAPI 3.0 document of Gavel's two sockets, the seller socket /v1/ws and the buyer socket
 * /v1/bidders/ws, generated from the zod schemas of their frames (src/protocol/socket-api.ts),
 * which are the HTTP calls' own with a type and an id in front. AsyncAPI's default schema format
 * is JSON Schema draft-07 with a few keywords of its own, so zod writes draft-07 here.
 */
import { z } from 'zod';
import { Codes } from '../core/codes.js';
import {
  BuyerAcceptFrame,
  BuyerBidFrame,
  BuyerPassFrame,
  BuyerPingFrame,
  BuyerPostFrame,
  BuyerRejectFrame,
  SellerErrorFrame,
  SellerLeadAnswerFrame,
  SellerLeadFrame,
  SellerPingAnswerFrame,
  SellerPingFrame,
  SellerPostAnswerFrame,
  SellerPostFrame,
} from '../protocol/socket-api.js';
import { PLACEHOLDER } from './spec-parts.js';

const draft7 = (schema: z.ZodType, io: 'input' | 'output') => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-7', io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

interface Message {
  name: string;
  title: string;
  summary: string;
  payload: unknown;
  examples: { name: string; summary: string; payload: unknown }[];
}

function message(name: string, title: string, summary: string, schema: z.ZodType, io: 'input' | 'output', examples: Message['examples']): Message {
  return { name, title, summary, payload: draft7(schema, io), examples };
}

const PING_ID = PLACEHOLDER.pingId;
const PING_LEAD = { zip: '90210', state: 'CA', age: 40 };
const FULL_LEAD = { ...PING_LEAD, name: 'Ada Lovelace', phone: '5550102000', email: 'ada@example.com' };

function sellerMessages(): Record<string, Message> {
  return {
    ping: message('ping', 'Ping', 'A ping, as POST /v1/ping', SellerPingFrame, 'input', [{ name: 'ping', summary: 'A ping', payload: { type: 'ping', id: 'p-1', campaign: 'auto', lead: PING_LEAD } }]),
    post: message('post', 'Post', 'A post, as POST /v1/post', SellerPostFrame, 'input', [{ name: 'post', summary: 'The full lead of a ping that got a bid', payload: { type: 'post', id: 'p-2', ping_id: PING_ID, lead: FULL_LEAD, idempotency_key: 'order-7781' } }]),
    lead: message('lead', 'Direct post', 'A direct post, as POST /v1/leads', SellerLeadFrame, 'input', [{ name: 'lead', summary: 'A full lead', payload: { type: 'lead', id: 17, campaign: 'auto', lead: FULL_LEAD } }]),
    pingAnswer: message('pingAnswer', "A ping's answer", "The HTTP answer's fields, with the call's type and id", SellerPingAnswerFrame, 'output', [
      { name: 'bid', summary: 'A bid', payload: { type: 'ping', id: 'p-1', status: 'bid', ping_id: PING_ID, price: 8.4, expires_at: '2026-11-22T12:01:00.000Z', bids: 3 } },
    ]),
    postAnswer: message('postAnswer', "A post's answer", "The HTTP answer's fields, with the call's type and id", SellerPostAnswerFrame, 'output', [{ name: 'sold', summary: 'Sold', payload: { type: 'post', id: 'p-2', status: 'sold', lead_id: PING_ID, price: 8.4 } }]),
    leadAnswer: message('leadAnswer', "A direct post's answer", "The HTTP answer's fields, with the call's type and id", SellerLeadAnswerFrame, 'output', [
      { name: 'rejected', summary: 'No buyer took it', payload: { type: 'lead', id: 17, status: 'rejected', lead_id: PLACEHOLDER.leadId, reason: 'NO_BID' } },
    ]),
    error: message(
      'error',
      'A refused call',
      `The HTTP call's error, with its status and the call's id (null when the frame could not be read); the socket stays open. 429 TOO_MANY_IN_FLIGHT when server.socket_max_in_flight calls are unanswered. Codes: ${Object.keys(Codes).length} in the reason-code registry (openapi.json, ReasonCode).`,
      SellerErrorFrame,
      'output',
      [
        { name: 'invalid_lead', summary: 'A lead that does not match its campaign', payload: { type: 'error', id: 'p-1', status: 400, error: { code: 'INVALID_LEAD', message: 'The lead does not match the campaign schema', details: [{ path: 'lead.zip', message: 'must match ^[0-9]{5}$' }] } } },
        { name: 'too_many', summary: 'Too many calls unanswered', payload: { type: 'error', id: 'p-99', status: 429, error: { code: 'TOO_MANY_IN_FLIGHT', message: 'This socket has 64 calls unanswered (server.socket_max_in_flight); send more as answers come' } } },
      ],
    ),
  };
}

function buyerMessages(): Record<string, Message> {
  return {
    ping: message('ping', 'Ping', 'Gavel asks for a bid: the native ping with a type and an id', BuyerPingFrame, 'output', [{ name: 'ping', summary: 'A ping', payload: { type: 'ping', id: 17, ping_id: PING_ID, campaign: 'auto', test: false, lead: PING_LEAD, tmax_ms: 92 } }]),
    bid: message('bid', 'Bid', "The buyer's bid, with the ping's id", BuyerBidFrame, 'input', [{ name: 'bid', summary: 'A bid', payload: { type: 'bid', id: 17, bid: 12.5, bid_id: 'acme-7781' } }]),
    pass: message('pass', 'Pass', "The buyer's pass, with the ping's id", BuyerPassFrame, 'input', [{ name: 'pass', summary: 'A pass', payload: { type: 'pass', id: 17, reason: 'outside our states' } }]),
    post: message('post', 'Post', 'Gavel posts the full lead to the winner: the native post with a type and an id', BuyerPostFrame, 'output', [
      { name: 'post', summary: 'A post', payload: { type: 'post', id: 18, ping_id: PING_ID, bid_id: 'acme-7781', price: 12.5, test: false, tmax_ms: 3000, score: null, grade: null, lead: FULL_LEAD } },
    ]),
    accept: message('accept', 'Accept', 'The buyer takes the lead', BuyerAcceptFrame, 'input', [{ name: 'accept', summary: 'Accepted', payload: { type: 'accept', id: 18, redirect_url: 'https://acme.example/thanks' } }]),
    reject: message('reject', 'Reject', 'The buyer refuses the lead: its hold is released and the next bidder is posted to', BuyerRejectFrame, 'input', [{ name: 'reject', summary: 'Rejected', payload: { type: 'reject', id: 18, reason: 'duplicate in our CRM' } }]),
  };
}

const refs = (channel: string, names: string[]) => names.map((n) => ({ $ref: `#/channels/${channel}/messages/${n}` }));

export function asyncApiDocument() {
  const auth = [{ $ref: '#/components/securitySchemes/bearer' }, { $ref: '#/components/securitySchemes/queryKey' }];
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Gavel sockets',
      version: '1',
      description:
        "Gavel's two WebSockets, on the public listener. Frames are JSON text or msgpack binary: the seller socket answers each call in the frame type it came in; the buyer socket sends msgpack when opened with ?format=msgpack, and reads either. The HTTP API is in openapi.json.",
      license: { name: 'Apache-2.0' },
    },
    defaultContentType: 'application/json',
    servers: {
      public: { host: 'localhost:8080', protocol: 'ws', description: 'The public listener (--port). The key is checked at the upgrade: 401 UNAUTHORIZED before it otherwise.', security: auth },
    },
    channels: {
      sellerSocket: {
        address: '/v1/ws',
        title: 'The seller socket',
        description:
          "The seller API's calls, any number at once; each answer carries its call's id, in completion order. A frame over server.max_body_bytes is closed with 1009; a seller that stops reading its answers is cut off (1008) past server.socket_max_buffered_bytes.",
        servers: [{ $ref: '#/servers/public' }],
        messages: sellerMessages(),
        bindings: { ws: { query: { type: 'object', properties: { key: { type: 'string', description: 'the API key, for clients that cannot set Authorization on an upgrade' } } }, bindingVersion: '0.1.0' } },
      },
      buyerSocket: {
        address: '/v1/bidders/ws',
        title: 'The buyer socket',
        description:
          "A buyer with transport: websocket bids for its campaigns while a socket is open; it may hold several, and pings go to them in turn. An answer after its time is dropped and counted; a socket that drops settles what it held at once (a pass, or a reject); a frame that cannot be read is dropped, so the call it answered times out as a pass.",
        servers: [{ $ref: '#/servers/public' }],
        messages: buyerMessages(),
        bindings: {
          ws: {
            query: {
              type: 'object',
              properties: {
                key: { type: 'string', description: "the buyer's key, for clients that cannot set Authorization on an upgrade" },
                campaigns: { type: 'string', description: "comma-separated: bid for these of the buyer's campaigns only (another: 400 UNKNOWN_CAMPAIGN before the upgrade)" },
                format: { type: 'string', enum: ['json', 'msgpack'], default: 'json', description: "the format of Gavel's frames" },
              },
            },
            bindingVersion: '0.1.0',
          },
        },
      },
    },
    operations: {
      sellerCall: {
        action: 'receive',
        channel: { $ref: '#/channels/sellerSocket' },
        title: 'A seller call',
        summary: 'Gavel receives a ping, a post or a direct post, and answers it under its id',
        messages: refs('sellerSocket', ['ping', 'post', 'lead']),
        reply: { channel: { $ref: '#/channels/sellerSocket' }, messages: refs('sellerSocket', ['pingAnswer', 'postAnswer', 'leadAnswer', 'error']) },
      },
      buyerPing: {
        action: 'send',
        channel: { $ref: '#/channels/buyerSocket' },
        title: 'A ping to a buyer',
        summary: 'Gavel asks for a bid; the buyer answers within tmax_ms with a bid or a pass under the same id',
        messages: refs('buyerSocket', ['ping']),
        reply: { channel: { $ref: '#/channels/buyerSocket' }, messages: refs('buyerSocket', ['bid', 'pass']) },
      },
      buyerPost: {
        action: 'send',
        channel: { $ref: '#/channels/buyerSocket' },
        title: 'A post to the winner',
        summary: 'Gavel posts the full lead; the buyer accepts or rejects it under the same id',
        messages: refs('buyerSocket', ['post']),
        reply: { channel: { $ref: '#/channels/buyerSocket' }, messages: refs('buyerSocket', ['accept', 'reject']) },
      },
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <key> on the upgrade request' },
        queryKey: { type: 'httpApiKey', name: 'key', in: 'query', description: '?key=<key>, for clients that cannot set headers on an upgrade' },
      },
    },
  };
}
