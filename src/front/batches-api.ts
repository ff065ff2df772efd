import type { TemplatedApp } from 'uWebSockets.js';
import { GavelError } from '../core/codes.js';
import type { RuntimeSource } from '../config/live-runtime.js';
import type { BatchSummary } from '../delivery/batch-store.js';
import type { Logger } from '../telemetry/logger.js';
import type { z } from 'zod';
import type { BatchesAnswer } from '../protocol/party-api.js';
import { jsonRoute, type Listener } from './admin-route.js';

/** What the batches API reads: the records, newest first (a buyer's only, when named). */
export interface BatchList {
  list(buyer: string | undefined, limit: number): Promise<BatchSummary[]>;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

type BatchView = z.infer<typeof BatchesAnswer>['batches'][number];

/** A batch as the API shows it: when it was built and delivered, its leads, its state, its file, its tries. */
function view(b: BatchSummary): BatchView {
  return {
    id: b.id,
    buyer: b.buyer,
    file: b.file,
    channel: b.channel === 'email' ? 'email' : 'sftp',
    window_start: new Date(b.windowStart).toISOString(),
    built_at: new Date(b.builtAt).toISOString(),
    delivered_at: iso(b.deliveredAt),
    // a batch not delivered whose last try failed is `retrying` until its next one works
    state: b.state === 'delivered' ? 'delivered' : b.attempts > 0 ? 'retrying' : 'waiting',
    leads: b.leads,
    attempts: b.attempts,
    last_error: b.lastError,
    next_try_at: b.state === 'delivered' ? null : iso(b.nextAt),
  };
}

/**
 * GET /v1/batches: buyers' batch files, newest first. A buyer sees its own (public listener); the
 * operator sees every buyer's, or one's with `?buyer=<id>` (operator listener). A seller has none.
 */
export function attachBatchesApi(app: TemplatedApp, listener: Listener, runtime: RuntimeSource, batches: BatchList, log: Logger): void {
  jsonRoute(app, listener, 'get', '/v1/batches', 0, runtime, log, async ({ caller, query }) => {
    if (caller.kind === 'seller') throw new GavelError('FORBIDDEN', "A buyer's batch files are the buyer's and the operator's to see");
    const limit = Number(query.get('limit') ?? '100');
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new GavelError('INVALID_REQUEST', undefined, [{ path: 'limit', message: '1 to 500' }]);
    // a buyer's own, whatever it names: no way to ask for another's
    const buyer = caller.kind === 'buyer' ? caller.buyer.id : (query.get('buyer') ?? undefined);
    return { status: 200, body: { batches: (await batches.list(buyer, limit)).map(view) } };
  });
}
