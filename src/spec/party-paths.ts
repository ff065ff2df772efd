/**
 * The parties' and the operator's APIs beside the seller calls: lead traces, returns and their
 * decisions, reports. Each is served on the listener of the key that uses it (README, Keys and
 * listeners); a key on the wrong listener is 403 FORBIDDEN.
 */
import { BuyerTrace, CapsAnswer, LeadList, SalesAnswer, NoticeDeliveriesAnswer, BatchesAnswer, OperatorTrace, ReportAnswer, ReturnAnswer, ReturnBody, ReturnList, SellerTrace, SessionAnswer } from '../protocol/party-api.js';
import { answerSchema, errorAnswer, errorExample, jsonAnswer, PLACEHOLDER, ref, requestSchema, SERVERS, type Example, type PathGroup, type SendHints } from './spec-parts.js';

const LEAD_ID = PLACEHOLDER.leadId;
const RETURN_ID = PLACEHOLDER.returnId;
const AT = '2026-11-22T12:00:00.000Z';

const noKey = { no_key: errorExample('No Authorization header', 'UNAUTHORIZED', 'Missing Authorization: Bearer <api key>') };
const unauthorized = errorAnswer('UNAUTHORIZED: no key, or an unknown one', noKey);

/** An example value for a query or path parameter, by example name. */
const values = (v: Record<string, string>): Record<string, Example> => Object.fromEntries(Object.entries(v).map(([name, value]) => [name, { summary: name.replace(/_/g, ' '), value }]));

const bearer = [{ bearer: [] }];

function leadTrace() {
  return {
    get: {
      operationId: 'leadTrace',
      tags: ['traces'],
      summary: "A lead's trace, as the key's party may see it",
      description:
        "Every call on a lead (a ping, its post, a direct post) leaves a trace under the lead's id (the ping_id, or a direct post's lead_id). The operator's key, on the operator listener, sees every segment whole; the lead's seller, on the public listener, its own lead's way and answers (no buyer's name or bid); a buyer, on the public listener, its own part in the auction (its ping, won or lost and why, the clearing price). A lead that is not the key's is 404 LEAD_NOT_FOUND, like an unknown one.",
      servers: [SERVERS.public, SERVERS.operator],
      security: bearer,
      parameters: [
        {
          name: 'id',
          in: 'path',
          required: true,
          schema: { type: 'string', maxLength: 128 },
          examples: values({ seller_view: LEAD_ID, buyer_view: LEAD_ID, operator_view: LEAD_ID, lead_not_found: 'no-such-lead', trace_no_key: LEAD_ID, operator_key_on_public: LEAD_ID }),
        },
      ],
      responses: {
        '200': jsonAnswer("The trace, in the view of the key's party", { anyOf: [ref('SellerTrace'), ref('BuyerTrace'), ref('OperatorTrace')] }, {
          seller_view: {
            summary: "The lead's seller",
            value: { lead_id: LEAD_ID, campaign: 'auto', sub_id: null, test: false, received_at: AT, result: { status: 'sold', price: 8 }, calls: [{ phase: 'leads', at: AT, bytes: 131, invalid: null, dedup: 'ok', result: { status: 'sold', price: 8 }, total_ms: 4.1 }] },
          },
          buyer_view: { summary: 'The buyer that won it', value: { lead_id: LEAD_ID, campaign: 'auto', test: false, at: AT, your_ping: { kind: 'bid', bid: 10, ms: 1.2 }, outcome: 'won', price: 10, clearing_price: 10 } },
          operator_view: { summary: 'The operator: every segment whole', value: { lead_id: LEAD_ID, segments: [{ lead_id: LEAD_ID, phase: 'leads', at: AT, seller: 'pub1', campaign: 'auto' }], deliveries: [] } },
        }),
        '401': errorAnswer('UNAUTHORIZED', { trace_no_key: errorExample('No key', 'UNAUTHORIZED', 'Missing Authorization: Bearer <api key>') }),
        '403': errorAnswer("FORBIDDEN: the operator's key on the public listener, or a party's on the operator listener", {
          operator_key_on_public: errorExample("The operator's key on the public listener", 'FORBIDDEN', "The operator's key is served on the operator listener (server.operator), not here"),
        }),
        '404': errorAnswer('LEAD_NOT_FOUND: unknown, past its retention, or not the key\'s to see', { lead_not_found: errorExample('LEAD_NOT_FOUND', 'LEAD_NOT_FOUND', 'No trace of this lead for this key: unknown, past its retention, or not the key\'s to see') }),
        '503': errorAnswer('STORE_UNAVAILABLE: the store did not answer'),
      },
      'x-send': {
        key: 'seller',
        examples: {
          seller_view: { needs: 'sale' },
          buyer_view: { needs: 'sale', key: 'buyer' },
          operator_view: { needs: 'sale', key: 'operator', listener: 'operator' },
          trace_no_key: { needs: 'sale', key: 'none' },
          operator_key_on_public: { needs: 'sale', key: 'operator' },
        },
      } satisfies SendHints,
    },
  };
}

const returnExample = (status: 'pending' | 'approved' | 'denied', operator: boolean) => ({
  id: RETURN_ID,
  lead_id: LEAD_ID,
  buyer: 'acme',
  campaign: 'auto',
  reason: 'WRONG_NUMBER',
  status,
  price: 10,
  requested_at: AT,
  decided_at: status === 'pending' ? null : AT,
  ...(operator ? { seller: 'pub1', payout: 8 } : {}),
});

function returns() {
  const file = {
    operationId: 'fileReturn',
    tags: ['returns'],
    summary: 'Return a lead the buyer bought',
    description:
      "A buyer, with its key on the public listener, returns a lead it bought; the operator, on the operator listener, files one for a buyer by naming it. Approved at once when the campaign's returns.auto_approve is true or lists the reason, else pending until the operator decides. Refused with SALE_NOT_FOUND, ALREADY_RETURNED, RETURN_WINDOW_CLOSED or RETURN_LIMIT_REACHED.",
    servers: [SERVERS.public, SERVERS.operator],
    security: bearer,
    requestBody: {
      required: true,
      content: {
        'application/json': {
          schema: ref('ReturnBody'),
          examples: {
            filed: { summary: 'A buyer returns a lead it bought', value: { lead_id: LEAD_ID, reason: 'WRONG_NUMBER' } },
            operator_files: { summary: 'The operator files one for a buyer', value: { lead_id: LEAD_ID, reason: 'WRONG_NUMBER', buyer: 'acme' } },
            return_invalid: { summary: 'No reason given', value: { lead_id: LEAD_ID } },
            sale_not_found: { summary: 'A lead the buyer never bought', value: { lead_id: 'no-such-lead', reason: 'WRONG_NUMBER' } },
            seller_files: { summary: "A seller's key", value: { lead_id: LEAD_ID, reason: 'WRONG_NUMBER' } },
            return_no_key: { summary: 'No key', value: { lead_id: LEAD_ID, reason: 'WRONG_NUMBER' } },
            already_returned: { summary: 'A lead the buyer returned already', value: { lead_id: LEAD_ID, reason: 'WRONG_NUMBER' } },
          },
        },
      },
    },
    responses: {
      '201': jsonAnswer('The return, pending or approved', ref('ReturnAnswer'), {
        filed: { summary: "Pending the operator's decision", value: returnExample('pending', false) },
        operator_files: { summary: 'The operator also sees the seller and its payout', value: returnExample('pending', true) },
      }),
      '400': errorAnswer('INVALID_REQUEST: the body, with every problem', {
        return_invalid: errorExample('INVALID_REQUEST', 'INVALID_REQUEST', 'The request envelope is missing or has ill-typed fields', [{ path: 'reason', message: 'Invalid input: expected string, received undefined' }]),
      }),
      '401': errorAnswer('UNAUTHORIZED', { return_no_key: errorExample('No key', 'UNAUTHORIZED', 'Missing Authorization: Bearer <api key>') }),
      '403': errorAnswer("FORBIDDEN: a seller's key, a buyer naming another buyer, or a key on the wrong listener", {
        seller_files: errorExample("A seller's key", 'FORBIDDEN', 'A return is filed by the buyer that bought the lead, or by the operator'),
      }),
      '404': errorAnswer('SALE_NOT_FOUND: no sale of this lead to this buyer', { sale_not_found: errorExample('SALE_NOT_FOUND', 'SALE_NOT_FOUND', 'No sale of this lead to this buyer in the ledger') }),
      '409': errorAnswer('ALREADY_RETURNED, RETURN_WINDOW_CLOSED or RETURN_LIMIT_REACHED', { already_returned: errorExample('ALREADY_RETURNED', 'ALREADY_RETURNED', 'This buyer returned this lead already') }),
      '413': errorAnswer('BODY_TOO_LARGE: over 16 KiB'),
      '503': errorAnswer('LEDGER_UNAVAILABLE: the ledger could not be reached; nothing was recorded'),
    },
    'x-send': {
      key: 'buyer',
      examples: {
        filed: { needs: 'sale' },
        operator_files: { needs: 'sale', key: 'operator', listener: 'operator' },
        seller_files: { key: 'seller' },
        return_no_key: { key: 'none' },
        already_returned: { needs: 'returned_sale' },
      },
    } satisfies SendHints,
  };
  const list = {
    operationId: 'listReturns',
    tags: ['returns'],
    summary: 'List returns',
    description: "The operator's key (operator listener) sees every return; a buyer's key (public listener) its own. A seller's key is FORBIDDEN.",
    servers: [SERVERS.public, SERVERS.operator],
    security: bearer,
    parameters: [
      { name: 'status', in: 'query', required: false, schema: { type: 'string', enum: ['pending', 'approved', 'denied'] }, examples: values({ own_returns: 'pending', all_returns: 'pending', list_bad_status: 'open' }) },
      { name: 'buyer', in: 'query', required: false, description: "the operator's key: one buyer's returns", schema: { type: 'string' }, examples: values({ all_returns: 'acme' }) },
    ],
    responses: {
      '200': jsonAnswer('The returns', ref('ReturnList'), {
        own_returns: { summary: "A buyer's own", value: { returns: [returnExample('pending', false)] } },
        all_returns: { summary: "The operator's view", value: { returns: [returnExample('pending', true)] } },
      }),
      '400': errorAnswer('INVALID_REQUEST: a status other than pending, approved or denied', {
        list_bad_status: errorExample('INVALID_REQUEST', 'INVALID_REQUEST', 'The request envelope is missing or has ill-typed fields', [{ path: 'status', message: 'pending, approved or denied' }]),
      }),
      '401': unauthorized,
      '403': errorAnswer("FORBIDDEN: a seller's key", { list_seller: errorExample("A seller's key", 'FORBIDDEN', "This key may not do that here: only the operator's key may, and only on the operator listener; sellers and buyers use the public one") }),
      '503': errorAnswer('LEDGER_UNAVAILABLE'),
    },
    'x-send': { key: 'buyer', examples: { all_returns: { key: 'operator', listener: 'operator' }, list_seller: { key: 'seller' }, no_key: { key: 'none' } } } satisfies SendHints,
  };
  const decide = (verb: 'approve' | 'deny') => ({
    post: {
      operationId: `${verb}Return`,
      tags: ['returns'],
      summary: verb === 'approve' ? 'Approve a pending return' : 'Deny a pending return',
      description:
        (verb === 'approve'
          ? "The operator approves a return: the buyer is credited, the seller's payout and the margin clawed back, the buyer's accept rate counts it, and with returns.restore_cap the lead's place goes back into its caps; the seller's postback tells it (lead.returned)."
          : 'The operator denies a return; a denied return does not count against the buyer\'s limit.') + ' Operator listener, operator key. No body. Deciding twice is 409 RETURN_DECIDED.',
      servers: [SERVERS.operator],
      security: bearer,
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' }, examples: values({ [`${verb}d`]: RETURN_ID, [`${verb}_not_found`]: 'ret:no-such-lead:acme', [`${verb}_buyer_key`]: RETURN_ID, [`${verb}_decided`]: RETURN_ID }) }],
      responses: {
        '200': jsonAnswer('The decided return', ref('ReturnAnswer'), { [`${verb}d`]: { summary: verb === 'approve' ? 'Approved' : 'Denied', value: returnExample(verb === 'approve' ? 'approved' : 'denied', true) } }),
        '401': unauthorized,
        '403': errorAnswer("FORBIDDEN: a party's key on the operator listener", {
          [`${verb}_buyer_key`]: errorExample("A buyer's key", 'FORBIDDEN', "This listener serves the operator's key only; sellers and buyers use the public one"),
        }),
        '404': errorAnswer('RETURN_NOT_FOUND', { [`${verb}_not_found`]: errorExample('RETURN_NOT_FOUND', 'RETURN_NOT_FOUND', 'No such return') }),
        '409': errorAnswer('RETURN_DECIDED: approved or denied already', { [`${verb}_decided`]: errorExample('RETURN_DECIDED', 'RETURN_DECIDED', 'This return was approved or denied already') }),
        '503': errorAnswer('LEDGER_UNAVAILABLE'),
      },
      'x-send': { key: 'operator', examples: { [`${verb}d`]: { needs: 'pending_return' }, [`${verb}_buyer_key`]: { key: 'buyer' }, [`${verb}_decided`]: { needs: 'decided_return' } } } satisfies SendHints,
    },
  });
  return { '/v1/returns': { post: file, get: list }, '/v1/returns/{id}/approve': decide('approve'), '/v1/returns/{id}/deny': decide('deny') };
}

function reports() {
  return {
    get: {
      operationId: 'report',
      tags: ['reports'],
      summary: "The operator's figures",
      description:
        'Counts (from the lead traces) and money (from the ledger) between from and to (ISO times, widened to whole UTC hours; at most 366 days), grouped by buyer, seller, campaign (the default), day or hour (UTC). Operator listener, operator key.',
      servers: [SERVERS.operator],
      security: bearer,
      parameters: [
        { name: 'from', in: 'query', required: true, schema: { type: 'string', format: 'date-time' }, examples: values({ report: '2026-11-22T00:00:00Z', report_bad_group: '2026-11-22T00:00:00Z' }) },
        { name: 'to', in: 'query', required: true, schema: { type: 'string', format: 'date-time' }, examples: values({ report: '2026-11-23T00:00:00Z', report_bad_group: '2026-11-23T00:00:00Z' }) },
        { name: 'group_by', in: 'query', required: false, schema: { type: 'string', enum: ['buyer', 'seller', 'campaign', 'day', 'hour'], default: 'campaign' }, examples: values({ report: 'buyer', report_bad_group: 'week' }) },
      ],
      responses: {
        '200': jsonAnswer('One row per group', ref('ReportAnswer'), {
          report: {
            summary: 'By buyer',
            value: {
              from: '2026-11-22T00:00:00.000Z',
              to: '2026-11-23T00:00:00.000Z',
              group_by: 'buyer',
              rows: [{ key: 'acme', leads: 120, pings: 120, bids: 90, bid_rate: 0.75, wins: 60, posts_accepted: 55, posts_rejected: 5, sold: 55, revenue: 550, payout: 440, margin: 110, returns: 1, credits: 10, auction_ms: { p50: 5, p99: 20 } }],
            },
          },
        }),
        '400': errorAnswer('INVALID_REQUEST: from, to or group_by', {
          report_bad_group: errorExample('INVALID_REQUEST', 'INVALID_REQUEST', 'The request envelope is missing or has ill-typed fields', [{ path: 'group_by', message: 'buyer, seller, campaign, day or hour' }]),
        }),
        '401': unauthorized,
        '403': errorAnswer("FORBIDDEN: any key but the operator's", { report_seller_key: errorExample("A seller's key, on the public listener", 'FORBIDDEN', "This key may not do that here: only the operator's key may, and only on the operator listener; sellers and buyers use the public one") }),
        '503': errorAnswer('LEDGER_UNAVAILABLE'),
      },
      'x-send': { key: 'operator', examples: { report_seller_key: { key: 'seller', listener: 'public' } } } satisfies SendHints,
    },
  };
}

function postbacks() {
  return {
    get: {
      operationId: 'postbackDeliveries',
      tags: ['reports'],
      summary: "How a party's notices were delivered",
      description:
        "Newest first: each notice (a seller's postbacks; a buyer's loss notices) with its tries, its state after the last (delivered, retrying, given_up) and the last error. A seller or a buyer sees its own, whatever it asks (public listener); the operator names the party with ?party=seller:<id> or buyer:<id> (operator listener).",
      servers: [SERVERS.public, SERVERS.operator],
      security: bearer,
      parameters: [
        { name: 'party', in: 'query', required: false, description: 'the operator only: seller:<id> or buyer:<id>', schema: { type: 'string', pattern: '^(seller|buyer):[A-Za-z0-9_.-]{1,64}$' } },
        { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } },
      ],
      responses: {
        '200': jsonAnswer('The party and its notices', ref('NoticeDeliveriesAnswer'), {
          postbacks: { summary: "A seller's own (none yet)", value: { party: 'seller:pub1', notices: [] } },
        }),
        '400': errorAnswer('INVALID_REQUEST: limit, or the operator named no party'),
        '401': unauthorized,
        '403': errorAnswer("FORBIDDEN: the operator's key on the public listener, or a party's on the operator one"),
        '503': errorAnswer('STORE_UNAVAILABLE'),
      },
      'x-send': { key: 'seller' } satisfies SendHints,
    },
  };
}

function batches() {
  return {
    get: {
      operationId: 'batchFiles',
      tags: ['reports'],
      summary: "Buyers' batch files",
      description:
        "Newest first: each batch of a buyer that takes its leads as files (CSV or JSON lines, by SFTP or e-mail) with its file name, when it was built and delivered, its leads, its state (waiting, retrying, delivered), its tries, its last error and its next try; never a lead's data. A buyer sees its own, whatever it asks (public listener); the operator sees every buyer's, or one's with ?buyer=<id> (operator listener). A seller's key is 403.",
      servers: [SERVERS.public, SERVERS.operator],
      security: bearer,
      parameters: [
        { name: 'buyer', in: 'query', required: false, description: 'the operator only: one buyer\'s', schema: { type: 'string' } },
        { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } },
      ],
      responses: {
        '200': jsonAnswer('The batches', ref('BatchesAnswer')),
        '400': errorAnswer('INVALID_REQUEST: limit'),
        '401': unauthorized,
        '403': errorAnswer("FORBIDDEN: a seller's key, or a key on the other listener"),
        '503': errorAnswer('STORE_UNAVAILABLE'),
      },
    },
  };
}

function caps() {
  return {
    get: {
      operationId: 'buyerCaps',
      tags: ['reports'],
      summary: "A buyer's caps now",
      description:
        "Every cap window that judges the buyer now (its own, and its caps in each campaign), each against its limit: what is committed and what is held for posts to come. A buyer sees its own (public listener); the operator names it with ?buyer=<id> (operator listener). A seller's key is 403.",
      servers: [SERVERS.public, SERVERS.operator],
      security: bearer,
      parameters: [{ name: 'buyer', in: 'query', required: false, description: 'the operator only', schema: { type: 'string' } }],
      responses: {
        '200': jsonAnswer('The windows', ref('CapsAnswer')),
        '400': errorAnswer('INVALID_REQUEST: the operator named no buyer, or an unknown one'),
        '401': unauthorized,
        '403': errorAnswer("FORBIDDEN: a seller's key, or a key on the other listener"),
        '503': errorAnswer('STORE_UNAVAILABLE'),
      },
    },
  };
}

function sales() {
  return {
    get: {
      operationId: 'sales',
      tags: ['reports'],
      summary: 'Sales from the ledger, as the caller may see them',
      description:
        "Newest first, between from and to (ISO times; default the last 24 hours; at most 366 days), at most limit (default 100). A buyer sees its purchases with the price it paid and its totals (spend, credits), never the seller; a seller its sold leads with its payout and its totals, never the buyer nor the price (public listener, whatever they name). The operator sees every field, filtered by ?buyer= and ?seller= (operator listener).",
      servers: [SERVERS.public, SERVERS.operator],
      security: bearer,
      parameters: [
        { name: 'from', in: 'query', required: false, schema: { type: 'string', format: 'date-time' } },
        { name: 'to', in: 'query', required: false, schema: { type: 'string', format: 'date-time' } },
        { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
        { name: 'buyer', in: 'query', required: false, description: 'the operator only', schema: { type: 'string' } },
        { name: 'seller', in: 'query', required: false, description: 'the operator only', schema: { type: 'string' } },
      ],
      responses: {
        '200': jsonAnswer('The sales', ref('SalesAnswer'), {
          sales: { summary: "A seller's own", value: { from: '2026-12-02T10:00:00.000Z', to: '2026-12-03T10:00:00.000Z', seller: 'pub1', totals: { sold: 0, payout: 0, returns: 0 }, sales: [] } },
        }),
        '400': errorAnswer('INVALID_REQUEST: from, to or limit'),
        '401': unauthorized,
        '403': errorAnswer("FORBIDDEN: the operator's key on the public listener, or a party's on the operator one"),
        '503': errorAnswer('LEDGER_UNAVAILABLE'),
      },
      'x-send': { key: 'seller' } satisfies SendHints,
    },
  };
}

function leads() {
  return {
    get: {
      operationId: 'leads',
      tags: ['traces'],
      summary: 'Leads, newest first, as the caller may see them',
      description:
        "Every traced call (a ping, its post, a direct post) from every process, for as long as traces are kept, newest first, with a cursor: pass `next` as `before` for the next page. Filters: seller, buyer (the leads it was pinged for, ranked or posted to), outcome (a prefix of the answer: sold, bid, no_bid...), from and to (ISO times). A seller sees its own leads and their outcomes, never a buyer; a buyer the leads it took part in and whether it bought each, never the seller nor another buyer (public listener; a party's own, whatever it names). The operator sees every field (operator listener). Each request reads at most 20,000 index entries: a rare match among many comes page by page.",
      servers: [SERVERS.public, SERVERS.operator],
      security: bearer,
      parameters: [
        { name: 'seller', in: 'query', required: false, description: 'the operator only', schema: { type: 'string' } },
        { name: 'buyer', in: 'query', required: false, description: 'the operator only', schema: { type: 'string' } },
        { name: 'outcome', in: 'query', required: false, schema: { type: 'string' } },
        { name: 'from', in: 'query', required: false, schema: { type: 'string', format: 'date-time' } },
        { name: 'to', in: 'query', required: false, schema: { type: 'string', format: 'date-time' } },
        { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
        { name: 'before', in: 'query', required: false, description: "an earlier page's `next`", schema: { type: 'string', pattern: '^[0-9]{1,15}-[0-9]{1,15}$' } },
      ],
      responses: {
        '200': jsonAnswer('The leads', ref('LeadList'), {
          seller_leads: { summary: "A seller's own", value: { leads: [{ lead_id: LEAD_ID, phase: 'leads', at: AT, campaign: 'auto', outcome: 'sold' }], next: null } },
        }),
        '400': errorAnswer('INVALID_REQUEST: from, to, limit or before'),
        '401': unauthorized,
        '403': errorAnswer("FORBIDDEN: the operator's key on the public listener, or a party's on the operator one"),
        '503': errorAnswer('STORE_UNAVAILABLE'),
      },
      'x-send': { key: 'seller' } satisfies SendHints,
    },
  };
}

function session() {
  const servers = [SERVERS.public, SERVERS.operator];
  const crossSite = errorAnswer('FORBIDDEN: the request did not come from the same origin (Sec-Fetch-Site, else Origin), or the key is not served on this listener');
  return {
    get: {
      operationId: 'whoAmI',
      tags: ['parties'],
      summary: 'Who the session is: the party and its id',
      description:
        "The party behind the session cookie (or the Bearer key, which wins over a cookie): a seller or a buyer on the public listener, the operator on the operator listener, with its id (the operator's key's name). The portals ask it after login to draw a buyer's or a seller's pages. An ended or unknown session is 401 UNAUTHORIZED.",
      servers,
      security: bearer,
      responses: {
        '200': jsonAnswer('The party', ref('SessionAnswer'), { whoami: { summary: 'A seller', value: { party: 'seller', id: 'pub1' } }, whoami_buyer: { summary: 'A buyer', value: { party: 'buyer', id: 'acme' } }, whoami_operator: { summary: 'The operator, on the operator listener', value: { party: 'operator', id: 'admin' } } }),
        '401': errorAnswer('UNAUTHORIZED: no key or session, an unknown key, or an ended session', { session_no_key: errorExample('No key, no session', 'UNAUTHORIZED', 'Missing Authorization: Bearer <api key>') }),
        '403': errorAnswer("FORBIDDEN: the operator's key on the public listener, or a party's on the operator listener", {
          session_operator_on_public: errorExample("The operator's key on the public listener", 'FORBIDDEN', "The operator's key is served on the operator listener (server.operator), not here"),
        }),
      },
      'x-send': { key: 'seller', examples: { whoami: {}, whoami_buyer: { key: 'buyer' }, whoami_operator: { key: 'operator', listener: 'operator' }, session_no_key: { key: 'none' }, session_operator_on_public: { key: 'operator' } } } satisfies SendHints,
    },
    post: {
      operationId: 'login',
      tags: ['parties'],
      summary: 'Log in with a key: a session cookie for the console and the portals',
      description:
        "Checks the key against the live configuration and answers Set-Cookie: gavel_session=<random id> on the public listener, gavel_console=<random id> on the operator listener (a browser sends a host's cookies to every port: each listener reads its own); HttpOnly; SameSite=Strict; Path=/ (Secure behind TLS). The key stays on the server: the page never holds it. Each request with the cookie is checked against the live keys again, so a revoked key ends its sessions. A session ends after 2 h idle or 12 h. Both listeners: the operator's key on the operator listener, a seller's or a buyer's on the public one; same origin only.",
      servers,
      security: [],
      requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['key'], properties: { key: { type: 'string', minLength: 1 } }, additionalProperties: false } } } },
      responses: {
        '201': jsonAnswer('Logged in: the cookie is set; who the key is, as GET /v1/session says', ref('SessionAnswer')),
        '400': errorAnswer('INVALID_REQUEST or MALFORMED_BODY: the body is not {"key": "<api key>"}'),
        '401': unauthorized,
        '403': crossSite,
        '413': errorAnswer('BODY_TOO_LARGE'),
      },
    },
    delete: {
      operationId: 'logout',
      tags: ['parties'],
      summary: 'Log out: the session ends and its cookie is cleared',
      description: 'Both listeners; same origin only.',
      servers,
      security: [],
      responses: {
        '200': jsonAnswer('Logged out', { type: 'object', required: ['ended'], properties: { ended: { const: true } } }),
        '403': crossSite,
      },
    },
  };
}

export function partyPaths(): PathGroup {
  return {
    tag: { name: 'parties', description: "Lead traces, returns and reports: each party's own data, on its listener (tags traces, returns, reports)" },
    paths: { '/v1/leads': leads(), '/v1/leads/{id}': leadTrace(), ...returns(), '/v1/reports': reports(), '/v1/postbacks': postbacks(), '/v1/batches': batches(), '/v1/caps': caps(), '/v1/sales': sales(), '/v1/session': session() },
    schemas: {
      SellerTrace: answerSchema(SellerTrace),
      BuyerTrace: answerSchema(BuyerTrace),
      OperatorTrace: answerSchema(OperatorTrace),
      ReturnBody: requestSchema(ReturnBody),
      ReturnAnswer: answerSchema(ReturnAnswer),
      ReturnList: answerSchema(ReturnList),
      ReportAnswer: answerSchema(ReportAnswer),
      NoticeDeliveriesAnswer: answerSchema(NoticeDeliveriesAnswer),
      BatchesAnswer: answerSchema(BatchesAnswer),
      CapsAnswer: answerSchema(CapsAnswer),
      SalesAnswer: answerSchema(SalesAnswer),
      LeadList: answerSchema(LeadList),
      SessionAnswer: answerSchema(SessionAnswer),
    },
  };
}
