/**
 * The seller calls: POST /v1/ping, /v1/post, /v1/leads, with every status each can answer and
 * named examples (a request example and the answer it gets share a name; the contract test sends
 * each one and checks the answer).
 */
import { ErrorAnswer, LeadsAnswer, LeadsEnvelope, PingAnswer, PingEnvelope, PostAnswer, PostEnvelope } from '../protocol/seller-api.js';
import { answerSchema, errorAnswer, errorExample, jsonAnswer, PLACEHOLDER, ref, requestSchema, SERVERS, type Example, type PathGroup, type SendHints } from './spec-parts.js';

const PING_LEAD = { zip: '90210', state: 'CA', age: 40 };
/** a placeholder the contract test replaces with a live value (SendHint.needs) */
const PING_ID = PLACEHOLDER.pingId;
const LEAD_ID = PLACEHOLDER.leadId;

const shared = {
  idempotencyKey: {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description: "1 to 255 visible ASCII characters. A retry under the same key within server.idempotency_window (24 h) gets the first call's answer; the same key with another request is 422 IDEMPOTENCY_KEY_REUSED. 5xx answers are not kept.",
    schema: { type: 'string', minLength: 1, maxLength: 255 },
  },
};

const COMMON_ERRORS = {
  '401': errorAnswer('UNAUTHORIZED: no key, a key that is not a seller\'s, or an ended session', { no_key: errorExample('No Authorization header', 'UNAUTHORIZED', 'Missing Authorization: Bearer <api key>') }),
  '403': errorAnswer("FORBIDDEN: made with a seller's session cookie (no Authorization header) from another origin"),
  '413': errorAnswer('BODY_TOO_LARGE: over server.max_body_bytes (the connection is closed)'),
  '415': errorAnswer('UNSUPPORTED_MEDIA_TYPE: the body is neither application/json nor application/msgpack', {
    form_urlencoded: errorExample(
      "Sent as a form (curl -d without -H 'content-type: application/json')",
      'UNSUPPORTED_MEDIA_TYPE',
      "Content-Type \"application/x-www-form-urlencoded\" is not application/json or application/msgpack: send Content-Type: application/json (curl: -H 'content-type: application/json')",
    ),
  }),
  '422': errorAnswer('IDEMPOTENCY_KEY_REUSED: this Idempotency-Key came with another request within the idempotency window; nothing was run', {
    idempotency_key_reused: errorExample('IDEMPOTENCY_KEY_REUSED', 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for another request by this seller within the idempotency window'),
  }),
  '500': errorAnswer('INTERNAL: an unexpected error, logged'),
  '503': errorAnswer('STORE_UNAVAILABLE (the store did not answer in time: nothing was sold or held) or SHUTTING_DOWN (this process drains: retry on another)'),
};

const badBody = (invalid: Record<string, Example>) =>
  errorAnswer('MALFORMED_BODY, INVALID_REQUEST (the envelope), INVALID_LEAD (the lead against its campaign), UNKNOWN_CAMPAIGN, PING_MISMATCH (a post), INVALID_FRAMING; every problem is listed in details with its path', invalid);

function body(schema: string, examples: Record<string, Example>) {
  return {
    required: true,
    content: {
      'application/json': { schema: ref(schema), examples },
      'application/msgpack': { schema: ref(schema) },
    },
  };
}

function operation(o: { id: string; summary: string; description: string; envelope: string; examples: Record<string, Example>; responses: Record<string, unknown>; send: SendHints }) {
  return {
    post: {
      operationId: o.id,
      tags: ['seller'],
      summary: o.summary,
      description: `${o.description}\n\nServed on the public listener (and the pipelined one, when configured), with a seller's key. On the public listener a request with no Authorization header may carry a seller's portal session cookie instead (POST /v1/session), from the same origin only (Sec-Fetch-Site, else Origin), else 403 FORBIDDEN. The answer comes in the request's format (JSON or msgpack).`,
      servers: [SERVERS.public],
      security: [{ bearer: [] }],
      parameters: [shared.idempotencyKey],
      requestBody: body(o.envelope, o.examples),
      responses: o.responses,
      'x-send': o.send,
    },
  };
}

export function sellerPaths(): PathGroup {
  const rawHint = { raw: true as const };
  const ping = operation({
    id: 'ping',
    summary: 'Ping: offer a partial lead to the buyers',
    description:
      "Runs an auction on the campaign's ping fields inside the deadline (tmax_ms, capped by the campaign's max_tmax_ms). A bid holds the winner's cap until expires_at: post the full lead before it. Dedup claims the campaign's dedup fields when the ping carries them (a ping may carry PII fields for that; buyers never see them).",
    envelope: 'PingEnvelope',
    examples: {
      bid: { summary: 'A ping of the ping fields', value: { campaign: 'auto', lead: PING_LEAD, tmax_ms: 120, sub_id: 's-17' } },
      no_key: { summary: 'Sent without a key', value: { campaign: 'auto', lead: PING_LEAD } },
      form_urlencoded: { summary: "Sent as a form (curl -d without -H 'content-type: application/json')", value: { campaign: 'auto', lead: PING_LEAD } },
      invalid_lead: { summary: 'A zip that does not match the campaign\'s pattern', value: { campaign: 'auto', lead: { ...PING_LEAD, zip: 'nope' } } },
      invalid_request: { summary: 'No campaign, and a field the envelope does not have', value: { lead: PING_LEAD, color: 'red' } },
      unknown_campaign: { summary: 'A campaign that does not exist', value: { campaign: 'boats', lead: PING_LEAD } },
      malformed_body: { summary: 'Not JSON (sent as is)', value: '{"campaign": "auto", ' },
      idempotency_key_reused: { summary: 'An Idempotency-Key this seller used for another ping (another sub_id)', value: { campaign: 'auto', lead: PING_LEAD, sub_id: 's-18' } },
    },
    responses: {
      '200': jsonAnswer('The auction\'s answer: a bid, no bid (with its reason code), or a duplicate', ref('PingAnswer'), {
        bid: { summary: 'A buyer bid: its cap is held for this seller until expires_at', value: { status: 'bid', ping_id: PING_ID, price: 8, expires_at: '2026-11-22T12:01:00.000Z', bids: 1 } },
        no_bid: { summary: 'No buyer bid at or above the floor', value: { status: 'no_bid', ping_id: PING_ID, reason: 'NO_BID' } },
        duplicate: { summary: "The lead's identifiers were seen within the dedup window", value: { status: 'duplicate', reason: 'DUPLICATE' } },
      }),
      '400': badBody({
        invalid_lead: { ...errorExample('INVALID_LEAD', 'INVALID_LEAD', 'The lead does not match the campaign schema', [{ path: 'lead.zip', message: 'must match ^[0-9]{5}$' }]) },
        invalid_request: errorExample('INVALID_REQUEST', 'INVALID_REQUEST', 'The request envelope is missing or has ill-typed fields', [
          { path: 'campaign', message: 'Invalid input: expected string, received undefined' },
          { path: '(body)', message: 'unknown field(s): color' },
        ]),
        unknown_campaign: errorExample('UNKNOWN_CAMPAIGN', 'UNKNOWN_CAMPAIGN', 'No campaign "boats" for this seller', [{ path: 'campaign', message: 'unknown campaign' }]),
        malformed_body: errorExample('MALFORMED_BODY', 'MALFORMED_BODY', 'The body is not valid JSON: Unexpected end of JSON input'),
      }),
      ...COMMON_ERRORS,
      '403': errorAnswer('SELLER_PAUSED: the operator paused this seller (POST /v1/admin/sellers/{id}/pause); posts of earlier pings still finish'),
      '409': errorAnswer('CAMPAIGN_PAUSED: the operator paused this campaign (POST /v1/admin/campaigns/{id}/pause); posts of earlier pings still finish'),
      '429': errorAnswer('RATE_LIMITED: the seller is over its rate_limit; retry later'),
    },
    send: {
      key: 'seller',
      examples: {
        no_key: { key: 'none' },
        form_urlencoded: { headers: { 'content-type': 'application/x-www-form-urlencoded' } },
        malformed_body: rawHint,
        idempotency_key_reused: { headers: { 'idempotency-key': PLACEHOLDER.idempotencyKey }, needs: 'key_used' },
      },
    },
  });

  const fullLead = (phone: string) => ({ ...PING_LEAD, name: 'Ada Lovelace', phone, email: 'ada@example.com' });
  const post = operation({
    id: 'post',
    summary: 'Post: send the full lead to the winner of a ping',
    description:
      'Posts the full lead to the ping\'s winner, falling through to the next bidder (at or above the floor, with cap room) on a reject, inside the campaign\'s post_tmax_ms. The ping fields must equal the ping\'s; a ping id is posted once; a post with a bad lead does not use the ping up. It may reach any Gavel process on the same Redis.',
    envelope: 'PostEnvelope',
    examples: {
      sold: { summary: 'The full lead of a ping that got a bid', value: { ping_id: PING_ID, lead: fullLead('5550102000') } },
      ping_expired: { summary: 'A ping id Gavel does not know (or another seller\'s, or expired)', value: { ping_id: 'no-such-ping', lead: fullLead('5550102001') } },
      already_posted: { summary: 'A ping id posted already', value: { ping_id: PING_ID, lead: fullLead('5550102002') } },
      ping_mismatch: { summary: 'A zip other than the ping\'s', value: { ping_id: PING_ID, lead: { ...fullLead('5550102003'), zip: '10001' } } },
      post_invalid_lead: { summary: 'The full lead without its required phone', value: { ping_id: PING_ID, lead: PING_LEAD } },
    },
    responses: {
      '200': jsonAnswer('The lead\'s result: sold (price, and the buyer\'s redirect_url when it gave one) or rejected with its reason', ref('PostAnswer'), {
        sold: { summary: 'Sold to the winner (or a bidder after it)', value: { status: 'sold', lead_id: PING_ID, price: 8 } },
        rejected: { summary: 'Every bidder tried refused it', value: { status: 'rejected', lead_id: PING_ID, reason: 'POST_REJECTED', message: 'duplicate in our CRM' } },
      }),
      '400': badBody({
        ping_mismatch: errorExample('PING_MISMATCH', 'PING_MISMATCH', 'The ping fields in the post differ from those of the ping'),
        post_invalid_lead: errorExample('INVALID_LEAD', 'INVALID_LEAD', 'The lead does not match the campaign schema', [{ path: 'lead.phone', message: 'Invalid input: expected string, received undefined' }]),
      }),
      '404': errorAnswer('PING_EXPIRED: an unknown or expired ping id, another seller\'s, or a ping that had no bid', {
        ping_expired: errorExample('PING_EXPIRED', 'PING_EXPIRED', 'Unknown or expired ping id'),
      }),
      '409': errorAnswer('ALREADY_POSTED: this ping id was posted already', { already_posted: errorExample('ALREADY_POSTED', 'ALREADY_POSTED', 'This ping id was already posted') }),
      ...COMMON_ERRORS,
    },
    send: { key: 'seller', examples: { sold: { needs: 'bid' }, already_posted: { needs: 'posted' }, ping_mismatch: { needs: 'bid' }, post_invalid_lead: { needs: 'bid' } } },
  });

  const leads = operation({
    id: 'directPost',
    summary: 'Direct post: auction and sell a full lead in one call',
    description: "Gavel pings the buyers itself (tmax_ms bounds the ping phase), then posts to the best bidder, falling through on reject, all inside the campaign's post_tmax_ms. Answers as a post does.",
    envelope: 'LeadsEnvelope',
    examples: {
      direct_sold: { summary: 'A full lead', value: { campaign: 'auto', lead: fullLead('5550102010'), tmax_ms: 150 } },
      direct_invalid_lead: { summary: 'A full lead with an age under the campaign\'s minimum', value: { campaign: 'auto', lead: { ...fullLead('5550102011'), age: 12 } } },
    },
    responses: {
      '200': jsonAnswer('The lead\'s result, as a post\'s', ref('LeadsAnswer'), {
        direct_sold: { summary: 'Sold', value: { status: 'sold', lead_id: LEAD_ID, price: 8 } },
        direct_no_bid: { summary: 'No buyer bid', value: { status: 'rejected', lead_id: LEAD_ID, reason: 'NO_BID' } },
      }),
      '400': badBody({
        direct_invalid_lead: { summary: 'INVALID_LEAD, with the lead id its trace is kept under', value: { error: { code: 'INVALID_LEAD', message: 'The lead does not match the campaign schema', details: [{ path: 'lead.age', message: 'Too small: expected number to be >=18' }] }, lead_id: LEAD_ID } },
      }),
      ...COMMON_ERRORS,
      '403': errorAnswer('SELLER_PAUSED: the operator paused this seller (POST /v1/admin/sellers/{id}/pause); posts of earlier pings still finish'),
      '409': errorAnswer('CAMPAIGN_PAUSED: the operator paused this campaign (POST /v1/admin/campaigns/{id}/pause); posts of earlier pings still finish'),
      '429': errorAnswer('RATE_LIMITED: the seller is over its rate_limit; retry later'),
    },
    send: { key: 'seller' },
  });

  const ownSpec = {
    get: {
      operationId: 'sellerSpec',
      tags: ['seller'],
      summary: "The seller's own spec: its campaigns, their fields, deadlines and dedup rules",
      description:
        "An OpenAPI 3.1 document of the seller API narrowed to the campaigns this seller may send to, each with its real lead fields (type, pattern, length, range, required, x-ping: goes in a ping, x-pii: personal), an example lead, its deadlines (tmax_ms, max_tmax_ms, post_tmax_ms, ping_ttl) and its dedup rules (x-gavel-campaigns, and each campaign's tag). Made from the configuration live when asked: a published change shows at once. Public listener, a seller's key; any other key is 403 FORBIDDEN.",
      servers: [SERVERS.public],
      security: [{ bearer: [] }],
      responses: {
        '200': jsonAnswer("The seller's OpenAPI 3.1 document", { type: 'object', required: ['openapi', 'info', 'paths', 'components', 'x-gavel-campaigns'] }, {
          own_spec: { summary: "The seller's campaigns", value: { openapi: '3.1.0', info: { title: 'Gavel: the campaigns of seller pub1', version: '1' }, paths: {}, components: {}, 'x-gavel-campaigns': { auto: { tmax_ms: 150 } } } },
        }),
        '401': errorAnswer('UNAUTHORIZED', { spec_no_key: errorExample('No key', 'UNAUTHORIZED', 'Missing Authorization: Bearer <api key>') }),
        '403': errorAnswer("FORBIDDEN: a buyer's key, or the operator's", { spec_buyer_key: errorExample("A buyer's key", 'FORBIDDEN', "GET /v1/spec is a seller's own spec: it takes a seller's key") }),
      },
      'x-send': { key: 'seller', examples: { own_spec: {}, spec_no_key: { key: 'none' }, spec_buyer_key: { key: 'buyer' } } } satisfies SendHints,
    },
  };

  return {
    tag: { name: 'seller', description: 'The seller API: ping, post, direct post. The same calls run over the seller socket /v1/ws (see asyncapi.json).' },
    paths: { '/v1/ping': ping, '/v1/post': post, '/v1/leads': leads, '/v1/spec': ownSpec },
    schemas: {
      PingEnvelope: requestSchema(PingEnvelope),
      PostEnvelope: requestSchema(PostEnvelope),
      LeadsEnvelope: requestSchema(LeadsEnvelope),
      PingAnswer: answerSchema(PingAnswer),
      PostAnswer: answerSchema(PostAnswer),
      LeadsAnswer: answerSchema(LeadsAnswer),
      Error: answerSchema(ErrorAnswer),
    },
  };
}
