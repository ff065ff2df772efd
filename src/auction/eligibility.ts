import { performance } from 'node:perf_hooks';
import type { BuyerRuntime } from '../config/runtime.js';
import { judges, limitsAt } from '../core/cap-limits.js';
import { within } from '../core/within.js';
import type { LeadContext } from '../rules/buyer-rules.js';
import type { LeadRun } from './lead-run.js';
import { pinged } from './rank.js';
import { leftOut, ROOM, storeFailed, type Uses } from './stage-parts.js';
import type { CapStore, Verdict } from '../store/store.js';

const EVERY_FIELD_KNOWN = (): boolean => true;

/** What the buyers' rules judge the run's lead by, at `now` (wall-clock ms). */
function ruleContext(run: LeadRun, now: number): LeadContext {
  const { lead, pingFields } = run;
  return {
    seller: run.seller.id,
    sellerBuyers: run.seller.buyers,
    subId: run.subId,
    test: run.test,
    lead,
    known: pingFields === null ? EVERY_FIELD_KNOWN : (f) => pingFields.has(f) || lead[f] !== undefined,
    now,
  };
}

/**
 * The campaign's buyers that may be pinged (or, fixed-price, may take the lead at their price):
 * their own rules, then room in every cap window where the counters already say so, no purchase
 * of this lead, within their ping rate (one store call each, pipelined), then their guards. The
 * hold stays the judge when two auctions race for the last room. Every buyer left out is traced.
 */
export async function eligibility(run: LeadRun, parts: Uses<'metrics' | 'log' | 'guards', CapStore>): Promise<BuyerRuntime[]> {
  const budgetMs = run.collectBy - performance.now();
  const now = Date.now();
  const who = ruleContext(run, now);
  const { campaign: c, bought, trace } = run;
  const candidates: BuyerRuntime[] = [];
  const checks: (Verdict | Promise<Verdict>)[] = [];
  let stored = false;
  for (const b of c.buyers) {
    // the buyer's own rules first: in-process, no store call for a buyer that would not take the lead
    const refusal = b.rules(who);
    if (refusal !== null) {
      leftOut(parts, trace, 'eligibility', b.id, { reason: refusal });
      continue;
    }
    candidates.push(b);
    const rules = b.caps.get(c.id)!;
    // a test lead counts against no cap, so no cap can refuse it
    const asks = !run.test && (judges(rules) || bought.length > 0);
    stored ||= asks;
    checks.push(asks ? parts.store.checkBuyer(b.id, limitsAt(rules, now), bought, rules.pingRate, run.floorMicros, now) : ROOM);
  }
  // no buyer with a window to judge or a purchase to check: no store call to wait for
  const verdicts = stored ? await within(Promise.all(checks), budgetMs, storeFailed(parts.metrics, 'check_buyer')) : (checks as Verdict[]);
  const out: BuyerRuntime[] = [];
  for (let i = 0; i < verdicts.length; i++) {
    const v = verdicts[i]!;
    const b = candidates[i]!;
    if (!v.ok) {
      leftOut(parts, trace, 'eligibility', b.id, v);
      continue;
    }
    // last, since a slot taken must be given back: pings in flight and the breaker (a fixed-price buyer is not pinged)
    const guard = pinged(b) ? parts.guards.take(b.id, now) : null;
    if (guard === null) {
      out.push(b);
      // a pinged buyer's ping says it was eligible (the operator's view puts the entry back)
      if (!pinged(b)) trace.buyer(b.id, 'eligibility', 'ELIGIBLE');
    } else leftOut(parts, trace, 'eligibility', b.id, { reason: guard });
  }
  return out;
}
