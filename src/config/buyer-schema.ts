import { z } from 'zod';
import { DURATION, durationMs } from '../core/duration.js';
import { buyerRuleShape } from '../rules/buyer-rules.js';
import { GRADES } from '../scoring/scoring-schema.js';
import { BreakerSchema } from './breaker-schema.js';
import { BuyerEmail, BuyerWebhook } from './delivery-schema.js';
import { clearKey, count, httpUrl, id, keyHashes, money, Notify, rate, validTimeZone } from './field-schema.js';
import { Margin } from './plan-schema.js';
import { BuyerFormat } from './template-schema.js';
import { BatchDelivery } from './batch-schema.js';

/**
 * A cap over the last `window`, sliding. Parsed to the window's milliseconds and its `spec`: the
 * window as written (`60m`), which names its counters in the store, so it is kept as text.
 */
export const RollingCap = z
  .strictObject({ window: z.string().regex(DURATION), max: count.optional(), budget: money.optional() })
  .refine((r) => r.max !== undefined || r.budget !== undefined, 'a rolling cap needs max, budget or both')
  .refine((r) => durationMs(r.window) >= 1000 && durationMs(r.window) <= 366 * 86_400_000, 'window between 1s and 366d')
  .transform(({ window, ...limits }) => ({ ...limits, spec: window, window: durationMs(window) }));

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
    caps: Caps.prefault({}),
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
    /** its leads also (or, with a price and no post_url, only) as files on a schedule: src/delivery/batch-*.ts */
    batch: BatchDelivery.optional(),
    /** where a lead this buyer bid on and did not get is told to it, once the lead is settled (signed, like seller postbacks) */
    loss_notices: Notify.optional(),
    /**
     * each lead it bought as an e-mail (src/delivery): beside its post, or instead of one (no
     * post_url, a `price`: an e-mail-only buyer, in a fixed_price tier, its sale counted once the
     * e-mail is durably queued)
     */
    email: BuyerEmail.optional(),
    /** a copy of each lead it bought posted to a second URL of its own, signed */
    webhook: BuyerWebhook.optional(),
    /** how many leads this buyer may return per billing cycle: a count, a share of the leads it bought in the cycle, or both */
    returns: z
      .strictObject({
        max_count: count.optional(),
        max_share: z.number().gt(0).max(1).optional(),
        /** the billing cycle: a calendar week or month in the buyer's caps time zone */
        cycle: z.enum(['week', 'month']).default('month'),
      })
      .prefault({}),
  })
  .superRefine((b, ctx) => {
    if (b.transport === 'http') {
      if (b.ping_url === undefined && b.price === undefined) ctx.addIssue({ code: 'custom', path: ['ping_url'], message: 'required for an http buyer (but a fixed-price one)' });
      // a batch-only buyer takes its leads in files: its post is accepted once the lead is queued for its batch
      const batchOnly = b.batch !== undefined && b.price !== undefined;
      if (b.post_url === undefined && !batchOnly && b.email === undefined) ctx.addIssue({ code: 'custom', path: ['post_url'], message: 'required for an http buyer (but a batch-only one: batch and a price; or an e-mail-only one: email and a price)' });
      if (emailOnly(b)) {
        if (b.price === undefined) ctx.addIssue({ code: 'custom', path: ['price'], message: 'an e-mail-only buyer (no post_url) buys at a fixed price' });
        if (b.ping_url !== undefined) ctx.addIssue({ code: 'custom', path: ['ping_url'], message: 'an e-mail-only buyer (no post_url) is never pinged' });
        if (b.format !== undefined) ctx.addIssue({ code: 'custom', path: ['format'], message: 'an e-mail-only buyer (no post_url) is never called' });
      }
    } else if (b.key === undefined && b.keys === undefined) ctx.addIssue({ code: 'custom', path: ['keys'], message: 'required for a websocket buyer (keys, or key)' });
    if (b.format !== undefined && b.transport !== 'http') ctx.addIssue({ code: 'custom', path: ['format'], message: 'only an http buyer has a format of its own' });
    if (b.format !== undefined && b.price === undefined && (b.format.ping === undefined) !== (b.format.ping_reply === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['format'], message: 'ping and ping_reply go together (neither: pings use the native protocol)' });
    }
    if (b.webhook !== undefined && b.webhook.secret === undefined && b.loss_notices === undefined) ctx.addIssue({ code: 'custom', path: ['webhook', 'secret'], message: 'required (or the loss_notices secret, which it would use)' });
    const zone = b.schedule?.timezone;
    if (zone !== undefined && !validTimeZone(zone)) ctx.addIssue({ code: 'custom', path: ['schedule', 'timezone'], message: `unknown time zone "${zone}"` });
  });
export type BuyerConfig = z.infer<typeof Buyer>;

/** A buyer that takes its leads by e-mail alone: no post_url and no batch files (its "post" is the e-mail, queued). */
export function emailOnly(b: Pick<BuyerConfig, 'transport' | 'post_url' | 'email' | 'batch'>): boolean {
  return b.transport === 'http' && b.post_url === undefined && b.email !== undefined && b.batch === undefined;
}
