import type { TemplatedApp } from 'uWebSockets.js';
import { GavelError } from '../core/codes.js';
import type { RuntimeSource } from '../config/live-runtime.js';
import type { LeadIndexStore } from '../store/store.js';
import type { Logger } from '../telemetry/logger.js';
import { listLeads, type LeadFilter, type LeadLister } from '../trace/lead-index.js';
import { jsonRoute, type Listener } from './admin-route.js';

const MAX_LIMIT = 200;

/**
 * GET /v1/leads?seller=&buyer=&outcome=&from=&to=&limit=&before=: leads from the store's index
 * (every process's, within the traces' retention), newest first, with a cursor for the next
 * page. The operator sees every lead and filters freely; a seller its own leads and their
 * outcomes; a buyer the leads it took part in, and whether it bought each (its side of the
 * auction is in GET /v1/leads/{id}). A party's own, whatever it names.
 */
export function attachLeadsApi(app: TemplatedApp, listener: Listener, live: RuntimeSource, index: LeadIndexStore, log: Logger): void {
  jsonRoute(app, listener, 'get', '/v1/leads', 0, live, log, async ({ caller, query }) => {
    const problems: { path: string; message: string }[] = [];
    const time = (name: 'from' | 'to', otherwise: number): number => {
      const text = query.get(name);
      if (text === null || text === '') return otherwise;
      const t = Date.parse(text);
      if (Number.isNaN(t)) problems.push({ path: name, message: 'an ISO 8601 time, like 2026-11-22T00:00:00Z' });
      return t;
    };
    const to = time('to', Date.now() + 1);
    const from = time('from', 0);
    const limitText = query.get('limit');
    const limit = limitText === null ? 50 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) problems.push({ path: 'limit', message: `a whole number from 1 to ${MAX_LIMIT}` });
    const before = query.get('before') ?? undefined;
    // a cursor is an index id, <ms>-<seq>: anything else would reach the store as a range bound
    if (before !== undefined && !/^\d{1,15}-\d{1,15}$/.test(before)) problems.push({ path: 'before', message: "the `next` of an earlier page" });
    if (problems.length > 0) throw new GavelError('INVALID_REQUEST', undefined, problems);
    const f: LeadFilter = { from, to, limit, ...(before !== undefined ? { before } : {}) };
    for (const k of ['seller', 'buyer', 'outcome'] as const) {
      const v = query.get(k);
      if (v !== null && v !== '') f[k] = v;
    }
    const who: LeadLister = caller.kind === 'seller' ? { kind: 'seller', id: caller.seller.id } : caller.kind === 'buyer' ? { kind: 'buyer', id: caller.buyer.id } : { kind: 'operator' };
    try {
      return { status: 200, body: await listLeads(index, f, who) };
    } catch (e) {
      if (e instanceof GavelError) throw e;
      log.error({ err: (e as Error).message }, 'leads: index read failed');
      throw new GavelError('STORE_UNAVAILABLE');
    }
  });
}
