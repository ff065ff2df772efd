import type { TemplatedApp } from 'uWebSockets.js';
import { GavelError } from '../core/codes.js';
import type { RuntimeSource } from '../config/live-runtime.js';
import type { GroupBy, Ledger } from '../ledger/ledger.js';
import { report } from '../ledger/reports.js';
import type { Logger } from '../telemetry/logger.js';
import { jsonRoute, type Listener } from './admin-route.js';

const GROUPS = new Set<GroupBy>(['buyer', 'seller', 'campaign', 'day', 'hour']);
/** a report reads at most this span: a year of hours is 8,784 groups at most */
const MAX_SPAN_MS = 366 * 86_400_000;

/** GET /v1/reports?from=&to=&group_by=: the operator's figures (admin key) */
export function attachReportsApi(app: TemplatedApp, listener: Listener, runtime: RuntimeSource, ledger: Ledger, log: Logger): void {
  jsonRoute(app, listener, 'get', '/v1/reports', 0, runtime, log, async ({ caller, query }) => {
    if (caller.kind !== 'admin') throw new GavelError('FORBIDDEN');
    const problems: { path: string; message: string }[] = [];
    const time = (name: 'from' | 'to'): number => {
      const text = query.get(name);
      const t = text === null ? NaN : Date.parse(text);
      if (Number.isNaN(t)) problems.push({ path: name, message: 'an ISO 8601 time, like 2026-11-22T00:00:00Z' });
      return t;
    };
    const from = time('from');
    const to = time('to');
    const groupBy = (query.get('group_by') ?? 'campaign') as GroupBy;
    if (!GROUPS.has(groupBy)) problems.push({ path: 'group_by', message: 'buyer, seller, campaign, day or hour' });
    if (problems.length === 0 && !(from < to)) problems.push({ path: 'to', message: 'after from' });
    if (problems.length === 0 && to - from > MAX_SPAN_MS) problems.push({ path: 'to', message: 'at most 366 days after from' });
    if (problems.length > 0) throw new GavelError('INVALID_REQUEST', undefined, problems);
    let r;
    try {
      r = await report(ledger, from, to, groupBy);
    } catch (e) {
      log.error({ err: (e as Error).message }, 'report: ledger call failed');
      throw new GavelError('LEDGER_UNAVAILABLE');
    }
    return { status: 200, body: { from: new Date(r.from).toISOString(), to: new Date(r.to).toISOString(), group_by: groupBy, rows: r.rows } };
  });
}
