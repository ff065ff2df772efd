import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { GavelError } from '../core/codes.js';
import type { RuntimeSource } from '../config/live-runtime.js';
import type { SessionAnswer } from '../protocol/party-api.js';
import { callerOf, refusedOn, type Caller, type Listener } from './admin-route.js';
import { unknownKey } from './api-key.js';
import { decodeBody } from './decode-body.js';
import { refusedFraming } from './http-framing.js';
import { readBody } from './read-body.js';
import { errorBody, watch, type RequestState } from './respond.js';
import { credentialsOf, crossSite, requestKey, SESSION_COOKIES, whenKnown, type Credentials } from './request-caller.js';
import { SESSION_MAX_MS, sessionBookOf } from './sessions.js';

/** A key is a few dozen characters; a login body has nothing else to carry. */
const MAX_LOGIN_BODY = 1024;

function cookie(listener: Listener, value: string, c: Credentials, maxAgeS: number): string {
  // Secure where the browser reached Gavel over TLS (a proxy in front says so), else the cookie would never come back on plain http
  return `${SESSION_COOKIES[listener]}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeS}${c.secure ? '; Secure' : ''}`;
}

function answer(res: HttpResponse, state: RequestState, status: string, body: unknown, setCookie?: string): void {
  if (state.aborted) return;
  state.aborted = true;
  res.cork(() => {
    res.writeStatus(status);
    res.writeHeader('content-type', 'application/json');
    res.writeHeader('cache-control', 'no-store');
    if (setCookie !== undefined) res.writeHeader('set-cookie', setCookie);
    res.end(JSON.stringify(body));
  });
}

/** Who a caller is, in the words of the pages: the operator's key is the operator, named by its key's name. */
export function whoIs(caller: Caller): SessionAnswer {
  if (caller.kind === 'seller') return { party: 'seller', id: caller.seller.id };
  if (caller.kind === 'buyer') return { party: 'buyer', id: caller.buyer.id };
  return { party: 'operator', id: caller.name };
}

function refuse(res: HttpResponse, state: RequestState, e: GavelError): void {
  answer(res, state, `${e.status} ${e.status === 401 ? 'Unauthorized' : e.status === 403 ? 'Forbidden' : e.status === 413 ? 'Payload Too Large' : e.status === 503 ? 'Service Unavailable' : 'Bad Request'}`, errorBody(e.code, e.message, e.details));
}

/**
 * POST /v1/session `{ "key": "..." }` logs a party in on this listener: the key is checked against
 * the live key ring and a random session id goes back as an HttpOnly, SameSite=Strict cookie; the
 * page never holds the key. GET /v1/session says who the session (or a Bearer key) is, so a
 * portal draws a buyer's or a seller's pages. DELETE /v1/session logs out. Any party, either
 * listener: the operator's console uses it on the operator listener, the portals on the public one.
 */
export function attachSessionRoutes(app: TemplatedApp, listener: Listener, live: RuntimeSource): void {
  const book = sessionBookOf(live);
  app.post('/v1/session', (res, req) => {
    if (refusedFraming(res, req)) return;
    const c = credentialsOf(req, listener);
    const state = watch(res, 'json');
    // a login from another site would log the victim in as the attacker (login CSRF)
    if (crossSite(c)) return refuse(res, state, new GavelError('FORBIDDEN', 'A login must come from the same origin'));
    readBody(res, MAX_LOGIN_BODY, (buf) => {
      if (buf === null) return refuse(res, state, new GavelError('BODY_TOO_LARGE', `The body is over ${MAX_LOGIN_BODY} bytes`));
      let key: unknown;
      try {
        key = (decodeBody(buf, 'json') as { key?: unknown } | null)?.key;
      } catch (e) {
        return refuse(res, state, e as GavelError);
      }
      if (typeof key !== 'string' || key.length === 0) return refuse(res, state, new GavelError('INVALID_REQUEST', 'The body must be { "key": "<api key>" }'));
      const caller = callerOf(live, key);
      if (caller === null) return refuse(res, state, new GavelError('UNAUTHORIZED', 'Unknown API key'));
      const refusal = refusedOn(listener, caller);
      if (refusal !== null) return refuse(res, state, refusal);
      const opened = (id: string) => answer(res, state, '201 Created', whoIs(caller), cookie(listener, id, c, Math.floor(SESSION_MAX_MS / 1000)));
      const id = book.open(key);
      if (typeof id === 'string') return opened(id);
      id.then(opened, () => refuse(res, state, new GavelError('STORE_UNAVAILABLE', 'The sessions store did not answer: retry')));
    });
  });
  app.get('/v1/session', (res, req) => {
    if (refusedFraming(res, req)) return;
    const key = requestKey(credentialsOf(req, listener), book);
    const state = watch(res, 'json');
    whenKnown(key, (key) => {
      if (!('key' in key)) return refuse(res, state, key);
      const caller = callerOf(live, key.key);
      if (caller === null) return refuse(res, state, unknownKey(key.key));
      const refusal = refusedOn(listener, caller);
      if (refusal !== null) return refuse(res, state, refusal);
      answer(res, state, '200 OK', whoIs(caller));
    });
  });
  app.del('/v1/session', (res, req) => {
    if (refusedFraming(res, req)) return;
    const c = credentialsOf(req, listener);
    const state = watch(res, 'json');
    if (crossSite(c)) return refuse(res, state, new GavelError('FORBIDDEN', 'A logout must come from the same origin'));
    const ended = () => answer(res, state, '200 OK', { ended: true }, cookie(listener, '', c, 0));
    const closing = book.close(c.session);
    if (closing instanceof Promise) closing.then(ended, () => refuse(res, state, new GavelError('STORE_UNAVAILABLE', 'The sessions store did not answer: retry')));
    else ended();
  });
}
