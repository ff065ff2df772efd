import { randomBytes } from 'node:crypto';
import { compileLeadSchema, type LeadSchema } from '../lead/lead-schema.js';
import { compileBuyerRules, type AllowBlock, type LeadContext, type RuleRefusal } from '../rules/buyer-rules.js';
import { compileFilter } from '../rules/filter.js';
import { compileLeadScorer } from '../scoring/lead-scorer.js';
import type { Scoring } from '../scoring/scoring-schema.js';
import { ConfigError } from './load-config.js';
import { marginPpm, toMicros } from '../money.js';
import { weekdayOf } from '../store/calendar.js';
import type { CalendarLimit, CapRules, RollingLimit } from '../store/cap-limits.js';
import { durationMs, rateOf, type BuyerConfig, type CampaignCaps, type ConfigData, type DedupRule } from './schema.js';

export interface BuyerRuntime {
  readonly id: string;
  readonly config: BuyerConfig;
  /** the buyer's own caps with its caps in that campaign, by campaign id */
  readonly caps: ReadonlyMap<string, CapRules>;
  /** its filters, schedule, lists and test-lead rule: null when it may take the lead */
  readonly rules: (ctx: LeadContext) => RuleRefusal | null;
  /** its filters alone, judged again on the full lead at the post; null: none */
  readonly filter: ((lead: Readonly<Record<string, unknown>>) => boolean) | null;
}

export interface DedupRuleRuntime {
  readonly fields: readonly string[];
  readonly match: 'all' | 'any';
  readonly windowMs: number;
  readonly scope: DedupRule['scope'];
  /** where its claims live in the store: `c:<campaign>` or `g`; unused for scope buyer */
  readonly scopeKey: string;
}

/** GCRA parameters of an `N/s` or `N/m` rate: one every `intervalMs`, bursts up to N. */
export interface RateRuntime {
  readonly intervalMs: number;
  readonly toleranceMs: number;
}

export interface CampaignRuntime {
  readonly id: string;
  readonly tmaxMs: number;
  readonly maxTmaxMs: number;
  readonly marginPpm: number;
  readonly floorMicros: number;
  readonly pingTtlMs: number;
  readonly postTmaxMs: number;
  /** in config order; buyer-scope rules leave buyers out instead of refusing the lead */
  readonly dedup: readonly DedupRuleRuntime[];
  readonly schema: LeadSchema;
  /** active buyers of this campaign, in config order (the tie-break order) */
  readonly buyers: readonly BuyerRuntime[];
  /** null: leads of this campaign are not scored */
  readonly scoring: Scoring | null;
  readonly rankBy: 'bid' | 'expected_value';
}

export interface SellerRuntime {
  readonly id: string;
  /** the buyers this seller's leads may (allow) or may never (block) go to */
  readonly buyers: AllowBlock | undefined;
  readonly campaigns: ReadonlySet<string> | null;
  readonly rate: RateRuntime | null;
}

/** The validated config, compiled into what the hot path reads, then frozen. */
export interface Runtime {
  readonly data: ConfigData;
  readonly campaigns: ReadonlyMap<string, CampaignRuntime>;
  readonly sellersByKey: ReadonlyMap<string, SellerRuntime>;
  readonly buyers: readonly BuyerRuntime[];
  readonly secret: string;
  /** true when no secret was configured and one was made up for this process */
  readonly secretGenerated: boolean;
  readonly piiFields: readonly string[];
  readonly resubmitWindowMs: number;
  readonly acceptRate: { readonly halfLifeMs: number; readonly prior: number; readonly priorWeight: number; readonly refreshMs: number };
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

function rateRuntime(text: string | undefined): RateRuntime | null {
  if (text === undefined) return null;
  const { count, periodMs } = rateOf(text);
  return { intervalMs: periodMs / count, toleranceMs: periodMs - periodMs / count };
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
    calendar.push({ unit, maxCount: maxCount ?? -1, maxSpend: budget === undefined ? -1 : toMicros(budget), prefix });
  }
  // entries of one window length are one limit: its spec id must not depend on list order
  const byWindow = new Map<string, RollingLimit>();
  for (const r of caps.rolling) {
    const spec = prefix + r.window;
    const cur = byWindow.get(spec) ?? { spec, lengthMs: durationMs(r.window), maxCount: -1, maxSpend: -1 };
    if (r.max !== undefined) cur.maxCount = cur.maxCount < 0 ? r.max : Math.min(cur.maxCount, r.max);
    if (r.budget !== undefined) cur.maxSpend = cur.maxSpend < 0 ? toMicros(r.budget) : Math.min(cur.maxSpend, toMicros(r.budget));
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
  return { timezone: b.caps.timezone, weekStart: weekdayOf(b.caps.week_start), calendar, rolling, pingRate: rateRuntime(b.caps.ping_rate) };
}

export function compileRuntime(data: ConfigData, secret: string | undefined): Runtime {
  const buyers: BuyerRuntime[] = data.buyers.map((b) => ({
    id: b.id,
    config: b,
    caps: new Map(b.campaigns.map((c) => [c, capRules(b, c)])),
    rules: compileBuyerRules(b.id, b, b.caps.timezone),
    filter: b.filters === undefined ? null : fullLeadFilter(compileFilter(b.filters)),
  }));
  const campaigns = new Map<string, CampaignRuntime>();
  const pii = new Set<string>();
  for (const c of data.campaigns) {
    const schema = compileLeadSchema(c.fields);
    schema.piiFields.forEach((f) => pii.add(f));
    campaigns.set(c.id, {
      id: c.id,
      tmaxMs: c.tmax_ms,
      maxTmaxMs: c.max_tmax_ms,
      marginPpm: marginPpm(c.margin),
      floorMicros: toMicros(c.floor),
      pingTtlMs: durationMs(c.ping_ttl),
      postTmaxMs: c.post_tmax_ms,
      dedup: (c.dedup ?? []).map((r) => ({
        fields: r.fields,
        match: r.match,
        windowMs: durationMs(r.window),
        scope: r.scope,
        scopeKey: r.scope === 'global' ? 'g' : `c:${c.id}`,
      })),
      schema,
      buyers: buyers.filter((b) => b.config.active && b.config.campaigns.includes(c.id)),
      scoring: c.scoring ?? null,
      rankBy: c.rank_by,
    });
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
  const sellersByKey = new Map<string, SellerRuntime>();
  for (const s of data.sellers) sellersByKey.set(s.api_key, { id: s.id, buyers: s.buyers, campaigns: s.campaigns ? new Set(s.campaigns) : null, rate: rateRuntime(s.rate_limit) });
  const key = secret ?? data.secret;
  const runtime: Runtime = {
    data: deepFreeze(data),
    campaigns,
    sellersByKey,
    buyers,
    secret: key ?? randomBytes(32).toString('hex'),
    secretGenerated: key === undefined,
    piiFields: [...pii],
    resubmitWindowMs: durationMs(data.server.resubmit_window),
    acceptRate: {
      halfLifeMs: durationMs(data.accept_rate.half_life),
      prior: data.accept_rate.prior,
      priorWeight: data.accept_rate.prior_weight,
      refreshMs: durationMs(data.accept_rate.refresh),
    },
  };
  return Object.freeze(runtime);
}
