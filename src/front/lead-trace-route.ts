import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { GavelError } from '../core/codes.js';
import type { RuntimeSource } from '../config/live-runtime.js';
import type { TraceRecorder } from '../trace/trace-recorder.js';
import { buyerView, operatorView, sellerView, type LeadDeliveries, type LeadDelivery } from '../trace/trace-views.js';
import { callerOf, refusedOn, type Listener } from './admin-route.js';
import { unknownKey } from './api-key.js';
import { credentialsOf, requestKey, whenKnown, type KeyAnswer } from './request-caller.js';
import { sessionBookOf } from './sessions.js';
import { refusedFraming } from './http-framing.js';
import { send, sendError, watch, type RequestState } from './respond.js';

/** Lead ids are UUIDs Gavel made, or a seller's ping id: anything longer is not one. */
const MAX_LEAD_ID = 128;

/**
 * GET /v1/leads/{id}: the operator's key sees the whole trace (on the operator listener), a
 * seller's its own lead's outcome, a buyer's its part in the auction (on the public one; see
 * src/trace/trace-views.ts), with the lead's deliveries beside its post (e-mail, webhook) to the operator
 * and to each buyer its own. A lead that is not the key's is LEAD_NOT_FOUND, like an unknown one.
 */
export function leadTraceRoute(runtime: RuntimeSource, traces: TraceRecorder, deliveries: LeadDeliveries | undefined, listener: Listener): (res: HttpResponse, req: HttpRequest) => void {
  return (res, req) => {
      if (refusedFraming(res, req)) return;
      const key = requestKey(credentialsOf(req, listener), sessionBookOf(runtime));
      // taken as sent, not URL-decoded: lead ids are Gavel's own UUIDs, and decoding a malformed
      // escape would throw inside uWS's handler and take the process down
      const id = req.getParameter(0) ?? '';
      const state = watch(res, 'json');
      whenKnown(key, (key) => answer(key, id, state, res));
  };

  function answer(key: KeyAnswer, id: string, state: RequestState, res: HttpResponse): void {
      if (!('key' in key)) return sendError(res, state, key);
      const caller = callerOf(runtime, key.key);
      if (caller === null) return sendError(res, state, unknownKey(key.key));
      const refusal = refusedOn(listener, caller);
      if (refusal !== null) return sendError(res, state, refusal);
      if (id.length === 0 || id.length > MAX_LEAD_ID) return sendError(res, state, new GavelError('LEAD_NOT_FOUND'));
      // a seller is never shown how its buyers took the lead: their deliveries are not read for it
      const delivered: Promise<LeadDelivery[]> = caller.kind === 'seller' || deliveries === undefined ? Promise.resolve([]) : deliveries.ofLead(id);
      Promise.all([traces.read(id), delivered]).then(
        ([segs, ds]) => {
          const view =
            caller.kind === 'admin' ? (segs.length === 0 ? null : operatorView(id, segs, ds)) : caller.kind === 'seller' ? sellerView(caller.seller.id, id, segs) : buyerView(caller.buyer.id, id, segs, ds);
          if (view === null) sendError(res, state, new GavelError('LEAD_NOT_FOUND'));
          else send(res, state, 200, view);
        },
        () => sendError(res, state, new GavelError('STORE_UNAVAILABLE')),
      );
  }
}
