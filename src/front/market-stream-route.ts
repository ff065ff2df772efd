import type { TemplatedApp } from 'uWebSockets.js';
import type { RuntimeSource } from '../config/live-runtime.js';
import type { MarketSampler, MarketSample } from '../telemetry/market-sampler.js';
import { callerOf, refusedOn } from './admin-route.js';
import { unknownKey } from './api-key.js';
import { refusedFraming } from './http-framing.js';
import { credentialsOf, requestKey, whenKnown } from './request-caller.js';
import { sessionBookOf } from './sessions.js';
import { sendError, watch } from './respond.js';

/**
 * GET /v1/console/market: the live market as Server-Sent Events, one `sample` event a second
 * (src/telemetry/market-sampler.ts), for the operator's key or session. The response stays open:
 * each event is one corked write, and the client going away (onAborted) unsubscribes it.
 */
export function attachMarketStream(app: TemplatedApp, live: RuntimeSource, sampler: MarketSampler): void {
  app.get('/v1/console/market', (res, req) => {
    if (refusedFraming(res, req)) return;
    const state = watch(res, 'json');
    whenKnown(requestKey(credentialsOf(req, 'operator'), sessionBookOf(live)), (key) => {
      if (!('key' in key)) return sendError(res, state, key);
      const caller = callerOf(live, key.key);
      if (caller === null) return sendError(res, state, unknownKey(key.key));
      const refusal = refusedOn('operator', caller);
      if (refusal !== null) return sendError(res, state, refusal);
      // a session looked up in the shared store: the client may have gone meanwhile
      if (state.aborted) return;
      res.cork(() => {
        res.writeStatus('200 OK');
        res.writeHeader('content-type', 'text/event-stream');
        res.writeHeader('cache-control', 'no-store');
        // the first bytes now, so the browser's EventSource opens at once
        res.write('retry: 2000\n\n');
      });
      const push = (s: MarketSample) => {
        if (state.aborted) return;
        res.cork(() => void res.write(`event: sample\ndata: ${JSON.stringify(s)}\n\n`));
      };
      const stop = sampler.subscribe(push);
      res.onAborted(() => {
        state.aborted = true;
        stop();
      });
    });
  });
}
