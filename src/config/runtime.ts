import { randomBytes } from 'node:crypto';
import { compileLeadSchema, type LeadSchema } from './lead-schema.js';
import { compileBuyerRules, type AllowBlock, type LeadContext, type RuleRefusal } from '../rules/buyer-rules.js';
import { compileFilter } from '../rules/filter.js';
import { compileLeadScorer } from '../scoring/lead-scorer.js';
import type { Scoring } from '../scoring/scoring-schema.js';
import { ConfigError } from './load-config.js';
import { marginRuntime, type MarginRuntime } from '../core/money.js';
import { Tier, type Method } from './plan-schema.js';
import { ARM_BUCKETS, armSeed } from './experiment-hash.js';
import { weekdayOf } from '../core/calendar.js';
import type { CalendarLimit, CapRules, RollingLimit } from '../core/cap-limits.js';
import { digestOf, KeyRing, type KeyRingEntry } from './keys.js';
import type { KeyEntry } from './field-schema.js';
import type { ConfigData } from './schema.js';
import type { BuyerConfig, CampaignCaps } from './buyer-schema.js';
import type { DedupRule } from './campaign-schema.js';
import type { RateRuntime } from './field-schema.js';

export type { RateRuntime } from './field-schema.js';

export interface BuyerRuntime {
  readonly id: string;
  readonly config: BuyerConfig;
  /** the buyer's own caps with its caps in that campaign, by campaign id */
  readonly caps: ReadonlyMap<string, CapRules>;
  /** its filters, schedule, lists and test-lead rule: null when it may take the lead */
  readonly rules: (ctx: LeadContext) => RuleRefusal | null;
  /** its filters alone, judged again on the full lead at the post; null: none */
  readonly filter: ((lead: Readonly<Record<string, unknown>>) => boolean) | null;
  readonly margin: MarginRuntime | null;
  /** a fixed-price buyer's price; null: it bids on pings */
  readonly priceMicros: number | null;
}

/** A tier of a campaign's plan, compiled: its buyers in the tier's order. */
export interface TierRuntime {
  readonly name: string;
  readonly method: Method;
  readonly buyers: readonly BuyerRuntime[];
  /** round_robin: 1 each; weighted: as configured; others: empty */
  readonly weights: ReadonlyMap<string, number>;
  /** 1 for an exclusive tier */
  readonly maxBuyers: number;
  /** where its turn lives in the store (round_robin, weighted) */
  readonly turnKey: string;
}

export interface DedupRuleRuntime {
  readonly fields: readonly string[];
  readonly match: 'all' | 'any';
  readonly windowMs: number;
  readonly scope: DedupRule['scope'];
  /** where its claims live in the store: `c:<campaign>` or `g`; unused for scope buyer */
  readonly scopeKey: string;
}

export interface CampaignRuntime {
  readonly id: string;
  /** false: paused (CAMPAIGN_PAUSED) */
  readonly active: boolean;
  readonly tmaxMs: number;
  readonly maxTmaxMs: number;
  readonly margin: MarginRuntime;
  /** tiers tried in order */
  readonly plan: readonly TierRuntime[];
  readonly secondPriceIncrementMicros: number | null;
  readonly maxPriceMicros: number | null;
  readonly floorMicros: number;
  readonly pingTtlMs: number;
  readonly postTmaxMs: number;
  /** in config order; buyer-scope rules leave buyers out instead of refusing the lead */
  readonly dedup: readonly DedupRuleRuntime[];
  readonly schema: LeadSchema;
  /** the active buyers of this campaign's plan, tier after tier */
  readonly buyers: readonly BuyerRuntime[];
  /** null: leads of this campaign are not scored */
  readonly scoring: Scoring | null;
  readonly rankBy: 'bid' | 'expected_value';
  /** the campaign's A/B test, each arm compiled; null: none (and on an arm's own runtime) */
  readonly experiment: ExperimentRuntime | null;
  /** the arm this runtime is, on an arm's runtime; null on a campaign's own */
  readonly arm: ArmTag | null;
}

/** Which test and which arm a lead ran under: what its trace and its sales record. */
export interface ArmTag {
  readonly experiment: string;
  readonly name: string;
}

/**
 * A campaign's A/B test, compiled once: each arm a whole CampaignRuntime (the campaign's buyers,
 * schema and dedup; its own plan, floor, margin, pricing and ranking), and a lead's arm looked up
 * by its hash's bucket (src/config/experiment-arm.ts).
 */
export interface ExperimentRuntime {
  readonly id: string;
  readonly arms: readonly CampaignRuntime[];
  /** the hash's state after the test's id: a lead's hash goes on from it with the lead's id */
  readonly seed: number;
  /** the arm index of each of the 100 buckets: arm i takes `share` buckets after those of the arms before it */
  readonly byBucket: Uint8Array;
}

export interface SellerRuntime {
  readonly id: string;
  /** false: paused (SELLER_PAUSED) */
  readonly active: boolean;
  readonly floorMicros: number | null;
  readonly margin: MarginRuntime | null;
  /** the buyers this seller's leads may (allow) or may never (block) go to */
  readonly buyers: AllowBlock | undefined;
  readonly campaigns: ReadonlySet<string> | null;
  readonly rate: RateRuntime | null;
}

/** Who a key is: the operator, a seller or a buyer. */
export type Party = { readonly kind: 'admin'; readonly name: string } | { readonly kind: 'seller'; readonly seller: SellerRuntime } | { readonly kind: 'buyer'; readonly buyer: BuyerRuntime };

/** The parties whose key sits in the config in clear (`api_key`, `key`, `admin_key`), named, never the key. */
export function clearKeyHolders(data: ConfigData): string[] {
  return [
    ...(data.admin_key === undefined ? [] : ['the operator (admin_key)']),
    ...data.sellers.flatMap((s) => (s.api_key === undefined ? [] : [`seller ${s.id} (api_key)`])),
    ...data.buyers.flatMap((b) => (b.key === undefined ? [] : [`buyer ${b.id} (key)`])),
  ];
}

/** One key of a party as the key ring holds it: its digest, its name, until when it works. */
interface StoredKey {
  digest: Buffer;
  name: string | undefined;
  expiresAt: number | undefined;
}

/** Every key of one party, clear or hashed, as digests with their names and expiries. */
function storedKeys(clear: string | undefined, entries: readonly KeyEntry[] | undefined): StoredKey[] {
  const keys: StoredKey[] = clear === undefined ? [] : [{ digest: digestOf(clear, false), name: undefined, expiresAt: undefined }];
  for (const e of entries ?? []) {
    if (typeof e === 'string') keys.push({ digest: digestOf(e, true), name: undefined, expiresAt: undefined });
    else keys.push({ digest: digestOf(e.hash, true), name: e.name, expiresAt: e.expires_at === undefined ? undefined : Date.parse(e.expires_at) });
  }
  return keys;
}

/** The validated config, compiled into what the hot path reads, then frozen. */
export interface Runtime {
  /** the validated config as parsed: durations in ms, money in micros, rates in GCRA terms (field-schema.ts) */
  readonly data: ConfigData;
  readonly campaigns: ReadonlyMap<string, CampaignRuntime>;
  /** every party's keys (a buyer's: every websocket buyer, an http buyer to read its traces and file returns) */
  readonly keys: KeyRing<Party>;
  readonly buyers: readonly BuyerRuntime[];
  readonly secret: string;
  /** true when no secret was configured and one was made up for this process */
  readonly secretGenerated: boolean;
  readonly piiFields: readonly string[];
  readonly resubmitWindowMs: number;
  readonly idempotencyWindowMs: number;
  readonly acceptRate: { readonly halfLifeMs: number; readonly prior: number; readonly priorWeight: number; readonly refreshMs: number };
}

/** A seller as the exchange reads it: its floor, margin and lists compiled (a key's party, a replay's seller). */
export function sellerRuntime(s: ConfigData['sellers'][number]): SellerRuntime {
  return {
    id: s.id,
    active: s.active,
    floorMicros: s.floor ?? null,
    margin: s.margin === undefined ? null : marginRuntime(s.margin),
    buyers: s.buyers,
    campaigns: s.campaigns ? new Set(s.campaigns) : null,
    rate: s.rate_limit ?? null,
  };
}

/** the plan of a campaign that has none: one tier of the tier's defaults */
const DEFAULT_TIER = Tier.parse({ name: 'main' });

/**
 * A campaign's plan over its active buyers: the configured tiers (a tier without a buyers list
 * takes every buyer no other tier names), or one highest_bid tier of them all.
 */
function planOf(campaign: string, tiers: readonly Tier[] | undefined, buyers: readonly BuyerRuntime[], turnPrefix = campaign): TierRuntime[] {
  const byId = new Map(buyers.map((b) => [b.id, b]));
  const named = new Set((tiers ?? []).flatMap((t) => t.buyers ?? []));
  return (tiers ?? [DEFAULT_TIER]).map((t) => {
    // an inactive buyer stays in the config but out of the plan
    const members = t.buyers === undefined ? buyers.filter((b) => !named.has(b.id)) : t.buyers.flatMap((id) => byId.get(id) ?? []);
    const weights = new Map(t.method === 'round_robin' ? members.map((b) => [b.id, 1]) : t.method === 'weighted' ? members.map((b) => [b.id, t.weights![b.id]!]) : []);
    return { name: t.name, method: t.method, buyers: members, weights, maxBuyers: t.sell === 'shared' ? t.max_buyers : 1, turnKey: `${turnPrefix}:${t.name}` };
  });
}

/** On a full lead every field is known: a filter either passes or fails. */
function fullLeadFilter(judge: ReturnType<typeof compileFilter>): (lead: Readonly<Record<string, unknown>>) => boolean {
  const all = () => true;
  return (lead) => judge(lead, all) !== 'fail';
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

const UNITS = [
  ['hour', 'hourly', 'hourly_budget'],
  ['day', 'daily', 'daily_budget'],
  ['week', 'weekly', 'weekly_budget'],
  ['month', 'monthly', 'monthly_budget'],
] as const;

function addLimits(caps: CampaignCaps, prefix: string, calendar: CalendarLimit[], rolling: RollingLimit[]): void {
  for (const [unit, countKey, budgetKey] of UNITS) {
    const maxCount = caps[countKey];
    const budget = caps[budgetKey];
    if (maxCount === undefined && budget === undefined) continue;
    calendar.push({ unit, maxCount: maxCount ?? -1, maxSpend: budget ?? -1, prefix });
  }
  // entries of one window length are one limit: its spec id must not depend on list order
  const byWindow = new Map<string, RollingLimit>();
  for (const r of caps.rolling) {
    const spec = prefix + r.spec;
    const cur = byWindow.get(spec) ?? { spec, lengthMs: r.window, maxCount: -1, maxSpend: -1 };
    if (r.max !== undefined) cur.maxCount = cur.maxCount < 0 ? r.max : Math.min(cur.maxCount, r.max);
    if (r.budget !== undefined) cur.maxSpend = cur.maxSpend < 0 ? r.budget : Math.min(cur.maxSpend, r.budget);
    byWindow.set(spec, cur);
  }
  rolling.push(...byWindow.values());
}

function capRules(b: BuyerConfig, campaign: string): CapRules {
  const calendar: CalendarLimit[] = [];
  const rolling: RollingLimit[] = [];
  addLimits(b.caps, '', calendar, rolling);
  const own = b.campaign_caps[campaign];
  if (own !== undefined) addLimits(own, `c:${campaign}:`, calendar, rolling);
  return { timezone: b.caps.timezone, weekStart: weekdayOf(b.caps.week_start), calendar, rolling, pingRate: b.caps.ping_rate ?? null };
}

/**
 * A campaign's test: each arm the campaign's runtime with the arm's overrides. Each arm's
 * round-robin and weighted turns are its own (`<campaign>:<arm>:<tier>`, never a campaign's
 * `<campaign>:<tier>`: ids hold no colon), so each arm's leads rotate fairly among its buyers.
 */
function compileExperiment(c: ConfigData['campaigns'][number], base: CampaignRuntime, active: readonly BuyerRuntime[]): ExperimentRuntime {
  const e = c.experiment!;
  const arms = e.arms.map((a): CampaignRuntime => {
    const plan = planOf(c.id, a.distribution ?? c.distribution, active, `${c.id}:${a.name}`);
    const pricing = a.pricing ?? c.pricing;
    return {
      ...base,
      margin: marginRuntime(a.margin ?? c.margin),
      plan,
      buyers: plan.flatMap((t) => t.buyers),
      secondPriceIncrementMicros: pricing.second_price?.increment ?? null,
      maxPriceMicros: pricing.max_price ?? null,
      floorMicros: a.floor ?? c.floor,
      rankBy: a.rank_by ?? c.rank_by,
      experiment: null,
      arm: Object.freeze({ experiment: e.id, name: a.name }),
    };
  });
  const byBucket = new Uint8Array(ARM_BUCKETS);
  let at = 0;
  e.arms.forEach((a, i) => byBucket.fill(i, at, (at += a.share)));
  return { id: e.id, arms, seed: armSeed(e.id), byBucket };
}

export function compileRuntime(data: ConfigData, secret: string | undefined): Runtime {
  const buyers: BuyerRuntime[] = data.buyers.map((b) => ({
    id: b.id,
    config: b,
    caps: new Map(b.campaigns.map((c) => [c, capRules(b, c)])),
    rules: compileBuyerRules(b.id, b, b.caps.timezone),
    filter: b.filters === undefined ? null : fullLeadFilter(compileFilter(b.filters)),
    margin: b.margin === undefined ? null : marginRuntime(b.margin),
    priceMicros: b.price ?? null,
  }));
  const campaigns = new Map<string, CampaignRuntime>();
  const pii = new Set<string>();
  for (const c of data.campaigns) {
    const schema = compileLeadSchema(c.fields);
    const active = buyers.filter((b) => b.config.active && b.config.campaigns.includes(c.id));
    const plan = planOf(c.id, c.distribution, active);
    schema.piiFields.forEach((f) => pii.add(f));
    campaigns.set(c.id, {
      id: c.id,
      active: c.active,
      tmaxMs: c.tmax_ms,
      maxTmaxMs: c.max_tmax_ms,
      margin: marginRuntime(c.margin),
      plan,
      secondPriceIncrementMicros: c.pricing.second_price?.increment ?? null,
      maxPriceMicros: c.pricing.max_price ?? null,
      floorMicros: c.floor,
      pingTtlMs: c.ping_ttl,
      postTmaxMs: c.post_tmax_ms,
      dedup: (c.dedup ?? []).map((r) => ({
        fields: r.fields,
        match: r.match,
        windowMs: r.window,
        scope: r.scope,
        scopeKey: r.scope === 'global' ? 'g' : `c:${c.id}`,
      })),
      schema,
      buyers: plan.flatMap((t) => t.buyers),
      scoring: c.scoring ?? null,
      rankBy: c.rank_by,
      experiment: null,
      arm: null,
    });
    if (c.experiment !== undefined) {
      const base = campaigns.get(c.id)!;
      campaigns.set(c.id, { ...base, experiment: compileExperiment(c, base, active) });
    }
  }
  // a model that cannot be compiled is a config error now, not a worker crash later
  const problems: string[] = [];
  data.campaigns.forEach((c, i) => {
    if (c.scoring === undefined) return;
    try {
      compileLeadScorer(c.scoring);
    } catch (e) {
      problems.push(`campaigns[${i}].scoring.model: ${(e as Error).message}`);
    }
  });
  if (problems.length > 0) throw new ConfigError('config', problems);
  const parties: KeyRingEntry<Party>[] = [];
  // each operator key is a party of its own, named, so the audit log says who did what
  storedKeys(data.admin_key, data.admin_keys).forEach((k, i) => {
    const name = k.name ?? (data.admin_key !== undefined && i === 0 ? 'admin_key' : `admin_keys[${data.admin_key !== undefined ? i - 1 : i}]`);
    parties.push({ digest: k.digest, party: { kind: 'admin', name }, expiresAt: k.expiresAt });
  });
  for (const s of data.sellers) {
    const seller: Party = { kind: 'seller', seller: sellerRuntime(s) };
    for (const k of storedKeys(s.api_key, s.api_keys)) parties.push({ digest: k.digest, party: seller, expiresAt: k.expiresAt });
  }
  for (const b of buyers) {
    const buyer: Party = { kind: 'buyer', buyer: b };
    for (const k of storedKeys(b.config.key, b.config.keys)) parties.push({ digest: k.digest, party: buyer, expiresAt: k.expiresAt });
  }
  const key = secret ?? data.secret;
  const runtime: Runtime = {
    data: deepFreeze(data),
    campaigns,
    keys: new KeyRing(parties),
    buyers,
    secret: key ?? randomBytes(32).toString('hex'),
    secretGenerated: key === undefined,
    piiFields: [...pii],
    resubmitWindowMs: data.server.resubmit_window,
    idempotencyWindowMs: data.server.idempotency_window,
    acceptRate: {
      halfLifeMs: data.accept_rate.half_life,
      prior: data.accept_rate.prior,
      priorWeight: data.accept_rate.prior_weight,
      refreshMs: data.accept_rate.refresh,
    },
  };
  return Object.freeze(runtime);
}
