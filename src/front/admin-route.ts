import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { GavelError } from '../codes.js';
import type { BuyerRuntime, Runtime, SellerRuntime } from '../config/runtime.js';
import type { Logger } from '../telemetry/logger.js';
import { bearerKey, unknownKey } from './api-key.js';
import { decodeBody } from './decode-body.js';
import { refusedFraming } from './http-framing.js';
import { readBody } from './read-body.js';
import { send, sendError, watch } from './respond.js';

/** Who a key is: the operator, a seller or a buyer. */
export type Caller = { kind: 'admin' } | { kind: 'seller'; seller: SellerRuntime } | { kind: 'buyer'; buyer: BuyerRuntime };

export interface RouteCall {
  caller: Caller;
  /** the route's `:parameters`, as sent (not URL-decoded: ids are Gavel's own) */
  params: string[];
  query: URLSearchParams;
  /** the JSON body, parsed; undefined for a GET */
  body: unknown;
}

/** Off the hot path: JSON in and out, small bodies. */
const MAX_BODY = 16 * 1024;

export function callerOf(runtime: Runtime, key: string | undefined): Caller | null {
  if (key === undefined) return null;
  if (runtime.data.admin_key !== undefined && key === runtime.data.admin_key) return { kind: 'admin' };
  const seller = runtime.sellersByKey.get(key);
  if (seller !== undefined) return { kind: 'seller', seller };
  const buyer = runtime.buyersByKey.get(key);
  return buyer === undefined ? null : { kind: 'buyer', buyer };
}

/**
 * A JSON route of the operator's and the parties' APIs (returns, reports): the key read, the
 * body read and parsed, the handler's answer or its GavelError sent. uWS rules kept: `req` read
 * before the first return, onAborted attached before any await, one cork per response.
 */
export function jsonRoute(
  app: TemplatedApp,
  method: 'get' | 'post',
  path: string,
  paramCount: number,
  runtime: Runtime,
  log: Logger,
  handler: (call: RouteCall) => Promise<{ status: number; body: unknown }>,
): void {
  app[method](path, (res: HttpResponse, req: HttpRequest) => {
    if (refusedFraming(res, req)) return;
    const key = bearerKey(req.getHeader('authorization'));
    const params = Array.from({ length: paramCount }, (_, i) => req.getParameter(i) ?? '');
    const query = new URLSearchParams(req.getQuery() ?? '');
    const state = watch(res, 'json');
    const caller = callerOf(runtime, key);
    if (caller === null) return sendError(res, state, unknownKey(key));
    const run = (body: unknown) =>
      handler({ caller, params, query, body }).then(
        (r) => send(res, state, r.status, r.body),
        (e: unknown) => {
          if (e instanceof GavelError) return sendError(res, state, e);
          log.error({ err: e, path }, 'route failed');
          sendError(res, state, new GavelError('INTERNAL'));
        },
      );
    if (method === 'get') return void run(undefined);
    readBody(res, MAX_BODY, (buf) => {
      if (buf === null) return sendError(res, state, new GavelError('BODY_TOO_LARGE', `The body is over ${MAX_BODY} bytes`), true);
      // an action with nothing to say (approve, deny) may come with no body
      if (buf.length === 0) return void run(undefined);
      let body: unknown;
      try {
        body = decodeBody(buf, 'json');
      } catch (e) {
        return sendError(res, state, e as GavelError);
      }
      void run(body);
    });
  });
}
