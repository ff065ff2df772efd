import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { BuyerRuntime } from '../config/runtime.js';
import type { CallFacts } from '../buyers/buyer-codec.js';
import type { Bid, BuyerTransport, Pass, PingSink } from '../buyers/transport.js';
import { pingBudget, tooLittleTime } from './deadline.js';

export interface FanOutResult {
  buyer: BuyerRuntime;
  result: Bid | Pass;
}

/** Given to calls that do not listen: never aborted. */
const NEVER_ABORTED = new AbortController().signal;

/** Made once: aborting with a reason of our own spares a DOMException (and its stack) per auction. */
const DEADLINE_PASSED = new Error('auction deadline passed');

/**
 * Ping every buyer at once and settle as soon as each has answered or passed its own time.
 * Each buyer is told min(its timeout, time left to `collectBy`); a reply after that is a
 * TIMEOUT pass. One timer per auction, armed at the earliest deadline still open and re-armed
 * past it, so a buyer with a short timeout never holds the auction open for the others' time.
 * What is still out when the auction settles is aborted. `collectBy` is a performance.now() time.
 */
export function fanOut(
  campaign: string,
  buyers: readonly BuyerRuntime[],
  transports: ReadonlyMap<string, BuyerTransport>,
  bodyPrefix: string,
  collectBy: number,
  /** the lead's ids and times, for buyers whose own format asks for them */
  facts?: CallFacts,
): Promise<FanOutResult[]> {
  const start = performance.now();
  const left = Math.floor(collectBy - start);
  const results: FanOutResult[] = [];
  if (buyers.length === 0 || tooLittleTime(left)) return Promise.resolve(results);
  const n = buyers.length;
  const deadlines = new Array<number>(n);
  const settled = new Array<boolean>(n).fill(false);
  // a signal only where some call listens on it: an auction of socket buyers alone makes none
  const controller = buyers.some((b) => transports.get(b.id)!.abortable) ? new AbortController() : null;
  const signal = controller?.signal ?? NEVER_ABORTED;
  // each buyer's call listens on the one signal: past 10, Node would print a leak warning per auction
  if (controller !== null && n >= 10) setMaxListeners(n + 1, controller.signal);
  return new Promise((resolve) => {
    let pending = n;
    let timedOut = 0;
    let timer: NodeJS.Timeout | undefined;
    const settle = (i: number, result: Bid | Pass) => {
      settled[i] = true;
      results.push({ buyer: buyers[i]!, result });
      if (--pending > 0) return;
      clearTimeout(timer);
      // calls past their time are still out: free their connections (no abort, no cost, when all answered)
      if (timedOut > 0) controller?.abort(DEADLINE_PASSED);
      resolve(results);
    };
    const arm = () => {
      let next = Infinity;
      for (let i = 0; i < n; i++) if (!settled[i] && deadlines[i]! < next) next = deadlines[i]!;
      timer = setTimeout(expire, Math.max(0, next - performance.now()));
    };
    const expire = () => {
      const now = performance.now();
      let any = false;
      for (let i = 0; i < n; i++) {
        // exactly at its deadline, the clock the transport judges late replies by (a timer that
        // fires early re-arms for a millisecond rather than settle a buyer still in time)
        if (settled[i] || deadlines[i]! > now) continue;
        any = true;
        timedOut++;
        settle(i, { kind: 'pass', pass: 'TIMEOUT', reason: undefined, ms: now - start });
      }
      if (pending > 0) {
        if (!any) timer = setTimeout(expire, 1);
        else arm();
      }
    };
    // one sink for every call: an answer after its buyer was settled as a TIMEOUT is dropped here
    const sink: PingSink = {
      answer: (i, result) => {
        if (!settled[i]) settle(i, result);
      },
    };
    for (let i = 0; i < n; i++) {
      const buyer = buyers[i]!;
      const budget = pingBudget(buyer, left);
      deadlines[i] = start + budget;
      transports.get(buyer.id)!.ping(campaign, bodyPrefix, budget, deadlines[i]!, signal, sink, i, facts);
    }
    // a call may answer at once (no socket open): when all did, there is nothing to wait for
    if (pending > 0) arm();
  });
}
