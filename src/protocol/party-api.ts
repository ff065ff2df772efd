import { z } from 'zod';

/**
 * The parties' and the operator's own APIs beside the seller calls: returns, reports, lead
 * traces, health and readiness. The request schemas are the ones the routes validate with; the
 * answer schemas are the contract the published document (src/spec) is generated from, and the
 * contract test (test/e2e/openapi-contract.test.ts) holds the running server to them.
 */

export const ReturnBody = z.strictObject({
  lead_id: z.string().min(1).max(128),
  /** the buyer's reason, free text or a code the campaign may auto-approve (`WRONG_NUMBER`) */
  reason: z.string().min(1).max(200).meta({ description: "the buyer's reason: free text, or a code the campaign's returns.auto_approve may list (WRONG_NUMBER)" }),
  /** the operator files a return for a buyer; a buyer's own key names it already */
  buyer: z.string().min(1).max(64).optional().meta({ description: "the operator names the buyer it files for; a buyer's own key names it already" }),
});

const at = z.iso.datetime();

/** A return as a buyer sees it; the operator also sees `seller` and `payout`. */
export const ReturnAnswer = z.object({
  id: z.string().meta({ description: 'ret:<lead_id>:<buyer>: a buyer returns a lead at most once' }),
  lead_id: z.string(),
  buyer: z.string(),
  campaign: z.string(),
  reason: z.string(),
  status: z.enum(['pending', 'approved', 'denied']),
  price: z.number().meta({ description: 'what the buyer paid, credited when approved' }),
  requested_at: at,
  decided_at: at.nullable(),
  seller: z.string().optional().meta({ description: "the operator's key only" }),
  payout: z.number().optional().meta({ description: "the operator's key only: the seller's payout, clawed back when approved" }),
});

export const ReturnList = z.object({ returns: z.array(ReturnAnswer) });

const count = z.int().nonnegative();
export const ReportRow = z.object({
  key: z.string().meta({ description: 'the buyer, seller or campaign id, the day 2026-11-22 or the hour 2026-11-22T13' }),
  leads: count,
  pings: count,
  bids: count,
  bid_rate: z.number().nullable(),
  wins: count,
  posts_accepted: count,
  posts_rejected: count,
  sold: count,
  revenue: z.number(),
  payout: z.number(),
  margin: z.number(),
  returns: count,
  credits: z.number(),
  auction_ms: z.object({ p50: z.number().nullable(), p99: z.number().nullable() }),
});
export const ReportAnswer = z.object({
  from: at.meta({ description: 'widened to a whole UTC hour' }),
  to: at,
  group_by: z.enum(['buyer', 'seller', 'campaign', 'day', 'hour']),
  rows: z.array(ReportRow),
});

const TraceResult = z.object({ status: z.string(), reason: z.string().optional(), price: z.number().optional(), message: z.string().optional() });
const TraceCall = z.object({
  phase: z.enum(['ping', 'post', 'leads']),
  at: at,
  bytes: count,
  invalid: z.array(z.object({ path: z.string(), message: z.string() })).nullable().meta({ description: 'null: the lead matched its schema; else what did not' }),
  dedup: z.string().nullable().meta({ description: 'ok, DUPLICATE, RESUBMITTED, RATE_LIMITED; null: not reached' }),
  result: TraceResult.nullable(),
  total_ms: z.number(),
});
/** GET /v1/leads/{id} with the lead's seller's key: its lead's way, no buyer's name or bid. */
export const SellerTrace = z.object({
  lead_id: z.string(),
  campaign: z.string(),
  sub_id: z.string().nullable(),
  test: z.boolean(),
  received_at: at,
  result: TraceResult.nullable().meta({ description: "the lead's latest answer: the post's when it was posted" }),
  calls: z.array(TraceCall),
});
/** A sold lead's delivery beside its post, by one channel (src/delivery): how far it got. */
const LeadDelivery = z.object({
  channel: z.string().meta({ description: 'email, webhook, or batch:sftp / batch:email (the batch file the lead is in)' }),
  state: z.enum(['waiting', 'delivered', 'retrying', 'given_up']).meta({ description: 'waiting: a batch file built and not yet tried' }),
  attempts: z.int().min(0),
  first_at: at,
  last_at: at,
  last_status: z.int().nullable().meta({ description: "the receiver's last status: the HTTP status, or the SMTP relay's reply code; null when it never answered" }),
  last_error: z.string().nullable(),
});
/** With a buyer's key: its own part in the auction, never another buyer's name or bid. */
export const BuyerTrace = z.object({
  lead_id: z.string(),
  campaign: z.string(),
  test: z.boolean(),
  at: at,
  your_ping: z.object({ kind: z.string(), bid: z.number().optional(), ms: z.number() }).nullable(),
  outcome: z.enum(['won', 'lost']),
  price: z.number().optional().meta({ description: 'won: what the buyer pays' }),
  reason: z.string().optional().meta({ description: 'lost: OUTBID, LATE, PASSED, BID_FAILED, BELOW_FLOOR, BELOW_GRADE, CAP_REACHED, ALREADY_SOLD_TO_BUYER, FILTERED, POST_REJECTED, TIMEOUT, POST_UNCONFIRMED, NOT_POSTED or NOT_SOLD' }),
  clearing_price: z.number().nullable(),
  deliveries: z.array(LeadDelivery).optional().meta({ description: 'won: how the lead reached the buyer beside its post (its e-mail, its webhook), when it takes it so' }),
});
/** With the operator's key, on the operator listener: every segment whole (src/trace/lead-trace.ts). */
export const OperatorTrace = z.object({
  lead_id: z.string(),
  segments: z.array(z.record(z.string(), z.unknown())).min(1),
  deliveries: z.array(LeadDelivery.extend({ buyer: z.string() })).meta({ description: "each buyer's deliveries of the lead beside its post (e-mail, webhook)" }),
});

export const Health = z.object({ status: z.literal('ok') });
export const Readiness = z.object({
  ready: z.boolean(),
  store: z.object({ kind: z.enum(['redis', 'memory']), ok: z.boolean(), persistence: z.string().optional(), error: z.string().optional() }),
  uws: z.object({ native: z.boolean(), fallback_allowed: z.boolean().optional() }),
  draining: z.boolean(),
  config_version: z.int().positive(),
});

/** GET /v1/postbacks: how the delivery of a party's notices went (src/notify/postbacks.ts NoticeDeliveries) */
export const NoticeDeliveriesAnswer = z.object({
  party: z.string().meta({ description: 'seller:<id> (its postbacks) or buyer:<id> (its loss notices, and the e-mails and webhooks of the leads it bought: types lead.email, lead.webhook)' }),
  notices: z.array(
    z.object({
      event_id: z.string(),
      type: z.string(),
      lead_id: z.string(),
      state: z.enum(['delivered', 'retrying', 'given_up']),
      attempts: z.int().min(1),
      first_at: at,
      last_at: at,
      last_status: z.int().nullable().meta({ description: "the receiver's HTTP status at the last try; null when it never answered" }),
      last_error: z.string().nullable(),
    }),
  ),
});

/** GET /v1/caps: a buyer's cap windows now (src/front/caps-api.ts) */
export const CapsAnswer = z.object({
  buyer: z.string(),
  at: at,
  timezone: z.string().nullable().meta({ description: "the buyer's cap time zone (calendar windows are its days, weeks, months)" }),
  windows: z.array(
    z.object({
      window: z.string().meta({ description: 'd:2026-12-03 (a calendar window), r:60m (rolling); c:<campaign>: when the cap is in one campaign' }),
      campaign: z.string().nullable(),
      limit_count: z.int().nullable(),
      limit_spend: z.number().nullable(),
      used_count: z.int(),
      used_spend: z.number(),
      held_count: z.int().meta({ description: 'held for bids whose post is still to come' }),
      held_spend: z.number(),
    }),
  ),
});

/** GET /v1/sales: sales from the ledger as the caller may see them (src/front/sales-api.ts) */
export const SalesAnswer = z.object({
  from: at,
  to: at,
  buyer: z.string().optional().meta({ description: "a buyer's own, or the operator's filter" }),
  seller: z.string().optional(),
  totals: z
    .object({ sold: z.int(), spend: z.number().optional(), payout: z.number().optional(), returns: z.int(), credits: z.number().optional() })
    .optional()
    .meta({ description: "a party's own totals over the whole span: a buyer's spend and credits, a seller's payout" }),
  sales: z.array(
    z.object({
      lead_id: z.string(),
      campaign: z.string(),
      at: at,
      price: z.number().optional().meta({ description: 'what the buyer paid: the buyer and the operator see it' }),
      payout: z.number().optional().meta({ description: 'what the seller is paid: the seller and the operator see it' }),
      grade: z.string().nullable().optional(),
      sub_id: z.string().nullable().optional(),
      buyer: z.string().optional().meta({ description: 'the operator only' }),
      seller: z.string().optional().meta({ description: 'the operator only' }),
    }),
  ),
});

/** GET /v1/leads: the lead index as the caller may see it (src/trace/lead-index.ts) */
export const LeadList = z.object({
  leads: z.array(
    z.object({
      lead_id: z.string(),
      phase: z.enum(['ping', 'post', 'leads']).meta({ description: 'the call: a ping, its post, or a direct post' }),
      at: at,
      campaign: z.string(),
      outcome: z.string().optional().meta({ description: "the answer's status, and its reason when there is one (sold, bid, no_bid/NO_ELIGIBLE_BUYERS...): the seller and the operator" }),
      bought: z.boolean().optional().meta({ description: 'whether this buyer bought it: a buyer only (why it lost is in its view of the trace)' }),
      seller: z.string().optional().meta({ description: 'the operator only' }),
      buyers: z.array(z.string()).optional().meta({ description: 'the buyers pinged, ranked or posted to: the operator only' }),
      sold_to: z.string().nullable().optional().meta({ description: 'the operator only' }),
    }),
  ),
  next: z.string().nullable().meta({ description: 'pass as `before` for the next (older) page; null when there is none' }),
});
/** GET /v1/session: who the session cookie (or the Bearer key) is, so a page knows which pages to draw (src/front/session-route.ts) */
export const SessionAnswer = z.object({
  party: z.enum(['seller', 'buyer', 'operator']),
  id: z.string().meta({ description: "the seller's or the buyer's id; the operator's key's name" }),
});
export type SessionAnswer = z.infer<typeof SessionAnswer>;

/** GET /v1/batches: buyers' batch files, newest first (src/front/batches-api.ts); never a lead's data */
export const BatchesAnswer = z.object({
  batches: z.array(
    z.object({
      id: z.string().meta({ description: '<buyer>:<window start, epoch ms>: building the same window again is the same batch' }),
      buyer: z.string(),
      file: z.string().meta({ description: '<buyer>-<YYYYMMDD-HHmm>-<seq>.csv or .jsonl: the window start on the buyer\'s wall clock' }),
      channel: z.enum(['sftp', 'email']),
      window_start: at,
      built_at: at,
      delivered_at: at.nullable(),
      state: z.enum(['waiting', 'retrying', 'delivered']).meta({ description: 'waiting: built, not yet tried; retrying: a try failed, the next is at next_try_at' }),
      leads: z.int().min(1),
      attempts: z.int().min(0),
      last_error: z.string().nullable(),
      next_try_at: at.nullable(),
    }),
  ),
});
