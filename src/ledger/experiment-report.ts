import { meanInterval, moments, twoProportions, welch, wilson, type Interval } from '../core/ab-statistics.js';
import { fromMicros } from '../core/money.js';
import type { ArmSums } from './ledger.js';

/** a difference is called significant under this two-sided p-value */
export const ALPHA = 0.05;

/** One arm as a report shows it: figures in the API's decimals, intervals at 95%. */
export interface ArmReport {
  name: string;
  share: number;
  /** what the arm sets instead of the campaign, as the configuration writes it; {} for a control */
  overrides: Record<string, unknown>;
  leads: number;
  /** leads sold (to one buyer or more) */
  sold: number;
  /** sold / leads; null with no lead */
  fill: number | null;
  fill_ci: Interval | null;
  /** sales: a lead a shared tier sold to three buyers is three */
  sales: number;
  revenue: number;
  payout: number;
  margin: number;
  /** margin / leads, an unsold lead's margin 0; null with no lead */
  margin_per_lead: number | null;
  margin_per_lead_ci: Interval | null;
  /** against the first arm (the control); null for the control itself */
  vs_control: {
    /** two-proportion z-test; null when there is nothing to test (no lead, or no variance) */
    fill: { difference: number; z: number; p: number; significant: boolean } | null;
    /** Welch's t-test; null when there is nothing to test */
    margin_per_lead: { difference: number; t: number; df: number; p: number; significant: boolean } | null;
  } | null;
}

export interface ExperimentReport {
  campaign: string;
  experiment: string;
  /** the version that started the test (the oldest of the unbroken run of live versions with this test id); null when the versions cannot tell */
  running_since: { version: number; published_at: string } | null;
  control: string;
  alpha: number;
  /** some arm's fill or margin per lead differs from the control's at p < alpha */
  significant: boolean;
  arms: ArmReport[];
}

/** An arm as the live configuration sets it. */
export interface ArmSetting {
  name: string;
  share: number;
  overrides: Record<string, unknown>;
}

const money = (micros: number) => Math.round(micros) / 1_000_000;
const moneyInterval = (i: Interval | null): Interval | null => (i === null ? null : { low: money(i.low), high: money(i.high) });

/**
 * The report of a campaign's A/B test: per arm, in the configuration's order (the first arm is
 * the control), the ledger's sums made into fill and margin per lead with their 95% intervals,
 * and each other arm's differences from the control with their p-values. An arm the ledger has
 * no figure of yet reports zeros. Pure: the route reads the ledger and the versions.
 */
export function experimentReport(
  campaign: string,
  experiment: string,
  arms: readonly ArmSetting[],
  sums: readonly ArmSums[],
  runningSince: ExperimentReport['running_since'],
): ExperimentReport {
  const byArm = new Map(sums.map((s) => [s.arm, s]));
  const figures = arms.map((a) => {
    const s = byArm.get(a.name);
    const leads = s?.leads ?? 0;
    const sold = s?.sold ?? 0;
    // the ledger may hold a sale whose lead's count is still on its way (counts flush every
    // ledger.stats_flush): never fewer leads than leads sold
    const n = Math.max(leads, sold);
    return { a, s, n, sold, margin: moments(n, s?.margin_micros ?? 0, s?.margin_sq ?? 0) };
  });
  const control = figures[0]!;
  const reports = figures.map(({ a, s, n, sold, margin }, i): ArmReport => {
    let vs: ArmReport['vs_control'] = null;
    if (i > 0) {
      const fill = twoProportions(sold, n, control.sold, control.n);
      const perLead = welch(margin, control.margin);
      vs = {
        fill: fill === null ? null : { difference: fill.difference, z: fill.statistic, p: fill.p, significant: fill.p < ALPHA },
        margin_per_lead: perLead === null ? null : { difference: money(perLead.difference), t: perLead.statistic, df: perLead.df, p: perLead.p, significant: perLead.p < ALPHA },
      };
    }
    return {
      name: a.name,
      share: a.share,
      overrides: a.overrides,
      leads: n,
      sold,
      fill: n === 0 ? null : sold / n,
      fill_ci: wilson(sold, n),
      sales: s?.sales ?? 0,
      revenue: fromMicros(s?.revenue_micros ?? 0),
      payout: fromMicros(s?.payout_micros ?? 0),
      margin: fromMicros(s?.margin_micros ?? 0),
      margin_per_lead: n === 0 ? null : money(margin.mean),
      margin_per_lead_ci: moneyInterval(meanInterval(margin)),
      vs_control: vs,
    };
  });
  const significant = reports.some((r) => r.vs_control !== null && (r.vs_control.fill?.significant === true || r.vs_control.margin_per_lead?.significant === true));
  return { campaign, experiment, running_since: runningSince, control: control.a.name, alpha: ALPHA, significant, arms: reports };
}
