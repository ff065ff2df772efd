import { performance } from 'node:perf_hooks';
import type { BuyerRuntime } from '../config/runtime.js';
import type { Bid, BuyerTransport, Pass } from '../buyers/transport.js';

export interface FanOutResult {
  buyer: BuyerRuntime;
  result: Bid | Pass;
}

/** A buyer whose share of the time falls below this is not pinged: it could not answer in time. */
export const MIN_BUYER_BUDGET_MS = 2;

/**
 * Ping every buyer at once and settle when all have answered or the auction's one timer fires,
 * whichever is first. Each buyer is told min(its timeout, time left to `collectBy`); a reply
 * after that is a TIMEOUT pass (judged by the transport), and the timer aborts whatever is
 * still out. `collectBy` is a performance.now() time.
 */
export function fanOut(
  buyers: readonly BuyerRuntime[],
  transports: ReadonlyMap<string, BuyerTransport>,
  bodyPrefix: string,
  collectBy: number,
): Promise<FanOutResult[]> {
  const now = performance.now();
  const left = Math.floor(collectBy - now);
  const results: FanOutResult[] = [];
  if (buyers.length === 0 || left < MIN_BUYER_BUDGET_MS) return Promise.resolve(results);
  const controller = new AbortController();
  return new Promise((resolve) => {
    let pending = 0;
    let done = false;
    let waitMs = 0;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      controller.abort();
      resolve(results);
    };
    for (const buyer of buyers) {
      const budget = Math.min(buyer.config.timeout_ms, left);
      if (budget > waitMs) waitMs = budget;
      pending++;
      transports
        .get(buyer.id)!
        .ping(bodyPrefix, budget, controller.signal)
        .then((result) => {
          if (done) return;
          results.push({ buyer, result });
          if (--pending === 0) finish();
        });
    }
    // one timer per auction: at the latest buyer deadline; late buyers are aborted there
    const timer = setTimeout(() => {
      const seen = new Set(results.map((r) => r.buyer.id));
      for (const buyer of buyers) {
        if (!seen.has(buyer.id)) results.push({ buyer, result: { kind: 'pass', pass: 'TIMEOUT', reason: undefined, ms: performance.now() - now } });
      }
      finish();
    }, waitMs);
  });
}
