import { expect } from 'vitest';

/**
 * fast-check's run parameters for the fault lane: a modest number of runs, and a failure's seed
 * and path (which fast-check prints with the counterexample) replayed with FUZZ_SEED and
 * FUZZ_PATH.
 */
export function fuzzParams(numRuns: number): { numRuns: number; seed?: number; path?: string } {
  return {
    numRuns,
    ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {}),
    ...(process.env.FUZZ_PATH ? { path: process.env.FUZZ_PATH } : {}),
  };
}

/** The server still answers /health. */
export async function expectAlive(port: number): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(5000) });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
}
