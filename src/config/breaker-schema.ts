import { z } from 'zod';
import { durationMs } from '../core/duration.js';

/** a breaker's times: ms, s, m or h (days are not accepted here, unlike the config's other durations); parsed to ms */
const breakerDuration = z.string().regex(/^(\d+)(ms|s|m|h)$/).transform(durationMs);

/**
 * A buyer endpoint's breaker: opens after `failures` failures in a row, or when at least
 * `min_calls` calls in the last `window` failed at `error_rate` or more; stays open `open_for`,
 * then lets one probe through (half-open): its success closes the breaker, its failure opens it
 * again. A failure is a ping that timed out, errored, or did not speak the protocol; a pass is
 * a success.
 */
export const BreakerSchema = z.strictObject({
  failures: z.int().min(1).max(10_000).default(5),
  error_rate: z.number().gt(0).max(1).default(0.5),
  window: breakerDuration.prefault('30s'),
  min_calls: z.int().min(1).max(1_000_000).default(20),
  open_for: breakerDuration.prefault('10s'),
});
export type BreakerConfig = z.infer<typeof BreakerSchema>;

export type BreakerState = 'closed' | 'open' | 'half_open';
/** what the state is worth in the gavel_breaker_state gauge */
export const BREAKER_GAUGE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };
