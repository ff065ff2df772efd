import { describe, expect, it } from 'vitest';
import { experimentReport } from '../../src/ledger/experiment-report.js';
import type { ArmSums } from '../../src/ledger/ledger.js';

const M = 1_000_000;
const arms = [
  { name: 'control', share: 50, overrides: {} },
  { name: 'b', share: 50, overrides: { floor: 5 } },
];
/** n leads, `sold` of them each at margin m (micros): the sums the ledger keeps */
const sums = (arm: string, leads: number, sold: number, m: number): ArmSums => ({ arm, leads, sold, sales: sold, revenue_micros: sold * 5 * m, payout_micros: sold * 4 * m, margin_micros: sold * m, margin_sq: sold * m * m });

describe("an A/B test's report", () => {
  it('a fill of 80 in 100 against the control\'s 50 in 100 is significant; the figures are the ledger\'s, in decimals', () => {
    const r = experimentReport('auto', 't1', arms, [sums('control', 100, 50, 2 * M), sums('b', 100, 80, 2 * M)], { version: 3, published_at: '2026-12-01T00:00:00.000Z' });
    expect(r).toMatchObject({ campaign: 'auto', experiment: 't1', control: 'control', alpha: 0.05, significant: true, running_since: { version: 3 } });
    const [control, b] = r.arms;
    expect(control).toMatchObject({ name: 'control', leads: 100, sold: 50, fill: 0.5, sales: 50, revenue: 500, payout: 400, margin: 100, margin_per_lead: 1, vs_control: null });
    expect(b).toMatchObject({ name: 'b', overrides: { floor: 5 }, fill: 0.8, margin_per_lead: 1.6 });
    // chi-square 19.78 on [[80, 20], [50, 50]]: z 4.447
    expect(b!.vs_control!.fill!.z).toBeCloseTo(4.4475, 3);
    expect(b!.vs_control!.fill!.significant).toBe(true);
    // per lead: b's margins are 2 (80 leads) or 0 (20); the control's 2 (50) or 0 (50)
    expect(b!.vs_control!.margin_per_lead!.difference).toBeCloseTo(0.6, 6);
    // Welch: t 4.6617 on 188.9 degrees of freedom
    expect(b!.vs_control!.margin_per_lead!.t).toBeCloseTo(4.6617, 3);
    expect(b!.vs_control!.margin_per_lead!.df).toBeCloseTo(188.9, 1);
    expect(b!.vs_control!.margin_per_lead!.significant).toBe(true);
    // the intervals hold their estimates
    expect(b!.fill_ci!.low).toBeLessThan(0.8);
    expect(b!.margin_per_lead_ci!.high).toBeGreaterThan(1.6);
  });

  it('arms alike are not significant; an arm with no figure yet reports zeros; a sale ahead of its lead count never makes a fill over 1', () => {
    const alike = experimentReport('auto', 't1', arms, [sums('control', 100, 50, 2 * M), sums('b', 100, 52, 2 * M)], null);
    expect(alike.significant).toBe(false);
    expect(alike.arms[1]!.vs_control!.fill!.significant).toBe(false);
    const empty = experimentReport('auto', 't1', arms, [sums('control', 10, 5, M)], null);
    expect(empty.arms[1]).toMatchObject({ leads: 0, sold: 0, fill: null, fill_ci: null, margin_per_lead: null, margin_per_lead_ci: null, vs_control: { fill: null, margin_per_lead: null } });
    const ahead = experimentReport('auto', 't1', arms, [sums('control', 3, 5, M), sums('b', 5, 5, M)], null);
    expect(ahead.arms[0]).toMatchObject({ leads: 5, sold: 5, fill: 1 });
  });
});
