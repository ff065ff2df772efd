import type { TemplatedApp } from 'uWebSockets.js';
import { z } from 'zod';
import { GavelError } from '../core/codes.js';
import type { RuntimeSource } from '../config/live-runtime.js';
import type { ReturnRecord } from '../ledger/ledger.js';
import type { Returns } from '../ledger/returns.js';
import { fromMicros } from '../core/money.js';
import type { Logger } from '../telemetry/logger.js';
import { ReturnBody } from '../protocol/party-api.js';
import { jsonRoute, type Listener, type Caller } from './admin-route.js';

const STATUSES = new Set(['pending', 'approved', 'denied']);

/** A return as its party sees it: the buyer never sees the seller's side of the money. */
function shown(r: ReturnRecord, caller: Caller) {
  const base = {
    id: r.id,
    lead_id: r.lead_id,
    buyer: r.buyer,
    campaign: r.campaign,
    reason: r.reason,
    status: r.status,
    price: fromMicros(r.price_micros),
    requested_at: new Date(r.requested_at).toISOString(),
    decided_at: r.decided_at === null ? null : new Date(r.decided_at).toISOString(),
  };
  return caller.kind === 'admin' ? { ...base, seller: r.seller, payout: fromMicros(r.payout_micros) } : base;
}

function problems(error: z.ZodError) {
  return error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

/**
 * POST /v1/returns (a buyer, or the operator for one), GET /v1/returns (the operator: all; a
 * buyer: its own), POST /v1/returns/{id}/approve and /deny (the operator).
 */
export function attachReturnsApi(app: TemplatedApp, listener: Listener, runtime: RuntimeSource, returns: Returns, log: Logger): void {
  jsonRoute(app, listener, 'post', '/v1/returns', 0, runtime, log, async ({ caller, body }) => {
    if (caller.kind === 'seller') throw new GavelError('FORBIDDEN', 'A return is filed by the buyer that bought the lead, or by the operator');
    const parsed = ReturnBody.safeParse(body);
    if (!parsed.success) throw new GavelError('INVALID_REQUEST', undefined, problems(parsed.error));
    const { lead_id, reason, buyer: named } = parsed.data;
    let buyer = caller.kind === 'buyer' ? caller.buyer : undefined;
    if (caller.kind === 'admin') {
      buyer = runtime.current().runtime.buyers.find((b) => b.id === named);
      if (buyer === undefined) throw new GavelError('INVALID_REQUEST', undefined, [{ path: 'buyer', message: named === undefined ? 'the operator names the buyer' : `unknown buyer "${named}"` }]);
    } else if (named !== undefined && named !== buyer!.id) {
      throw new GavelError('FORBIDDEN', 'A buyer files returns only for itself');
    }
    const r = await returns.request(buyer!, lead_id, reason, Date.now());
    return { status: 201, body: shown(r, caller) };
  });

  jsonRoute(app, listener, 'get', '/v1/returns', 0, runtime, log, async ({ caller, query }) => {
    if (caller.kind === 'seller') throw new GavelError('FORBIDDEN');
    const status = query.get('status') ?? undefined;
    if (status !== undefined && !STATUSES.has(status)) throw new GavelError('INVALID_REQUEST', undefined, [{ path: 'status', message: 'pending, approved or denied' }]);
    const buyer = caller.kind === 'buyer' ? caller.buyer.id : (query.get('buyer') ?? undefined);
    const list = await returns.list({ ...(status !== undefined ? { status: status as 'pending' } : {}), ...(buyer !== undefined ? { buyer } : {}) });
    return { status: 200, body: { returns: list.map((r) => shown(r, caller)) } };
  });

  for (const [verb, decision] of [
    ['approve', 'approved'],
    ['deny', 'denied'],
  ] as const) {
    jsonRoute(app, listener, 'post', `/v1/returns/:id/${verb}`, 1, runtime, log, async ({ caller, params }) => {
      if (caller.kind !== 'admin') throw new GavelError('FORBIDDEN');
      const r = await returns.decide(params[0]!, decision, Date.now());
      return { status: 200, body: shown(r, caller) };
    });
  }
}
