/** The percentiles and mean every latency report gives. */
export interface SampleSummary {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

function rank(sorted: Float64Array, q: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Nearest-rank percentile of samples (unsorted in, not mutated); 0 when there are none. */
export function percentile(samples: readonly number[], q: number): number {
  return rank(Float64Array.from(samples).sort(), q);
}

/** Every figure of SampleSummary from one sort of the samples (zeros when there are none). */
export function summarize(samples: readonly number[] | Float64Array): SampleSummary {
  const sorted = Float64Array.from(samples).sort();
  return { p50: rank(sorted, 0.5), p90: rank(sorted, 0.9), p99: rank(sorted, 0.99), p999: rank(sorted, 0.999), max: rank(sorted, 1), mean: mean(samples) };
}

export function mean(samples: readonly number[] | Float64Array): number {
  let sum = 0;
  for (const x of samples) sum += x;
  return samples.length === 0 ? 0 : sum / samples.length;
}
