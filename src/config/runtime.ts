import { randomBytes } from 'node:crypto';
import { compileLeadSchema, type LeadSchema } from '../lead/lead-schema.js';
import { marginPpm, toMicros } from '../money.js';
import type { CapRules } from '../store/cap-windows.js';
import { durationMs, type BuyerConfig, type ConfigData } from './schema.js';

export interface BuyerRuntime {
  readonly id: string;
  readonly config: BuyerConfig;
  readonly caps: CapRules;
}

export interface CampaignRuntime {
  readonly id: string;
  readonly tmaxMs: number;
  readonly maxTmaxMs: number;
  readonly marginPpm: number;
  readonly floorMicros: number;
  readonly pingTtlMs: number;
  readonly postTmaxMs: number;
  /** null: no dedup for this campaign */
  readonly dedupFields: readonly string[] | null;
  readonly dedupWindowMs: number;
  readonly schema: LeadSchema;
  /** active buyers of this campaign, in config order (the tie-break order) */
  readonly buyers: readonly BuyerRuntime[];
}

export interface SellerRuntime {
  readonly id: string;
  readonly campaigns: ReadonlySet<string> | null;
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
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export function compileRuntime(data: ConfigData, secret: string | undefined): Runtime {
  const buyers: BuyerRuntime[] = data.buyers.map((b) => ({
    id: b.id,
    config: b,
    caps: {
      daily: b.caps.daily,
      dailySpendMicros: b.caps.daily_spend === undefined ? undefined : toMicros(b.caps.daily_spend),
      timezone: b.caps.timezone,
    },
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
      dedupFields: c.dedup?.fields ?? null,
      dedupWindowMs: c.dedup ? durationMs(c.dedup.window) : 0,
      schema,
      buyers: buyers.filter((b) => b.config.active && b.config.campaigns.includes(c.id)),
    });
  }
  const sellersByKey = new Map<string, SellerRuntime>();
  for (const s of data.sellers) sellersByKey.set(s.api_key, { id: s.id, campaigns: s.campaigns ? new Set(s.campaigns) : null });
  const key = secret ?? data.secret;
  const runtime: Runtime = {
    data: deepFreeze(data),
    campaigns,
    sellersByKey,
    buyers,
    secret: key ?? randomBytes(32).toString('hex'),
    secretGenerated: key === undefined,
    piiFields: [...pii],
  };
  return Object.freeze(runtime);
}
