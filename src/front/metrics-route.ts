import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import type { RuntimeSource } from '../config/live-runtime.js';
import type { Metrics } from '../telemetry/metrics.js';
import { callerOf, refusedOn } from './admin-route.js';
import { bearerKey, unknownKey } from './api-key.js';
import { refusedFraming } from './http-framing.js';
import { sendError, sendText, watch } from './respond.js';

/**
 * GET /metrics on the operator listener. Served without a key to whoever reaches that listener
 * (a scraper on the private network), or with the operator's; a party's key is refused, so no
 * seller reads it by mistake. `setMetrics`: this process is one of a set (--processes N), and
 * answers for the whole set (src/telemetry/cluster-metrics.ts).
 */
export function metricsRoute(runtime: RuntimeSource, metrics: Metrics, setMetrics?: () => Promise<string>): (res: HttpResponse, req: HttpRequest) => void {
  return (res, req) => {
    if (refusedFraming(res, req)) return;
    const key = bearerKey(req.getHeader('authorization'));
    const state = watch(res, 'json');
    if (key !== undefined) {
      const caller = callerOf(runtime, key);
      if (caller === null) return sendError(res, state, unknownKey(key));
      const refusal = refusedOn('operator', caller);
      if (refusal !== null) return sendError(res, state, refusal);
    }
    // one of a set of processes (--processes N): the whole set's metrics, gathered by the primary
    const text = setMetrics !== undefined ? setMetrics() : metrics.registry.metrics();
    void text.then(
      (t) => sendText(res, state, 200, metrics.registry.contentType, t),
      (e: Error) => sendText(res, state, 503, 'text/plain; charset=utf-8', `metrics unavailable: ${e.message}\n`),
    );
  };
}
