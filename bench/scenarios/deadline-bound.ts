import type { BuyerBehaviour } from '../buyer-behaviour.js';
import { demoExchange } from '../support/demo-config.js';
import { startGavelTarget } from '../support/gavel-target.js';
import type { Scenario } from './scenario.js';

/** The seller's deadline in every ping of this scenario: short, so the margin is a large share of it. */
const DEADLINE_TMAX_MS = 50;
/** Above the ping's tmax, so every buyer's share is cut by the deadline, not by its own timeout. */
const BUYER_TIMEOUT_MS = 1000;

/**
 * Answers every ping well after the time Gavel gave it, so no auction can settle before its
 * deadline timer fires. It bids above the others: were a late bid ever let in, it would win.
 */
const LATE_BUYER: BuyerBehaviour = { id: 'late-buyer', bid: 20, lateByMs: 500 };

/**
 * Gavel where every auction ends on its deadline timer: the shared buyers answer in ~5 ms,
 * LATE_BUYER never in time. What is left after collectBy = received_at + tmax - margin (the
 * timer's lag, rank, hold, save, the answer written) must fit in `marginMs`; the runner
 * measures, from both ends, whether it did.
 */
export function deadlineBound(marginMs: number): Scenario {
  return {
    name: `gavel /v1/ping ends on its deadline (tmax ${DEADLINE_TMAX_MS} ms), response_margin_ms ${marginMs}`,
    extraBuyers: [LATE_BUYER],
    tmaxMs: DEADLINE_TMAX_MS,
    start: (ctx) =>
      startGavelTarget(ctx, (prefix) =>
        demoExchange(
          { url: ctx.redisUrl, prefix },
          ctx.buyers.map((b) => ({ id: b.id, campaigns: ['auto'], ping_url: b.pingUrl, post_url: b.postUrl, timeout_ms: BUYER_TIMEOUT_MS })),
          { server: { response_margin_ms: marginMs } },
        ),
      ),
  };
}
