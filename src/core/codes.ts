/**
 * Every reason code a seller, a buyer or an operator can see, declared once with its HTTP
 * status and meaning. test/unit/codes.test.ts checks this table against the README's, so
 * neither drifts. Codes that describe an auction outcome (DUPLICATE, NO_BID, ...) travel with
 * 200 inside a normal answer; the others are errors in `{"error": {...}}`.
 */
export const Codes = {
  // auction and post outcomes (HTTP 200 answers)
  NO_BID: { status: 200, message: 'Eligible buyers were pinged but none bid at or above the floor' },
  NO_ELIGIBLE_BUYER: { status: 200, message: 'No buyer passed the campaign, filters and caps' },
  DUPLICATE: { status: 200, message: 'A lead with these identifiers was seen within the dedup window' },
  CAP_REACHED: { status: 200, message: 'Every bidder had reached a cap when its hold was taken' },
  POST_REJECTED: { status: 200, message: 'Every bidder tried rejected the post (the last reason is given)' },
  TIMEOUT: { status: 200, message: 'The post deadline passed, or the buyer did not answer the post in time (the lead then goes to no other buyer)' },
  POST_UNCONFIRMED: { status: 200, message: 'The lead reached a buyer whose answer was lost (its connection dropped, or its reply could not be read); it may hold the lead, which then goes to no other buyer' },
  RESUBMITTED: { status: 200, message: 'The same payload came from this seller within the resubmission window' },
  // why a buyer was left out of an auction (metrics and logs; NO_ELIGIBLE_BUYER when all were)
  ALREADY_SOLD_TO_BUYER: { status: 200, message: 'The buyer bought a lead with these identifiers within its dedup window' },
  PING_RATE: { status: 200, message: 'The buyer was at its ping rate limit' },
  TEST_LEAD: { status: 200, message: 'A test lead, and the buyer does not accept test traffic' },
  SELLER_BLOCKED: { status: 200, message: 'The buyer does not take leads from this seller' },
  SUB_ID_BLOCKED: { status: 200, message: 'The buyer does not take leads from this sub id' },
  BUYER_BLOCKED: { status: 200, message: 'The seller does not sell to this buyer' },
  CLOSED: { status: 200, message: 'Outside the buyer\'s schedule (hours or closed dates, in its time zone)' },
  FILTERED: { status: 200, message: 'The lead does not meet the buyer\'s filters' },
  BREAKER_OPEN: { status: 200, message: 'The buyer\'s circuit breaker is open after failing calls' },
  MAX_IN_FLIGHT: { status: 200, message: 'The buyer had its maximum of pings in flight' },
  BUYER_WITHDRAWN: { status: 200, message: 'The buyer was paused or removed by a configuration that went live after the ping: the post skipped it' },
  // why a buyer lost a lead it took part in, in its view of the trace (GET /v1/leads/{id})
  OUTBID: { status: 200, message: 'Another buyer ranked ahead (a higher bid or expected value, an earlier tier, or its turn) and was offered the lead' },
  LATE: { status: 200, message: 'The buyer\'s bid came after its time, or never came' },
  PASSED: { status: 200, message: 'The buyer answered with no bid' },
  BID_FAILED: { status: 200, message: 'The buyer\'s answer could not be used: an HTTP error, a reply that could not be read, or no connection' },
  BELOW_FLOOR: { status: 200, message: 'The buyer\'s bid was under the seller\'s floor' },
  BELOW_GRADE: { status: 200, message: 'The lead\'s grade was under the buyer\'s min_grade, or the lead was not scored in time' },
  NOT_POSTED: { status: 200, message: 'The buyer won the ping, but the seller did not post the lead (yet, or before the ping expired)' },
  NOT_SOLD: { status: 200, message: 'The seller\'s post sold the lead to no one (refused at the post, or its deadline passed first)' },
  // seller errors
  MALFORMED_BODY: { status: 400, message: 'The body is not valid JSON or msgpack, or a string in it is not UTF-8' },
  INVALID_FRAMING: { status: 400, message: 'The request could be framed two ways (Content-Length twice or not digits, Transfer-Encoding other than chunked, or both): refused and the connection closed' },
  MALFORMED_REQUEST: { status: 400, message: 'The request line or headers could not be read as HTTP/1.1 (pipelined listener): answered, then the connection closed' },
  INVALID_REQUEST: { status: 400, message: 'The request envelope is missing or has ill-typed fields' },
  INVALID_LEAD: { status: 400, message: 'The lead does not match the campaign schema' },
  UNKNOWN_CAMPAIGN: { status: 400, message: 'No such campaign, or this seller may not send to it' },
  PING_MISMATCH: { status: 400, message: 'The ping fields in the post differ from those of the ping' },
  UNAUTHORIZED: { status: 401, message: 'Missing or unknown API key' },
  NOT_FOUND: { status: 404, message: 'No such route' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'The route exists but not for this method' },
  LEAD_NOT_FOUND: { status: 404, message: 'No trace of this lead for this key: unknown, past its retention, or not the key\'s to see' },
  PING_EXPIRED: { status: 404, message: 'Unknown or expired ping id' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, message: 'This Idempotency-Key was used for another request by this seller within the idempotency window' },
  ALREADY_POSTED: { status: 409, message: 'This ping id was already posted' },
  BODY_TOO_LARGE: { status: 413, message: 'The body is over the size limit' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Content-Type must be application/json or application/msgpack' },
  SELLER_PAUSED: { status: 403, message: 'The operator paused this seller: new pings and direct posts are refused until it is resumed (posts of earlier pings still finish)' },
  CAMPAIGN_PAUSED: { status: 409, message: 'The operator paused this campaign: new pings and direct posts are refused until it is resumed (posts of earlier pings still finish)' },
  RATE_LIMITED: { status: 429, message: 'The seller is over its rate limit; retry later' },
  TOO_MANY_IN_FLIGHT: { status: 429, message: 'This seller socket has server.socket_max_in_flight calls unanswered; send more as answers come' },
  // returns (POST /v1/returns) and their decisions
  SALE_NOT_FOUND: { status: 404, message: 'No sale of this lead to this buyer in the ledger' },
  ALREADY_RETURNED: { status: 409, message: 'This buyer returned this lead already' },
  RETURN_WINDOW_CLOSED: { status: 409, message: 'The campaign\'s return window for this sale has passed' },
  RETURN_LIMIT_REACHED: { status: 409, message: 'The buyer has returned as many leads as its limit allows in this billing cycle' },
  RETURN_NOT_FOUND: { status: 404, message: 'No such return' },
  RETURN_DECIDED: { status: 409, message: 'This return was approved or denied already' },
  FORBIDDEN: { status: 403, message: 'This key may not do that here: only the operator\'s key may, and only on the operator listener; sellers and buyers use the public one' },
  // configuration versions (the admin API)
  CONFIG_READ_ONLY: { status: 409, message: 'The configuration is read from a file: changing it needs PostgreSQL (ledger.postgres_url or DATABASE_URL)' },
  DRAFT_NOT_FOUND: { status: 404, message: 'No such configuration draft' },
  VERSION_NOT_FOUND: { status: 404, message: 'No such configuration version (or none published yet)' },
  DRAFT_INVALID: { status: 422, message: 'The configuration draft does not validate; every problem is listed with its path' },
  RESTART_REQUIRED: { status: 409, message: 'This version changes what a process reads only at start (the message says what): publish it with force and restart every process, or leave that part out' },
  KEY_NOT_FOUND: { status: 404, message: 'No key with this id in the live configuration' },
  LAST_OPERATOR_KEY: { status: 409, message: 'This is the only operator key left: issue another before revoking it, or nobody could change the configuration' },
  NOT_PAUSABLE: { status: 404, message: 'No buyer, seller or campaign with this id in the live configuration' },
  DRAFT_STALE: { status: 409, message: 'Another version went live since the draft was made; publish it with force, or make a new draft' },
  // A/B tests (GET /v1/admin/experiments/{campaign}, POST /v1/admin/campaigns/{id}/experiment/end)
  NO_EXPERIMENT: { status: 404, message: 'No campaign with this id in the live configuration, or it runs no A/B test' },
  UNKNOWN_ARM: { status: 422, message: 'The campaign\'s A/B test has no arm of this name (the details list its arms)' },
  // leads sent as files (POST /v1/uploads, GET /v1/uploads/{id}): a row's outcome codes, and the upload's own
  UNKNOWN_UPLOAD: { status: 404, message: 'No upload with this id for this key: unknown, past its keep time, or another seller\'s' },
  UPLOAD_BAD_HEADER: { status: 400, message: 'The CSV file\'s first line is not a header of the campaign\'s field names (the details say which column is wrong)' },
  UPLOAD_BAD_ROW: { status: 400, message: 'An uploaded row could not be read: a line that is not a JSON object, a CSV row with more cells than the header or broken quoting, or a row over 64 KiB (that row\'s outcome is invalid; the file goes on)' },
  UPLOAD_INTERRUPTED: { status: 200, message: 'The process stopped while this uploaded row ran, and the embedded store kept no record of how it ended: it is not run again, so it cannot be sold twice (look its lead id up, or send it again)' },
  TOO_MANY_UPLOADS: { status: 429, message: 'This seller has server.uploads.max_open_per_seller uploads not yet done; send more as they finish' },
  // server side
  INTERNAL: { status: 500, message: 'An unexpected error; the server logged it' },
  STORE_UNAVAILABLE: { status: 503, message: 'The store did not answer in time' },
  LEDGER_UNAVAILABLE: { status: 503, message: 'The ledger (PostgreSQL) could not be reached; nothing was recorded' },
  SHUTTING_DOWN: { status: 503, message: 'This process is draining before exit; retry on another' },
  OVERLOADED: { status: 503, message: 'This process is at capacity (its event loop behind, or too many calls in flight): the lead was not started, so it is not answered late; retry in a moment or on another process' },
  // raised by the SDK's socket clients (src/sdk), never sent by the server
  SOCKET_CLOSED: { status: 503, message: 'SDK: the socket closed before the answer came; the call may or may not have been handled' },
  CALL_TIMEOUT: { status: 504, message: 'SDK: no answer within callTimeoutMs' },
} as const satisfies Record<string, { status: number; message: string }>;

export type Code = keyof typeof Codes;

/** One problem with one field of a request, as listed in an error's `details`. */
export interface Detail {
  path: string;
  message: string;
}

/** An error that becomes an HTTP answer with its code; thrown only off the hot path's happy case. */
export class GavelError extends Error {
  readonly code: Code;
  readonly details: Detail[] | undefined;
  constructor(code: Code, message?: string, details?: Detail[]) {
    super(message ?? Codes[code].message);
    this.code = code;
    this.details = details;
  }
  get status(): number {
    return Codes[this.code].status;
  }
}
