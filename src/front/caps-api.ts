import type { TemplatedApp } from 'uWebSockets.js';
import { limitsAt } from '../core/cap-limits.js';
import { GavelError } from '../core/codes.js';
import { fromMicros } from '../core/money.js';
import type { RuntimeSource } from '../config/live-runtime.js';
import type { BuyerRuntime } from '../config/runtime.js';
import type { CapStore } from '../store/store.js';
import type { Logger } from '../telemetry/logger.js';
import { jsonRoute, type Listener } from './admin-route.js';

/** One cap window of a buyer now: its limit, what is committed in it, what is held for posts to come. */
interface WindowNow {
  /** `d:2026-12-03` (a calendar window in the buyer's zone), `r:60m` (rolling); `c:<campaign>:` when the cap is the campaign's */
  window: string;
  campaign: string | null;
  limit_count: number | null;
  limit_spend: number | null;
  used_count: number;
  used_spend: number;
  held_count: number;
  held_spend: number;
}

/** Every window that judges `buyer` now, once each (its own caps repeat in each of its campaigns' rules), with its usage. */
async function capsNow(store: Pick<CapStore, 'usage'>, buyer: BuyerRuntime, now: number): Promise<WindowNow[]> {
  const windows = new Map<string, { campaign: string | null; maxCount: number; maxSpend: number }>();
  for (const rules of buyer.caps.values()) {
    const limits = limitsAt(rules, now);
    for (const w of limits.calendar) windows.set(w.id, { campaign: /^c:([^:]+):/.exec(w.id)?.[1] ?? null, maxCount: w.maxCount, maxSpend: w.maxSpend });
    for (const r of limits.rolling) windows.set(`r:${r.spec}`, { campaign: /^c:([^:]+):/.exec(r.spec)?.[1] ?? null, maxCount: r.maxCount, maxSpend: r.maxSpend });
  }
  const ids = [...windows.keys()];
  const usages = await Promise.all(ids.map((id) => store.usage(buyer.id, id, now)));
  return ids.map((id, i) => {
    const w = windows.get(id)!;
    const u = usages[i]!;
    return {
      window: id,
      campaign: w.campaign,
      limit_count: w.maxCount < 0 ? null : w.maxCount,
      limit_spend: w.maxSpend < 0 ? null : fromMicros(w.maxSpend),
      used_count: u.count,
      used_spend: fromMicros(u.spend),
      held_count: u.heldCount,
      held_spend: fromMicros(u.heldSpend),
    };
  });
}

/**
 * GET /v1/caps: a buyer's caps now, each window against its limit (committed and held). A buyer
 * sees its own (public listener); the operator names it (`?buyer=<id>`, operator listener).
 */
export function attachCapsApi(app: TemplatedApp, listener: Listener, runtime: RuntimeSource, store: Pick<CapStore, 'usage'>, log: Logger): void {
  jsonRoute(app, listener, 'get', '/v1/caps', 0, runtime, log, async ({ caller, query }) => {
    if (caller.kind === 'seller') throw new GavelError('FORBIDDEN', "A buyer's caps are the buyer's and the operator's to see");
    let buyer: BuyerRuntime | undefined;
    if (caller.kind === 'buyer') buyer = caller.buyer;
    else {
      const id = query.get('buyer');
      buyer = runtime.current().runtime.buyers.find((b) => b.id === id);
      if (buyer === undefined) throw new GavelError('INVALID_REQUEST', undefined, [{ path: 'buyer', message: id === null ? 'the operator names the buyer' : `unknown buyer "${id}"` }]);
    }
    const now = Date.now();
    return { status: 200, body: { buyer: buyer.id, at: new Date(now).toISOString(), timezone: [...buyer.caps.values()][0]?.timezone ?? null, windows: await capsNow(store, buyer, now) } };
  });
}
