import { parseConfig } from '../../src/config/load-config.js';
import { compileRuntime } from '../../src/config/runtime.js';
import type { ConfigInput } from '../../src/config/schema.js';
import type { CapRules } from '../../src/core/cap-limits.js';
import { readDemoConfig } from './demo-config.js';

/**
 * Every kind of cap a buyer can have, each far above what a bench run can take: a refused
 * hold stops judging at the first full window, so a full cap would make the script look cheaper.
 */
const CAPS = {
  hourly: 1_000_000,
  daily: 10_000_000,
  weekly: 50_000_000,
  monthly: 200_000_000,
  daily_budget: 1_000_000,
  rolling: [
    { window: '60m', max: 1_000_000 },
    { window: '24h', budget: 1_000_000 },
  ],
};

/** Zones of US buyers, so the calendar windows differ between buyers as they do in production. */
const ZONES = ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles', 'UTC'];

export const CAMPAIGN = 'auto';

const n = (x: number | undefined) => (x ?? 0).toLocaleString('en-US');
export const CAPPED_BUYERS_TEXT =
  `each with hourly ${n(CAPS.hourly)}, daily ${n(CAPS.daily)}, weekly ${n(CAPS.weekly)} and monthly ${n(CAPS.monthly)} lead caps, ` +
  `a daily budget of $${n(CAPS.daily_budget)}, a rolling 60m cap of ${n(CAPS.rolling[0]!.max)} leads and a rolling 24h budget of $${n(CAPS.rolling[1]!.budget)} ` +
  `(4 calendar windows, 2 rolling), in ${ZONES.length} time zones; the demo campaign's dedup rule (campaign scope), so no purchase digests`;

/**
 * The cap rules of `count` buyers, compiled by Gavel's own config path (schema, then
 * runtime), so the bench judges exactly the windows Gavel would for such a config.
 */
export function cappedBuyerRules(count: number): CapRules[] {
  const demo = readDemoConfig();
  const input: ConfigInput = {
    campaigns: demo.campaigns,
    sellers: demo.sellers,
    buyers: Array.from({ length: count }, (_, i) => ({
      id: `capped-${i + 1}`,
      campaigns: [CAMPAIGN],
      ping_url: 'http://127.0.0.1:9/ping',
      post_url: 'http://127.0.0.1:9/post',
      caps: { ...CAPS, timezone: ZONES[i % ZONES.length]! },
    })),
  };
  const runtime = compileRuntime(parseConfig(input, 'hold-rate bench buyers'), 'hold-rate-bench-secret');
  return runtime.buyers.map((b) => b.caps.get(CAMPAIGN)!);
}
