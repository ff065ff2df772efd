import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { GavelError } from '../core/codes.js';
import type { Party } from '../config/runtime.js';
import type { RuntimeSource } from '../config/live-runtime.js';
import type { Logger } from '../telemetry/logger.js';
import { unknownKey } from './api-key.js';
import { decodeBody } from './decode-body.js';
import { refusedFraming } from './http-framing.js';
import { readBody } from './read-body.js';
import { credentialsOf, requestKey, type KeyAnswer, type Listener } from './request-caller.js';
import { sessionBookOf } from './sessions.js';
import { send, sendError, sendText, watch } from './respond.js';

/** Who a key is: the operator, a seller or a buyer. */
export type Caller = Party;

/**
 * The public listener serves sellers and buyers, the operator listener the operator alone
 * (ARCHITECTURE.md, "Two listeners"): a key on the wrong one is refused, saying where it belongs.
 */
export type { Listener };

export interface RouteCall {
  caller: Caller;
  /** the route's `:parameters`, URL-decoded */
  params: string[];
  query: URLSearchParams;
  /** the JSON body, parsed; undefined for a GET */
  body: unknown;
}

/** Off the hot path: JSON in and out, small bodies (a route may allow more: a configuration document). */
const MAX_BODY = 16 * 1024;

/** A route's answer: JSON, or text of its own type (a version as YAML). */
export type RouteAnswer = { status: number; body: unknown } | { status: number; text: string; contentType: string };

export function callerOf(live: RuntimeSource, key: string | undefined): Caller | null {
  // the keys of the version live now: a key a swap added works at once, one it removed is refused
  return live.current().runtime.keys.resolve(key) ?? null;
}

function decodedParams(raw: string[]): string[] | null {
  try {
    return raw.map((p) => (p.includes('%') ? decodeURIComponent(p) : p));
  } catch {
    return null;
  }
}

/** Why this caller may not use this listener, or null when it may. */
export function refusedOn(listener: Listener, caller: Caller): GavelError | null {
  if (listener === 'public') return caller.kind === 'admin' ? new GavelError('FORBIDDEN', "The operator's key is served on the operator listener (server.operator), not here") : null;
  return caller.kind === 'admin' ? null : new GavelError('FORBIDDEN', "This listener serves the operator's key only; sellers and buyers use the public one");
}

/**
 * A JSON route of the operator's and the parties' APIs (returns, reports): the key read, the
 * body read and parsed, the handler's answer or its GavelError sent. uWS rules kept: `req` read
 * before the first return, onAborted attached before any await, one cork per response.
 */
export function jsonRoute(
  app: TemplatedApp,
  listener: Listener,
  method: 'get' | 'post' | 'put' | 'del',
  path: string,
  paramCount: number,
  runtime: RuntimeSource,
  log: Logger,
  handler: (call: RouteCall) => Promise<RouteAnswer>,
  maxBody = MAX_BODY,
): void {
  app[method](path, (res: HttpResponse, req: HttpRequest) => {
    if (refusedFraming(res, req)) return;
    // the Bearer key, or a browser's session cookie (request-caller.ts: CSRF checked there)
    const key = requestKey(credentialsOf(req, listener), sessionBookOf(runtime));
    const raw = Array.from({ length: paramCount }, (_, i) => req.getParameter(i) ?? '');
    const query = new URLSearchParams(req.getQuery() ?? '');
    const state = watch(res, 'json');
    // ids are decoded as a browser encodes them (a return's `ret:…` comes as `ret%3A…`); a
    // malformed escape is the caller's error, never a throw inside uWS's handler
    const params = decodedParams(raw);
    /** the caller the key names and the path's ids, or null once refused (in this order: the key or session, the path, the party) */
    const authorized = (key: KeyAnswer): { caller: Caller; params: string[] } | null => {
      if (!('key' in key)) return sendError(res, state, key), null;
      if (params === null) return sendError(res, state, new GavelError('INVALID_REQUEST', 'A path parameter holds a malformed %-escape')), null;
      const caller = callerOf(runtime, key.key);
      if (caller === null) return sendError(res, state, unknownKey(key.key)), null;
      const refusal = refusedOn(listener, caller);
      if (refusal !== null) return sendError(res, state, refusal), null;
      return { caller, params };
    };
    const run = (who: { caller: Caller; params: string[] }, body: unknown) =>
      handler({ ...who, query, body }).then(
        (r) => ('text' in r ? sendText(res, state, r.status, r.contentType, r.text) : send(res, state, r.status, r.body)),
        (e: unknown) => {
          if (e instanceof GavelError) return sendError(res, state, e);
          log.error({ err: e, path }, 'route failed');
          sendError(res, state, new GavelError('INTERNAL'));
        },
      );
    /** the body read: parsed and the route run, or refused */
    const withBody = (who: { caller: Caller; params: string[] }, buf: Buffer | null): void => {
      if (buf === null) return sendError(res, state, new GavelError('BODY_TOO_LARGE', `The body is over ${maxBody} bytes`), true);
      // an action with nothing to say (approve, deny) may come with no body
      if (buf.length === 0) return void run(who, undefined);
      let body: unknown;
      try {
        body = decodeBody(buf, 'json');
      } catch (e) {
        return sendError(res, state, e as GavelError);
      }
      void run(who, body);
    };
    if (key instanceof Promise) {
      // a session in the shared store: the body is read meanwhile (uWS hands it over only to a
      // reader attached now), and the key judged when both are in
      const body = method === 'get' ? Promise.resolve(null) : new Promise<Buffer | null>((resolve) => readBody(res, maxBody, resolve));
      void Promise.all([key, body]).then(([k, buf]) => {
        const who = authorized(k);
        if (who === null) return;
        if (method === 'get') return void run(who, undefined);
        withBody(who, buf);
      });
      return;
    }
    const who = authorized(key);
    if (who === null) return;
    if (method === 'get') return void run(who, undefined);
    readBody(res, maxBody, (buf) => withBody(who, buf));
  });
}
