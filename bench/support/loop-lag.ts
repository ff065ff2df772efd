import { monitorEventLoopDelay } from 'node:perf_hooks';

/** The loop delay monitor's period, taken off its readings (each includes it). */
const LAG_SAMPLING_MS = 10;

/**
 * Start watching this process's event loop; the function returned stops and gives the lag
 * p99 over the watch, ms. A load generator's latencies include its own lag: this says how much.
 */
export function watchLoopLag(): () => number {
  const lag = monitorEventLoopDelay({ resolution: LAG_SAMPLING_MS });
  lag.enable();
  return () => {
    lag.disable();
    return Math.max(0, lag.percentile(99) / 1e6 - LAG_SAMPLING_MS);
  };
}
