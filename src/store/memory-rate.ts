import type { RateRuntime } from '../config/runtime.js';

/** GCRA, as lua/seller-gate-2.lua and lua/cap-check-6.lua keep it: true (and the arrival counted) when within the rate. */
export function admit(state: { tat: number }, rate: RateRuntime | null, now: number, dryRun = false): boolean {
  if (rate === null) return true;
  const tat = Math.max(state.tat, now);
  if (tat - now > rate.toleranceMs) return false;
  if (!dryRun) state.tat = tat + rate.intervalMs;
  return true;
}
