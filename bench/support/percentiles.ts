/** Nearest-rank percentile of samples (unsorted in, not mutated); 0 when there are none. */
export function percentile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return 0;
  const sorted = Float64Array.from(samples).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function mean(samples: readonly number[]): number {
  let sum = 0;
  for (const x of samples) sum += x;
  return samples.length === 0 ? 0 : sum / samples.length;
}
