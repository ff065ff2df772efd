import { describe, expect, it } from 'vitest';
import { checkBehaviour, type BuyerBehaviour } from '../../bench/buyer-behaviour.js';
import { lognormalParams, sample, sampleCents, type Distribution } from '../../bench/support/distributions.js';
import { createRng } from '../../bench/support/rng.js';

const N = 100_000;

function draws(d: Distribution, seed = 42, n = N, draw = sample): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => draw(d, rng));
}

/** The sample's q-quantile, by rank: the value below which a share q of the draws fall. */
function quantile(xs: readonly number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

describe("the fleet's distributions", () => {
  it('fixed: every draw is the value', () => {
    expect(new Set(draws(7.5, 1, 1000))).toEqual(new Set([7.5]));
  });

  it('uniform: every draw within [min, max], spread over all of it, mean in the middle', () => {
    const xs = draws({ min: 4, max: 16 });
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(4);
    expect(Math.max(...xs)).toBeLessThanOrEqual(16);
    expect(Math.min(...xs)).toBeLessThan(4.01);
    expect(Math.max(...xs)).toBeGreaterThan(15.99);
    expect(xs.reduce((s, x) => s + x, 0) / xs.length).toBeCloseTo(10, 1);
    // each twelfth of the range holds about a twelfth of the draws
    for (let k = 0; k < 12; k++) expect(Math.abs(xs.filter((x) => x >= 4 + k && x < 5 + k).length / N - 1 / 12)).toBeLessThan(0.005);
  });

  it('log-normal: mu = ln(p50), sigma = (ln p99 − ln p50) / 2.3263', () => {
    const { mu, sigma } = lognormalParams(8, 40);
    expect(mu).toBeCloseTo(Math.log(8), 12);
    expect(sigma).toBeCloseTo((Math.log(40) - Math.log(8)) / 2.3263, 12);
  });

  it.each([
    [8, 40],
    [2, 3],
    [30, 500],
  ])('log-normal p50 %d, p99 %d: the sample p50 and p99 within 3%% of them, every draw positive', (p50, p99) => {
    const xs = draws({ p50, p99 }, p50 * 1000 + p99);
    expect(Math.abs(quantile(xs, 0.5) / p50 - 1)).toBeLessThan(0.03);
    expect(Math.abs(quantile(xs, 0.99) / p99 - 1)).toBeLessThan(0.03);
    expect(Math.min(...xs)).toBeGreaterThan(0);
  });

  it('a seed repeats its draws; another seed does not', () => {
    expect(draws({ p50: 8, p99: 40 }, 5, 50)).toEqual(draws({ p50: 8, p99: 40 }, 5, 50));
    expect(draws({ p50: 8, p99: 40 }, 6, 50)).not.toEqual(draws({ p50: 8, p99: 40 }, 5, 50));
  });

  it.each<[string, Distribution]>([
    ['fixed', 12.345],
    ['uniform', { min: 5, max: 15 }],
    ['log-normal', { p50: 10, p99: 60 }],
  ])('a %s bid is rounded to the cent, and stays within its bounds', (_, d) => {
    const bids = draws(d, 9, 20_000, sampleCents);
    for (const b of bids) expect(Number(b.toFixed(2))).toBe(b);
    if (typeof d === 'number') expect(new Set(bids)).toEqual(new Set([12.35]));
    else if ('min' in d) expect(bids.every((b) => b >= 5 && b <= 15)).toBe(true);
    // a log-normal rounded to cents still spreads over many prices
    else expect(new Set(bids).size).toBeGreaterThan(1000);
  });

  it('a behaviour that cannot be drawn from is refused at the start, with the buyer named', () => {
    const base: BuyerBehaviour = { id: 'x', bid: 10 };
    const bad: Partial<BuyerBehaviour>[] = [
      { bid: { min: 9, max: 3 } },
      { latency: { p50: 40, p99: 8 } },
      { latency: 5, latencyMs: 5 },
      { passProbability: 1.5 },
      { passProbability: 0.6, errors: { rate: 0.5 } },
      { errors: { rate: 0.1, mix: { hung: 0 } } },
      { stall: { ms: 500, everyMs: 100 } },
    ];
    for (const over of bad) expect(() => checkBehaviour({ ...base, ...over }), JSON.stringify(over)).toThrow(/buyer "x"/);
    expect(() => checkBehaviour({ ...base, latency: { p50: 8, p99: 40 }, errors: { rate: 0.2, mix: { hung: 1 } }, stall: { ms: 50, everyMs: 1000 } })).not.toThrow();
  });
});
