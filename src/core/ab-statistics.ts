/**
 * The statistics of an A/B test's report, pure: intervals for a proportion (Wilson) and a mean
 * (Student's t), and the tests of a difference against the control: two proportions (pooled
 * z-test) and two means with unequal variances (Welch's t-test, Welch–Satterthwaite degrees of
 * freedom). Two-sided throughout. The special functions are the classic ones (Numerical Recipes,
 * 3rd ed., §6.1-6.4): log-gamma by Lanczos, the regularised incomplete beta by its continued
 * fraction, the complementary error function by its Chebyshev fit (relative error < 1.2e-7).
 */

/** z of a two-sided 95% interval */
export const Z95 = 1.959963984540054;

export interface Interval {
  low: number;
  high: number;
}

/** Φ(z), the standard normal distribution function. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}

const LANCZOS = [57.1562356658629235, -59.5979603554754912, 14.1360979747417471, -0.491913816097620199, 0.339946499848118887e-4, 0.465236289270485756e-4, -0.983744753048795646e-4, 0.158088703224912494e-3, -0.210264441724104883e-3, 0.217439618115212643e-3, -0.164318106536763890e-3, 0.844182239838527433e-4, -0.261908384015814087e-4, 0.368991826595316234e-5];

function lnGamma(x: number): number {
  let y = x;
  const tmp = x + 5.2421875;
  const t = (x + 0.5) * Math.log(tmp) - tmp;
  let ser = 0.999999999999997092;
  for (const c of LANCZOS) ser += c / ++y;
  return t + Math.log((2.5066282746310005 * ser) / x);
}

/** The continued fraction of the incomplete beta (modified Lentz). */
function betaFraction(a: number, b: number, x: number): number {
  const TINY = 1e-300;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** I_x(a, b), the regularised incomplete beta function. */
export function incompleteBeta(a: number, b: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // the fraction converges fast on this side of the mean; the other side by symmetry
  return x < (a + 1) / (a + b + 2) ? (front * betaFraction(a, b, x)) / a : 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom (df may be fractional: Welch's). */
export function tCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / 2, 0.5, df / (df + t * t));
  return t > 0 ? 1 - tail : tail;
}

/** The t with P(T ≤ t) = p, by bisection on tCdf: off the hot path, once per arm. */
export function tQuantile(p: number, df: number): number {
  let lo = -1e6;
  let hi = 1e6;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, Math.abs(hi)); i++) {
    const mid = (lo + hi) / 2;
    if (tCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** The 95% Wilson score interval of `successes` out of `n`; null with no trial. */
export function wilson(successes: number, n: number, z = Z95): Interval | null {
  if (n <= 0) return null;
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // at 0 or n successes the bound is exactly 0 or 1; the float arithmetic can land a hair inside
  return { low: successes <= 0 ? 0 : Math.max(0, centre - half), high: successes >= n ? 1 : Math.min(1, centre + half) };
}

/** A sample's mean and variance from its count, sum and sum of squares (the ledger keeps those). */
export interface Moments {
  n: number;
  mean: number;
  /** the unbiased (n - 1) variance; null under two values */
  variance: number | null;
}

export function moments(n: number, sum: number, sumSq: number): Moments {
  if (n <= 0) return { n: 0, mean: 0, variance: null };
  const mean = sum / n;
  // never negative: the subtraction of two close sums can round below zero
  return { n, mean, variance: n < 2 ? null : Math.max(0, (sumSq - sum * mean) / (n - 1)) };
}

/** The 95% interval of a mean, by Student's t with n - 1 degrees of freedom; null under two values. */
export function meanInterval(m: Moments): Interval | null {
  if (m.variance === null) return null;
  const half = tQuantile(0.975, m.n - 1) * Math.sqrt(m.variance / m.n);
  return { low: m.mean - half, high: m.mean + half };
}

export interface TestResult {
  /** the arm's value less the control's */
  difference: number;
  /** the statistic: z, or Welch's t */
  statistic: number;
  /** two-sided */
  p: number;
}

/**
 * Two proportions, pooled z-test: is x1/n1 different from x2/n2? Null when either has no trial,
 * or both are all successes or all failures (no variance, nothing to test).
 */
export function twoProportions(x1: number, n1: number, x2: number, n2: number): TestResult | null {
  if (n1 <= 0 || n2 <= 0) return null;
  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (se === 0) return null;
  const z = (x1 / n1 - x2 / n2) / se;
  return { difference: x1 / n1 - x2 / n2, statistic: z, p: 2 * normalCdf(-Math.abs(z)) };
}

/** Welch's t-test of two means with unequal variances; null when either has under two values or both vary by nothing. */
export function welch(a: Moments, b: Moments): (TestResult & { df: number }) | null {
  if (a.variance === null || b.variance === null) return null;
  const va = a.variance / a.n;
  const vb = b.variance / b.n;
  const se2 = va + vb;
  if (se2 === 0) return null;
  const t = (a.mean - b.mean) / Math.sqrt(se2);
  const df = (se2 * se2) / ((va * va) / (a.n - 1) + (vb * vb) / (b.n - 1));
  return { difference: a.mean - b.mean, statistic: t, df, p: 2 * tCdf(-Math.abs(t), df) };
}
