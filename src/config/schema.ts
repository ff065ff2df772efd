import { z } from 'zod';

/** `30d`, `12h`, `15m`, `90s`, `500ms` -> milliseconds. */
const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
export function durationMs(text: string): number {
  const m = DURATION.exec(text);
  if (!m) throw new Error(`not a duration: ${text}`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

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

export const Campaign = z
  .strictObject({
    id,
    /** default deadline of a ping; sellers may ask for less or more, up to max_tmax_ms */
    tmax_ms: z.int().min(10).max(30_000).default(150),
    max_tmax_ms: z.int().min(10).max(30_000).default(1000),
    /** the seller is paid bid * (1 - margin) */
    margin: z.number().min(0).max(1).default(0),
    /** bids below this are ignored */
    floor: money.default(0),
    /** how long a bid stands for the seller to post (the winner's cap hold lives as long) */
    ping_ttl: z.string().regex(DURATION).default('60s'),
    /** bound of a whole post (or direct post), all fall-throughs included */
    post_tmax_ms: z.int().min(100).max(120_000).default(10_000),
    dedup: z.strictObject({ fields: z.array(z.string()).min(1), window: z.string().regex(DURATION) }).optional(),
    fields: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/), FieldSpec),
  })
  .superRefine((c, ctx) => {
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
    c.dedup?.fields.forEach((name, i) => {
      if (!(name in c.fields)) ctx.addIssue({ code: 'custom', path: ['dedup', 'fields', i], message: `unknown field "${name}"` });
    });
  });
export type Campaign = z.infer<typeof Campaign>;

export const Seller = z.strictObject({
  id,
  api_key: z.string().min(16, 'at least 16 characters'),
  /** campaigns this seller may send to; all when absent */
  campaigns: z.array(id).optional(),
});

export const Caps = z
  .strictObject({
    daily: z.int().nonnegative().optional(),
    daily_spend: money.optional(),
    timezone: z.string().default('UTC'),
  })
  .superRefine((c, ctx) => {
    if (!validTimeZone(c.timezone)) ctx.addIssue({ code: 'custom', path: ['timezone'], message: `unknown time zone "${c.timezone}"` });
  });

export const Buyer = z.strictObject({
  id,
  active: z.boolean().default(true),
  campaigns: z.array(id).min(1),
  ping_url: httpUrl,
  post_url: httpUrl,
  /** the most this buyer is given to answer a ping; less when the auction has less left */
  timeout_ms: z.int().min(1).max(30_000).default(100),
  post_timeout_ms: z.int().min(10).max(60_000).default(3000),
  /** keep-alive connections in this buyer's pool */
  connections: z.int().min(1).max(1024).default(32),
  /** sent with every ping and post (a buyer's auth token, say) */
  headers: z.record(z.string(), z.string()).default({}),
  caps: Caps.default({ timezone: 'UTC' }),
});

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
      })
      .default({ max_body_bytes: 64 * 1024, response_margin_ms: 16, drain_timeout_ms: 10_000, max_bids: 100 }),
    secret: z.string().min(16).optional(),
    redis: z.strictObject({ url: z.string(), prefix: z.string().default('gavel:') }).optional(),
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
    const keys = new Set<string>();
    c.sellers.forEach((s, i) => {
      if (keys.has(s.api_key)) ctx.addIssue({ code: 'custom', path: ['sellers', i, 'api_key'], message: 'api_key used by another seller' });
      keys.add(s.api_key);
      s.campaigns?.forEach((cid, j) => {
        if (!campaignIds.has(cid)) ctx.addIssue({ code: 'custom', path: ['sellers', i, 'campaigns', j], message: `unknown campaign "${cid}"` });
      });
    });
    c.buyers.forEach((b, i) =>
      b.campaigns.forEach((cid, j) => {
        if (!campaignIds.has(cid)) ctx.addIssue({ code: 'custom', path: ['buyers', i, 'campaigns', j], message: `unknown campaign "${cid}"` });
      }),
    );
  });
export type ConfigInput = z.input<typeof Config>;
export type ConfigData = z.infer<typeof Config>;
export type BuyerConfig = z.infer<typeof Buyer>;
export type SellerConfig = z.infer<typeof Seller>;
