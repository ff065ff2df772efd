import type { TemplatedApp } from 'uWebSockets.js';
import { GavelError } from '../core/codes.js';
import { fromMicros } from '../core/money.js';
import type { RuntimeSource } from '../config/live-runtime.js';
import type { Ledger, SaleEvent } from '../ledger/ledger.js';
import type { Logger } from '../telemetry/logger.js';
import { jsonRoute, type Caller, type Listener } from './admin-route.js';

const DAY_MS = 86_400_000;
const MAX_SPAN_MS = 366 * DAY_MS;

/**
 * One sale as its caller may see it: a buyer its purchase and the price it paid, never the
 * seller's payout; a seller its lead and its payout, never the buyer nor the price; the operator all.
 */
function shown(s: SaleEvent, caller: Caller): Record<string, unknown> {
  const base = { lead_id: s.lead_id, campaign: s.campaign, at: new Date(s.at).toISOString() };
  if (caller.kind === 'buyer') return { ...base, price: fromMicros(s.price_micros), grade: s.grade };
  if (caller.kind === 'seller') return { ...base, sub_id: s.sub_id, payout: fromMicros(s.payout_micros) };
  return { ...base, buyer: s.buyer, seller: s.seller, sub_id: s.sub_id, grade: s.grade, price: fromMicros(s.price_micros), payout: fromMicros(s.payout_micros) };
}

/**
 * GET /v1/sales?from=&to=&limit=: sales from the ledger, newest first, with the totals of the span.
 * A buyer sees its purchases and its spend, a seller its sold leads and its payout (public
 * listener, whatever they name); the operator all of them, or one party's (`?buyer=`, `?seller=`).
 */
export function attachSalesApi(app: TemplatedApp, listener: Listener, runtime: RuntimeSource, ledger: Ledger, log: Logger): void {
  jsonRoute(app, listener, 'get', '/v1/sales', 0, runtime, log, async ({ caller, query }) => {
    const problems: { path: string; message: string }[] = [];
    const now = Date.now();
    const time = (name: 'from' | 'to', otherwise: number): number => {
      const text = query.get(name);
      const t = text === null ? otherwise : Date.parse(text);
      if (Number.isNaN(t)) problems.push({ path: name, message: 'an ISO 8601 time, like 2026-11-22T00:00:00Z' });
      return t;
    };
    const to = time('to', now + 1);
    const from = time('from', to - DAY_MS);
    const limit = Number(query.get('limit') ?? '100');
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) problems.push({ path: 'limit', message: '1 to 1000' });
    if (problems.length === 0 && !(from < to)) problems.push({ path: 'to', message: 'after from' });
    if (problems.length === 0 && to - from > MAX_SPAN_MS) problems.push({ path: 'to', message: 'at most 366 days after from' });
    if (problems.length > 0) throw new GavelError('INVALID_REQUEST', undefined, problems);
    // a party's own, whatever it names
    const buyer = caller.kind === 'buyer' ? caller.buyer.id : caller.kind === 'admin' ? (query.get('buyer') ?? undefined) : undefined;
    const seller = caller.kind === 'seller' ? caller.seller.id : caller.kind === 'admin' ? (query.get('seller') ?? undefined) : undefined;
    let sales: SaleEvent[];
    let totals: Record<string, number> | undefined;
    try {
      const group = caller.kind === 'buyer' ? 'buyer' : caller.kind === 'seller' ? 'seller' : null;
      const [list, money] = await Promise.all([
        ledger.salesOf({ from, to, limit, ...(buyer !== undefined ? { buyer } : {}), ...(seller !== undefined ? { seller } : {}) }),
        group === null ? Promise.resolve([]) : ledger.money(from, to, group),
      ]);
      sales = list;
      // over the whole span, not only the rows listed: a party's own sum, in its own terms
      const row = money.find((m) => m.key === (group === 'buyer' ? buyer : seller));
      if (group === 'buyer') totals = { sold: row?.sold ?? 0, spend: fromMicros(row?.revenue_micros ?? 0), returns: row?.returns ?? 0, credits: fromMicros(row?.credits_micros ?? 0) };
      if (group === 'seller') totals = { sold: row?.sold ?? 0, payout: fromMicros(row?.payout_micros ?? 0), returns: row?.returns ?? 0 };
    } catch (e) {
      log.error({ err: (e as Error).message }, 'sales: ledger call failed');
      throw new GavelError('LEDGER_UNAVAILABLE');
    }
    return { status: 200, body: { from: new Date(from).toISOString(), to: new Date(to).toISOString(), ...(buyer !== undefined ? { buyer } : {}), ...(seller !== undefined ? { seller } : {}), ...(totals !== undefined ? { totals } : {}), sales: sales.map((s) => shown(s, caller)) } };
  });
}
