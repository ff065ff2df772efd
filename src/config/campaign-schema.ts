import { z } from 'zod';
import { Scoring } from '../scoring/scoring-schema.js';
import { duration, id, money } from './field-schema.js';
import { Experiment } from './experiment-schema.js';
import { Margin, Pricing, Tier } from './plan-schema.js';

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
  window: duration,
  scope: z.enum(['campaign', 'global', 'buyer']).default('campaign'),
});
export type DedupRule = z.infer<typeof DedupRule>;

export const CampaignReturns = z.strictObject({
  /** how long after its sale a lead may be returned */
  window: duration.prefault('30d'),
  /** true: every return within the window and the buyer's limits is approved at once; { reasons }: those with one of these reasons; false: each waits for the operator */
  auto_approve: z.union([z.boolean(), z.strictObject({ reasons: z.array(z.string().min(1).max(200)).min(1) })]).default(false),
  /** an approved return gives the lead's place back in the buyer's caps (windows not yet over) */
  restore_cap: z.boolean().default(false),
});
export type CampaignReturns = z.infer<typeof CampaignReturns>;
/** the rules of a campaign that writes none (and of a sale whose campaign has since left the config) */
export const DEFAULT_CAMPAIGN_RETURNS: CampaignReturns = Object.freeze(CampaignReturns.parse({}));

export const Campaign = z
  .strictObject({
    id,
    /** false: paused, every ping and direct post is refused with CAMPAIGN_PAUSED (posts of earlier pings still finish) */
    active: z.boolean().default(true),
    /** default deadline of a ping; sellers may ask for less or more, up to max_tmax_ms */
    tmax_ms: z.int().min(10).max(30_000).default(150),
    max_tmax_ms: z.int().min(10).max(30_000).default(1000),
    /** the seller is paid price × (1 - margin), or price - fixed; sellers and buyers may have their own */
    margin: Margin.prefault(0),
    /** the plan: tiers tried in order, each with its method; absent: one highest_bid tier of every buyer */
    distribution: z.array(Tier).min(1).max(20).optional(),
    pricing: Pricing.prefault({}),
    /** bids below this are ignored */
    floor: money.prefault(0),
    /** how long a bid stands for the seller to post (the winner's cap hold lives as long) */
    ping_ttl: duration.prefault('60s'),
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
    returns: CampaignReturns.prefault({}),
    /** an A/B test: the campaign's leads split between arms that sell under their own floor, plan, pricing, margin or ranking */
    experiment: Experiment.optional(),
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
