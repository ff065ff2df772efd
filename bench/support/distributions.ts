import type { Rng } from './rng.js';

/**
 * How a mock buyer's latency (ms) or bid ($) is drawn, told apart by its shape so a behaviour
 * reads as it is meant (and a scenario file stays short):
 * - a number: fixed;
 * - `{ min, max }`: uniform on [min, max];
 * - `{ p50, p99 }`: log-normal with that median and 99th percentile — the long right tail real
 *   buyers' latencies have, which a uniform spread hides.
 */
export type Distribution = number | { min: number; max: number } | { p50: number; p99: number };

/** z of the standard normal's 99th percentile: ln(p99) − ln(p50) spans this many sigmas. */
const Z99 = 2.3263;

/** mu and sigma of the log-normal whose median is `p50` and 99th percentile `p99`. */
export function lognormalParams(p50: number, p99: number): { mu: number; sigma: number } {
  return { mu: Math.log(p50), sigma: (Math.log(p99) - Math.log(p50)) / Z99 };
}

/** A standard normal draw (Box–Muller); 1 − u keeps the logarithm's argument in (0, 1]. */
function normal(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

/** Throws on a distribution that cannot be drawn from, naming `what` (a config mistake, caught at start). */
export function checkDistribution(d: Distribution, what: string): void {
  const bad = (why: string) => new Error(`${what}: ${why} (${JSON.stringify(d)})`);
  if (typeof d === 'number') {
    if (!(d >= 0)) throw bad('a fixed value must be a number ≥ 0');
  } else if ('min' in d) {
    if (!(d.min >= 0 && d.max >= d.min)) throw bad('uniform needs 0 ≤ min ≤ max');
  } else if (!(d.p50 > 0 && d.p99 >= d.p50)) throw bad('log-normal needs 0 < p50 ≤ p99');
}

/** One draw from `d`. */
export function sample(d: Distribution, rng: Rng): number {
  if (typeof d === 'number') return d;
  if ('min' in d) return d.min + rng() * (d.max - d.min);
  const { mu, sigma } = lognormalParams(d.p50, d.p99);
  return Math.exp(mu + sigma * normal(rng));
}

/** A bid: one draw rounded to the cent, as a buyer quotes prices. */
export function sampleCents(d: Distribution, rng: Rng): number {
  return Math.round(sample(d, rng) * 100) / 100;
}

/** "5", "5 to 15", "log-normal p50 8, p99 40", followed by `unit`, for reports. */
export function describeDistribution(d: Distribution, unit = ''): string {
  if (typeof d === 'number') return `${d}${unit}`;
  if ('min' in d) return `${d.min} to ${d.max}${unit}`;
  return `log-normal p50 ${d.p50}${unit}, p99 ${d.p99}${unit}`;
}
