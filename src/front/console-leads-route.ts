import type { TemplatedApp } from 'uWebSockets.js';
import { GavelError } from '../core/codes.js';
import type { RuntimeSource } from '../config/live-runtime.js';
import type { Logger } from '../telemetry/logger.js';
import type { RecentLeads, LeadFilter } from '../trace/recent-leads.js';
import { jsonRoute } from './admin-route.js';

const MAX_LIMIT = 200;

/**
 * GET /v1/console/leads?seller=&buyer=&outcome=&from=&to=&limit=: the leads this process traced
 * last (src/trace/recent-leads.ts), newest first, for the console's lead list. Not a search of
 * the store: nothing there lists leads; a lead older than that, or handled by another process,
 * is found by its id.
 */
export function attachConsoleLeads(app: TemplatedApp, live: RuntimeSource, recent: RecentLeads, log: Logger): void {
  jsonRoute(app, 'operator', 'get', '/v1/console/leads', 0, live, log, async ({ query }) => {
    const problems: { path: string; message: string }[] = [];
    const time = (name: 'from' | 'to'): number | undefined => {
      const text = query.get(name);
      if (text === null || text === '') return undefined;
      const t = Date.parse(text);
      if (Number.isNaN(t)) problems.push({ path: name, message: 'an ISO 8601 time, like 2026-11-22T00:00:00Z' });
      return t;
    };
    const text = (name: 'seller' | 'buyer' | 'outcome'): string | undefined => {
      const v = query.get(name);
      return v === null || v === '' ? undefined : v;
    };
    const limitText = query.get('limit');
    const limit = limitText === null ? 50 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) problems.push({ path: 'limit', message: `a whole number from 1 to ${MAX_LIMIT}` });
    const filter: LeadFilter = { limit };
    const from = time('from');
    const to = time('to');
    if (from !== undefined) filter.from = from;
    if (to !== undefined) filter.to = to;
    for (const k of ['seller', 'buyer', 'outcome'] as const) {
      const v = text(k);
      if (v !== undefined) filter[k] = v;
    }
    if (problems.length > 0) throw new GavelError('INVALID_REQUEST', undefined, problems);
    return { status: 200, body: { leads: recent.list(filter), kept: recent.size } };
  });
}
