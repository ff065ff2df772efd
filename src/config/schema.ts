import { z } from 'zod';
import { DURATION, durationMs } from '../core/duration.js';
import { BreakerSchema } from './breaker-schema.js';
import { AllowBlock, buyerRuleShape } from '../rules/buyer-rules.js';
import { filterFields } from '../rules/filter.js';
import { GRADES, Scoring, ScoringPool } from '../scoring/scoring-schema.js';
import { Margin, Pricing, Tier } from './plan-schema.js';
import { BuyerFormat } from './template-schema.js';
import { digestOf, KEY_HASH, KEY_HASH_HINT } from './keys.js';

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const id = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (1 to 64)');
const money = z.number().finite().nonnegative().max(1_000_000);
const httpUrl = z.url({ protocol: /^https?$/ });
/** a key in clear (still accepted; a warning at start) */
const clearKey = z.string().min(16, 'at least 16 characters');
/** keys as hashes, several so a key can be rotated with an overlap; the message never echoes the entry */
const keyHashes = z.array(z.string().regex(KEY_HASH, KEY_HASH_HINT)).min(1).max(16);

export const FieldSpec = z.strictObject({
  type: z.enum(['string', 'integer', 'number', 'boolean', 'phone', 'email']),
  required: z.boolean().default(false),
  /** sent to buyers in pings */
  ping: z.boolean().default(false),
  /** personal data: never in a ping, never in a log line; only the post carries it */
  pii: z.boolean().default(false),
  pattern: z.string().optional(),
  enum: z.array(z.string()).min(1).optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  max_length: z.int().positive().max(10_000).default(256),
});
export type FieldSpec = z.infer<typeof FieldSpec>;

/**
 * A dedup rule: a lead matches an earlier one on ALL of `fields` together, or on ANY one of
 * them. scope campaign: among this campaign's leads; global: among every campaign's leads
 * under a global rule; buyer: the lead is not refused, but a buyer that bought a match within
 * the window is left out of its auction (ALREADY_SOLD_TO_BUYER).
 */
export const DedupRule = z.strictObject({
  fields: z.array(z.string()).min(1).max(8),
  match: z.enum(['all', 'any']).default('all'),
  window: z.string().regex(DURATION),
  scope: z.enum(['campaign', 'global', 'buyer']).default('campaign'),
});
export type DedupRule = z.infer<typeof DedupRule>;

export const CampaignReturns = z.strictObject({
  /** how long after its sale a lead may be returned */
  window: z.string().regex(DURATION).default('30d'),
  /** true: every return within the window and the buyer's limits is approved at once; { reasons }: those with one of these reasons; false: each waits for the operator */
  auto_approve: z.union([z.boolean(), z.strictObject({ reasons: z.array(z.string().min(1).max(200)).min(1) })]).default(false),
  /** an approved return gives the lead's place back in the buyer's caps (windows not yet over) */
  restore_cap: z.boolean().default(false),
});

export const Campaign = z
  .strictObject({
    id,
    /** default deadline of a ping; sellers may ask for less or more, up to max_tmax_ms */
    tmax_ms: z.int().min(10).max(30_000).default(150),
    max_tmax_ms: z.int().min(10).max(30_000).default(1000),
    /** the seller is paid price × (1 - margin), or price - fixed; sellers and buyers may have their own */
    margin: Margin.default(0),
    /** the plan: tiers tried in order, each with its method; absent: one highest_bid tier of every buyer */
    distribution: z.array(Tier).min(1).max(20).optional(),
    pricing: Pricing.default({}),
    /** bids below this are ignored */
    floor: money.default(0),
    /** how long a bid stands for the seller to post (the winner's cap hold lives as long) */
    ping_ttl: z.string().regex(DURATION).default('60s'),
    /** bound of a whole post (or direct post), all fall-throughs included */
    post_tmax_ms: z.int().min(100).max(120_000).default(10_000),
    /** one rule or a list; read as a list, so a problem's path names the rule: dedup[0].scope */
    dedup: z.preprocess((v) => (v === undefined || Array.isArray(v) ? v : [v]), z.array(DedupRule).min(1).max(8)).optional(),
    /** no name an object inherits (constructor, toString, __proto__): a lead missing it would read the inherited one */
    fields: z.record(
      z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/)
        .refine((n) => !(n in Object.prototype), 'a name every object inherits (like constructor or toString)'),
      FieldSpec,
    ),
    /** rules and an optional model that score each lead on the worker pool, while buyers are pinged */
    scoring: Scoring.optional(),
    /** bid: highest bid first; expected_value: highest bid × the buyer's learned chance of accepting the post */
    rank_by: z.enum(['bid', 'expected_value']).default('bid'),
    /** how buyers may return leads of this campaign (POST /v1/returns) */
    returns: CampaignReturns.default({ window: '30d', auto_approve: false, restore_cap: false }),
  })
  .superRefine((c, ctx) => {
    const known = (name: string) => name === 'rules' || name.split('=')[0]! in c.fields;
    c.scoring?.rules.forEach((r, i) => {
      if (!(r.field in c.fields)) ctx.addIssue({ code: 'custom', path: ['scoring', 'rules', i, 'field'], message: `unknown field "${r.field}"` });
    });
    const model = c.scoring?.model;
    const named = model === undefined ? [] : model.type === 'logistic' ? Object.keys(model.weights) : (model.features ?? []);
    for (const name of named) {
      if (!known(name)) ctx.addIssue({ code: 'custom', path: ['scoring', 'model', model!.type === 'logistic' ? 'weights' : 'features'], message: `"${name}" names no field of the campaign (a field, field=value, or rules)` });
    }
    if (c.tmax_ms > c.max_tmax_ms) ctx.addIssue({ code: 'custom', path: ['tmax_ms'], message: `above max_tmax_ms (${c.max_tmax_ms})` });
    for (const [name, f] of Object.entries(c.fields)) {
      if (f.ping && f.pii) ctx.addIssue({ code: 'custom', path: ['fields', name], message: 'a pii field cannot go in pings' });
      if (f.pattern !== undefined) {
        try {
          new RegExp(f.pattern);
        } catch {
          ctx.addIssue({ code: 'custom', path: ['fields', name, 'pattern'], message: 'not a valid regular expression' });
        }
      }
    }
    c.dedup?.forEach((rule, r) =>
      rule.fields.forEach((name, i) => {
        if (!(name in c.fields)) ctx.addIssue({ code: 'custom', path: ['dedup', r, 'fields', i], message: `unknown field "${name}"` });
      }),
    );
  });
export type Campaign = z.infer<typeof Campaign>;

/** `200/s` or `1000/m`: at most that many per second or per minute. */
const RATE = /^(\d+)\/(s|m)$/;
export function rateOf(text: string): { count: number; periodMs: number } {
  const m = RATE.exec(text);
  if (!m || Number(m[1]) === 0) throw new Error(`not a rate: ${text}`);
  return { count: Number(m[1]), periodMs: m[2] === 's' ? 1000 : 60_000 };
}
const rate = z.string().regex(RATE, 'a rate like 200/s or 1000/m').refine((r) => !/^0+\//.test(r), 'must be more than 0');

/** Where Gavel posts what a party asked to be told (src/notify/postbacks.ts), signed. */
export const Notify = z.strictObject({
  url: httpUrl,
  /** the HMAC-SHA256 key of the x-gavel-signature header */
  secret: z.string().min(16, 'at least 16 characters'),
  /** tries before a notice is given up (logged whole); waits double from 1 s, at most 5 min */
  max_attempts: z.int().min(1).max(50).default(12),
});
export type Notify = z.infer<typeof Notify>;

export const Seller = z.strictObject({
  id,
  /** one key in clear: accepted, with a warning at start; api_keys holds hashes */
  api_key: clearKey.optional(),
  api_keys: keyHashes.optional(),
  /** where the final result of each of this seller's leads is posted (sold, rejected, returned), signed with `secret` */
  postback: Notify.optional(),
  /** campaigns this seller may send to; all when absent */
  campaigns: z.array(id).optional(),
  /** pings (and direct posts) this seller may send into Gavel; over it: 429 RATE_LIMITED */
  rate_limit: rate.optional(),
  /** buyers this seller's leads may go to (allow) or never go to (block) */
  buyers: AllowBlock.optional(),
  /** this seller's own floor and margin, over the campaign's */
  floor: money.optional(),
  margin: Margin.optional(),
}).refine((s) => s.api_key !== undefined || s.api_keys !== undefined, { message: 'a seller needs api_keys (or api_key)', path: ['api_keys'] });

const count = z.int().nonnegative();
export const RollingCap = z
  .strictObject({ window: z.string().regex(DURATION), max: count.optional(), budget: money.optional() })
  .refine((r) => r.max !== undefined || r.budget !== undefined, 'a rolling cap needs max, budget or both')
  .refine((r) => durationMs(r.window) >= 1000 && durationMs(r.window) <= 366 * 86_400_000, 'window between 1s and 366d');

/** Lead counts and spend per window; any subset. */
const capLimits = {
  hourly: count.optional(),
  daily: count.optional(),
  weekly: count.optional(),
  monthly: count.optional(),
  hourly_budget: money.optional(),
  daily_budget: money.optional(),
  weekly_budget: money.optional(),
  monthly_budget: money.optional(),
  rolling: z.array(RollingCap).max(8).default([]),
};
export const CampaignCaps = z.strictObject(capLimits);
export type CampaignCaps = z.infer<typeof CampaignCaps>;

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
export const Caps = z
  .strictObject({
    ...capLimits,
    /** IANA zone: calendar windows reset at its midnight */
    timezone: z.string().default('UTC'),
    week_start: z.enum(WEEKDAYS).default('monday'),
    /** pings to this buyer, across every Gavel process */
    ping_rate: rate.optional(),
  })
  .superRefine((c, ctx) => {
    if (!validTimeZone(c.timezone)) ctx.addIssue({ code: 'custom', path: ['timezone'], message: `unknown time zone "${c.timezone}"` });
  });

export const Buyer = z
  .strictObject({
  id,
  active: z.boolean().default(true),
  campaigns: z.array(id).min(1),
  /** http: Gavel calls ping_url and post_url; websocket: the buyer connects to /v1/bidders/ws with `key` */
  transport: z.enum(['http', 'websocket']).default('http'),
  ping_url: httpUrl.optional(),
  post_url: httpUrl.optional(),
  /** one key in clear: accepted, with a warning at start; keys holds hashes */
  key: clearKey.optional(),
  keys: keyHashes.optional(),
  /** the most this buyer is given to answer a ping; less when the auction has less left */
  timeout_ms: z.int().min(1).max(30_000).default(100),
  post_timeout_ms: z.int().min(10).max(60_000).default(3000),
  /** keep-alive connections in this buyer's pool */
  connections: z.int().min(1).max(1024).default(32),
  /** sent with every ping and post (a buyer's auth token, say) */
  headers: z.record(z.string(), z.string()).default({}),
  caps: Caps.default({ timezone: 'UTC', week_start: 'monday', rolling: [] }),
  /** caps of this buyer for one campaign, on top of its own: { auto: { daily: 50 } } */
  campaign_caps: z.record(id, CampaignCaps).default({}),
  /** take a bid only for leads graded this or better (a lead that could not be scored in time fails it) */
  min_grade: z.enum(GRADES).optional(),
  ...buyerRuleShape,
  /** pings in flight to this buyer at once, per Gavel process; beyond: MAX_IN_FLIGHT */
  max_in_flight: z.int().min(1).max(100_000).optional(),
  /** a circuit breaker on this buyer's pings; `breaker: {}` for the defaults */
  breaker: BreakerSchema.optional(),
  /** a fixed-price buyer: takes leads at this price without a ping (post_url only), in a fixed_price tier */
  price: money.optional(),
  /** this buyer's own margin, over the seller's and the campaign's */
  margin: Margin.optional(),
  /** a buyer that speaks its own format: request templates and reply rules (src/buyers/templates) */
  format: BuyerFormat.optional(),
  /** where a lead this buyer bid on and did not get is told to it, once the lead is settled (signed, like seller postbacks) */
  loss_notices: Notify.optional(),
  /** how many leads this buyer may return per billing cycle: a count, a share of the leads it bought in the cycle, or both */
  returns: z
    .strictObject({
      max_count: count.optional(),
      max_share: z.number().gt(0).max(1).optional(),
      /** the billing cycle: a calendar week or month in the buyer's caps time zone */
      cycle: z.enum(['week', 'month']).default('month'),
    })
    .default({ cycle: 'month' }),
  })
  .superRefine((b, ctx) => {
    if (b.transport === 'http') {
      if (b.ping_url === undefined && b.price === undefined) ctx.addIssue({ code: 'custom', path: ['ping_url'], message: 'required for an http buyer (but a fixed-price one)' });
      if (b.post_url === undefined) ctx.addIssue({ code: 'custom', path: ['post_url'], message: 'required for an http buyer' });
    } else if (b.key === undefined && b.keys === undefined) ctx.addIssue({ code: 'custom', path: ['keys'], message: 'required for a websocket buyer (keys, or key)' });
    if (b.format !== undefined && b.transport !== 'http') ctx.addIssue({ code: 'custom', path: ['format'], message: 'only an http buyer has a format of its own' });
    if (b.format !== undefined && b.price === undefined && (b.format.ping === undefined) !== (b.format.ping_reply === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['format'], message: 'ping and ping_reply go together (neither: pings use the native protocol)' });
    }
    const zone = b.schedule?.timezone;
    if (zone !== undefined && !validTimeZone(zone)) ctx.addIssue({ code: 'custom', path: ['schedule', 'timezone'], message: `unknown time zone "${zone}"` });
  });

const OPERATOR_HOST = '127.0.0.1';
const OPERATOR_PORT = 9090;

export const Config = z
  .strictObject({
    server: z
      .strictObject({
        max_body_bytes: z.int().min(256).max(16 * 1024 * 1024).default(64 * 1024),
        /** time kept between the end of the fan-out and the deadline, to rank, hold and write: 16 ms measured (README Benchmarks) */
        response_margin_ms: z.int().min(1).max(1000).default(16),
        /** how long SIGTERM waits for auctions in flight */
        drain_timeout_ms: z.int().min(0).max(120_000).default(10_000),
        max_bids: z.int().min(1).max(1000).default(100),
        /** the same payload from the same seller within this window is RESUBMITTED */
        resubmit_window: z.string().regex(DURATION).default('60s'),
        /** a seller's retry under the same Idempotency-Key within it gets the first call's answer */
        idempotency_window: z.string().regex(DURATION).default('24h'),
        /** answers waiting on a socket past this many bytes mean its peer stopped reading: it is cut off */
        socket_max_buffered_bytes: z.int().min(16 * 1024).max(64 * 1024 * 1024).default(1024 * 1024),
        /** calls one seller socket may have unanswered; past it TOO_MANY_IN_FLIGHT, so one burst cannot starve other sellers */
        socket_max_in_flight: z.int().min(1).max(100_000).default(64),
        /** the operator's listener: /metrics and the operator's API, on an address sellers cannot reach (port 0: any free one) */
        operator: z
          .strictObject({ host: z.string().min(1).default(OPERATOR_HOST), port: z.int().min(0).max(65_535).default(OPERATOR_PORT) })
          .default({ host: OPERATOR_HOST, port: OPERATOR_PORT }),
        /**
         * a listener on Node's HTTP server for sellers whose clients pipeline HTTP/1.1 requests: it
         * answers them in order, where the public listener (uWebSockets.js) closes the connection.
         * Absent: off. Port 0: any free one. Costs more CPU per call (README, Pipelined requests)
         */
        pipelined: z.strictObject({ host: z.string().min(1).default('0.0.0.0'), port: z.int().min(0).max(65_535) }).optional(),
      })
      .default({
        max_body_bytes: 64 * 1024,
        response_margin_ms: 16,
        drain_timeout_ms: 10_000,
        max_bids: 100,
        resubmit_window: '60s',
        idempotency_window: '24h',
        socket_max_buffered_bytes: 1024 * 1024,
        socket_max_in_flight: 64,
        operator: { host: OPERATOR_HOST, port: OPERATOR_PORT },
      }),
    secret: z.string().min(16).optional(),
    /** one Redis (`url`) or a Redis Cluster (`cluster`: seed nodes "host:port") */
    redis: z
      .strictObject({
        url: z.string().optional(),
        cluster: z.array(z.string().regex(/^[^:\s]+:\d{1,5}$/, 'host:port')).min(1).optional(),
        prefix: z.string().default('gavel:'),
      })
      .refine((r) => (r.url === undefined) !== (r.cluster === undefined), 'give url or cluster, not both')
      .optional(),
    scoring_pool: ScoringPool.default({ threads: 1, max_queue: 64, batch_size: 64, batch_window_ms: 0 }),
    /** how buyers' chances of accepting a post are learned (for rank_by: expected_value) */
    accept_rate: z
      .strictObject({
        /** outcomes this old count half */
        half_life: z.string().regex(DURATION).default('7d'),
        /** the chance assumed before any outcome, and how many posts' worth of weight it has */
        prior: z.number().gt(0).max(1).default(0.8),
        prior_weight: z.number().positive().max(10_000).default(5),
        /** how often each process reads what every process learned */
        refresh: z.string().regex(DURATION).default('1s'),
      })
      .default({ half_life: '7d', prior: 0.8, prior_weight: 5, refresh: '1s' }),
    /** the per-lead trace (GET /v1/leads/{id}) */
    trace: z
      .strictObject({
        enabled: z.boolean().default(true),
        /** how long a lead's trace is kept after its latest call */
        retention: z.string().regex(DURATION).default('7d'),
        /** a batch is written this long after its first trace */
        flush_ms: z.int().min(1).max(10_000).default(50),
        /** traces waiting to be written; past it new ones are dropped (and counted) */
        max_buffered: z.int().min(1).max(1_000_000).default(20_000),
        /** the memory store keeps the traces of at most this many leads (the oldest go first) */
        memory_max_leads: z.int().min(1).max(10_000_000).default(100_000),
      })
      .default({ enabled: true, retention: '7d', flush_ms: 50, max_buffered: 20_000, memory_max_leads: 100_000 }),
    /** the ledger of money: PostgreSQL when a URL is given (DATABASE_URL wins), else memory (one process, lost on exit) */
    ledger: z
      .strictObject({
        /** false: no sale is recorded and no report counted (a staging exchange, a benchmark's baseline); said loudly at start */
        enabled: z.boolean().default(true),
        postgres_url: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// URL').optional(),
        /** the PostgreSQL schema Gavel's tables live in (made at start) */
        schema: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'lower-case letters, digits and _').default('gavel'),
        /** the pause between reads of the sales queue when it was found empty */
        poll_ms: z.int().min(1).max(60_000).default(100),
        batch_size: z.int().min(1).max(10_000).default(500),
        /** a sale taken by a process that died is taken over after this long */
        reclaim_after: z.string().regex(DURATION).default('30s'),
        /** how often each process sends the counts it rolled up for reports */
        stats_flush: z.string().regex(DURATION).default('10s'),
        /** how long a post waits for the ledger to record its sale before the sale goes through the durable queue; 0: the queue alone */
        direct_ms: z.int().min(0).max(10_000).default(250),
        /** sales a process keeps, beside the queue, while the ledger is away (each a few hundred bytes) */
        max_kept_sales: z.int().min(0).max(10_000_000).default(100_000),
      })
      .default({ enabled: true, schema: 'gavel', poll_ms: 100, batch_size: 500, reclaim_after: '30s', stats_flush: '10s', direct_ms: 250, max_kept_sales: 100_000 }),
    /** the operator's key in clear (a warning at start); admin_keys holds hashes. Served on the operator listener only */
    admin_key: clearKey.optional(),
    admin_keys: keyHashes.optional(),
    campaigns: z.array(Campaign).min(1),
    sellers: z.array(Seller).min(1),
    buyers: z.array(Buyer),
  })
  .superRefine((c, ctx) => {
    const campaignIds = new Set(c.campaigns.map((x) => x.id));
    const unique = (list: { id: string }[], at: string) => {
      const seen = new Set<string>();
      list.forEach((x, i) => {
        if (seen.has(x.id)) ctx.addIssue({ code: 'custom', path: [at, i, 'id'], message: `duplicate id "${x.id}"` });
        seen.add(x.id);
      });
    };
    unique(c.campaigns, 'campaigns');
    unique(c.sellers, 'sellers');
    unique(c.buyers, 'buyers');
    // one key, in clear or hashed, is one party's: its digest names who holds it
    const holders = new Map<string, { at: string; name: string }>();
    const claim = (name: string, at: (string | number)[], field: string, clear: string | undefined, hashes: readonly string[] | undefined) => {
      const holder = { at: at.join('.'), name };
      const entries = clear === undefined ? [] : [{ entry: clear, hashed: false, path: [...at, field] }];
      hashes?.forEach((entry, j) => entries.push({ entry, hashed: true, path: [...at, `${field}s`, j] }));
      for (const { entry, hashed, path } of entries) {
        if (hashed && !KEY_HASH.test(entry)) continue;
        const digest = digestOf(entry, hashed).toString('hex');
        const other = holders.get(digest);
        if (other !== undefined && other.at !== holder.at) ctx.addIssue({ code: 'custom', path, message: `the same key as ${other.name}'s: every party has keys of its own` });
        else holders.set(digest, holder);
      }
    };
    claim('the operator', [], 'admin_key', c.admin_key, c.admin_keys);
    c.sellers.forEach((s, i) => claim(`seller "${s.id}"`, ['sellers', i], 'api_key', s.api_key, s.api_keys));
    c.buyers.forEach((b, i) => claim(`buyer "${b.id}"`, ['buyers', i], 'key', b.key, b.keys));
    c.sellers.forEach((s, i) => {
      s.campaigns?.forEach((cid, j) => {
        if (!campaignIds.has(cid)) ctx.addIssue({ code: 'custom', path: ['sellers', i, 'campaigns', j], message: `unknown campaign "${cid}"` });
      });
    });
    c.campaigns.forEach((camp, ci) => {
      const own = new Set(c.buyers.filter((b) => b.campaigns.includes(camp.id)).map((b) => b.id));
      const placed = new Map<string, string>();
      camp.distribution?.forEach((t, ti) => {
        const at = ['campaigns', ci, 'distribution', ti];
        t.buyers?.forEach((bid, j) => {
          if (!own.has(bid)) ctx.addIssue({ code: 'custom', path: [...at, 'buyers', j], message: `"${bid}" is not a buyer of campaign ${camp.id}` });
          else if (placed.has(bid)) ctx.addIssue({ code: 'custom', path: [...at, 'buyers', j], message: `"${bid}" is already in tier ${placed.get(bid)}` });
          placed.set(bid, t.name);
        });
        if (t.method === 'weighted') {
          for (const bid of t.buyers ?? []) if (t.weights?.[bid] === undefined) ctx.addIssue({ code: 'custom', path: [...at, 'weights'], message: `no weight for "${bid}"` });
          if (t.buyers === undefined) ctx.addIssue({ code: 'custom', path: [...at, 'buyers'], message: 'a weighted tier lists its buyers' });
        }
        if (t.method === 'fixed_price') {
          for (const bid of t.buyers ?? []) {
            if (c.buyers.find((b) => b.id === bid)?.price === undefined) ctx.addIssue({ code: 'custom', path: [...at, 'buyers'], message: `"${bid}" has no price` });
          }
          if (t.buyers === undefined) ctx.addIssue({ code: 'custom', path: [...at, 'buyers'], message: 'a fixed_price tier lists its buyers' });
          if (t.sell === 'shared') ctx.addIssue({ code: 'custom', path: [...at, 'sell'], message: 'a fixed_price tier sells exclusively' });
        }
      });
      if ((camp.distribution?.filter((t) => t.buyers === undefined).length ?? 0) > 1) {
        ctx.addIssue({ code: 'custom', path: ['campaigns', ci, 'distribution'], message: 'at most one tier without a buyers list (it takes the rest)' });
      }
    });
    c.buyers.forEach((b, i) => {
      b.campaigns.forEach((cid, j) => {
        if (!campaignIds.has(cid)) ctx.addIssue({ code: 'custom', path: ['buyers', i, 'campaigns', j], message: `unknown campaign "${cid}"` });
      });
      if (b.filters !== undefined) {
        for (const field of new Set(filterFields(b.filters))) {
          const missing = b.campaigns.filter((cid) => !(c.campaigns.find((x) => x.id === cid)?.fields[field] ?? false));
          if (missing.length > 0) ctx.addIssue({ code: 'custom', path: ['buyers', i, 'filters'], message: `field "${field}" is not in campaign(s) ${missing.join(', ')}` });
        }
      }
      for (const cid of Object.keys(b.campaign_caps)) {
        if (!b.campaigns.includes(cid)) ctx.addIssue({ code: 'custom', path: ['buyers', i, 'campaign_caps', cid], message: `"${cid}" is not one of this buyer's campaigns` });
      }
    });
  });
export type ConfigInput = z.input<typeof Config>;
export type ConfigData = z.infer<typeof Config>;
export type BuyerConfig = z.infer<typeof Buyer>;
export type SellerConfig = z.infer<typeof Seller>;
