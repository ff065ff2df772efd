import { describe, expect, it } from 'vitest';
import { meanInterval, moments, normalCdf, tCdf, tQuantile, twoProportions, welch, wilson } from '../../src/core/ab-statistics.js';

/** a sample's moments as the ledger keeps them: count, sum, sum of squares */
const of = (xs: number[]) => moments(xs.length, xs.reduce((a, b) => a + b, 0), xs.reduce((a, b) => a + b * b, 0));

describe('A/B statistics against published values', () => {
  it('the normal and t distributions: tables to four places', () => {
    expect(normalCdf(1.96)).toBeCloseTo(0.975, 4);
    expect(normalCdf(-2.5758)).toBeCloseTo(0.005, 4);
    expect(normalCdf(0)).toBeCloseTo(0.5, 6);
    // t table, two-sided 95%: 12.706 (1 df), 2.262 (9), 2.045 (29); large df tends to 1.96
    expect(tQuantile(0.975, 1)).toBeCloseTo(12.7062, 3);
    expect(tQuantile(0.975, 9)).toBeCloseTo(2.2622, 4);
    expect(tQuantile(0.975, 29)).toBeCloseTo(2.0452, 4);
    expect(tQuantile(0.975, 100_000)).toBeCloseTo(1.96, 3);
    expect(tCdf(0, 7)).toBeCloseTo(0.5, 10);
    expect(tCdf(-2.46, 25)).toBeCloseTo(0.010577, 5);
  });

  it("Wilson intervals: Newcombe (1998), Statistics in Medicine 17:857, Table I's score method", () => {
    const round = (i: { low: number; high: number } | null) => i && [Number(i.low.toFixed(4)), Number(i.high.toFixed(4))];
    expect(round(wilson(81, 263))).toEqual([0.2553, 0.3662]);
    expect(round(wilson(15, 148))).toEqual([0.0624, 0.1605]);
    expect(round(wilson(0, 20))).toEqual([0, 0.1611]);
    expect(round(wilson(1, 29))).toEqual([0.0061, 0.1718]);
    expect(wilson(0, 0)).toBeNull();
    // all successes: the upper bound is 1 exactly, never a hair under (a fill of 1 inside its own interval)
    for (const n of [1, 7, 31, 1000]) expect(wilson(n, n)!.high).toBe(1);
  });

  it("Welch's t-test: the two examples of its Wikipedia article (t, df, p)", () => {
    const a1 = of([27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4]);
    const a2 = of([27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4]);
    const r1 = welch(a1, a2)!;
    expect(r1.statistic).toBeCloseTo(-2.46, 2);
    expect(r1.df).toBeCloseTo(25.0, 1);
    expect(r1.p).toBeCloseTo(0.021, 3);
    const b1 = of([17.2, 20.9, 22.6, 18.1, 21.7, 21.4, 23.5, 24.2, 14.7, 21.8]);
    const b2 = of([21.5, 22.8, 21.0, 23.0, 21.6, 23.6, 22.5, 20.7, 23.4, 21.8, 20.7, 21.7, 21.5, 22.5, 23.6, 21.5, 22.5, 23.5, 21.5, 21.8]);
    const r2 = welch(b1, b2)!;
    expect(r2.statistic).toBeCloseTo(-1.57, 2);
    expect(r2.df).toBeCloseTo(9.9, 1);
    expect(r2.p).toBeCloseTo(0.149, 3);
    // nothing to test: under two values, or no variance at all
    expect(welch(of([1]), b2)).toBeNull();
    expect(welch(of([2, 2, 2]), of([2, 2]))).toBeNull();
  });

  it('the two-proportion z-test is the square root of the 2×2 chi-square without correction', () => {
    // chi-square 22.589 on [[81, 182], [15, 133]]: z 4.7527, p 2.007e-6
    const r = twoProportions(81, 263, 15, 148)!;
    expect(r.statistic).toBeCloseTo(4.7527, 4);
    expect(r.p).toBeCloseTo(2.007e-6, 8);
    expect(r.difference).toBeCloseTo(81 / 263 - 15 / 148, 12);
    const s = twoProportions(560, 1000, 500, 1000)!;
    expect(s.statistic).toBeCloseTo(2.6881, 4);
    expect(s.p).toBeCloseTo(0.00719, 5);
    expect(twoProportions(0, 10, 0, 12)).toBeNull();
    expect(twoProportions(3, 0, 1, 2)).toBeNull();
  });

  it("a mean's interval: the sample of Welch's first example, by t with 14 degrees of freedom", () => {
    const a1 = of([27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4]);
    expect(a1.mean).toBeCloseTo(20.82, 2);
    // sd 2.8049 (n - 1): 20.82 ± 2.1448 × 2.7295 / √15
    const i = meanInterval(a1)!;
    expect(i.low).toBeCloseTo(20.82 - (2.1448 * 2.8049) / Math.sqrt(15), 3);
    expect(i.high).toBeCloseTo(20.82 + (2.1448 * 2.8049) / Math.sqrt(15), 3);
    expect(meanInterval(of([5]))).toBeNull();
    // a sum of squares a hair under sum²/n (rounding) is no variance, never a negative one
    expect(moments(3, 0.3, 0.03 - 1e-15).variance).toBe(0);
  });
});
