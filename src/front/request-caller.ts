import type { HttpRequest } from 'uWebSockets.js';
import { GavelError } from '../core/codes.js';
import { bearerKey, unknownKey } from './api-key.js';
import { sessions, type SessionBook } from './sessions.js';

/** Which listener a request came in on: the public one (sellers, buyers) or the operator's. */
export type Listener = 'public' | 'operator';

/**
 * Each listener's own session cookie. A browser sends a host's cookies to every port of it, so
 * with one name a portal login (public listener) would replace a console session (operator
 * listener) in the same browser, and the reverse.
 */
export const SESSION_COOKIES: Readonly<Record<Listener, string>> = { public: 'gavel_session', operator: 'gavel_console' };

/** What a request says about who sends it, read before uWS invalidates `req`. */
export interface Credentials {
  /** the Bearer key, when the request has one: it wins over a cookie */
  bearer: string | undefined;
  /** the session cookie's value */
  session: string | undefined;
  method: string;
  origin: string;
  fetchSite: string;
  host: string;
  /** the request came over TLS, as far as a proxy in front says */
  secure: boolean;
}

export function credentialsOf(req: HttpRequest, listener: Listener): Credentials {
  return {
    bearer: bearerKey(req.getHeader('authorization')),
    session: cookieValue(req.getHeader('cookie'), SESSION_COOKIES[listener]),
    method: req.getCaseSensitiveMethod().toUpperCase(),
    origin: req.getHeader('origin'),
    fetchSite: req.getHeader('sec-fetch-site'),
    host: req.getHeader('host'),
    secure: req.getHeader('x-forwarded-proto').toLowerCase() === 'https',
  };
}

/** One cookie's value out of a Cookie header, or undefined. */
export function cookieValue(header: string, name: string): string | undefined {
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A state-changing request a browser sends with its cookie must come from the console's own
 * pages. SameSite=Strict already keeps the cookie off other sites' requests; this is the second
 * lock (a sibling subdomain is "same site"): Sec-Fetch-Site must say same-origin, or, from a
 * browser too old to send it, Origin must be this host.
 */
export function crossSite(c: Credentials): boolean {
  if (SAFE.has(c.method)) return false;
  if (c.fetchSite !== '') return c.fetchSite !== 'same-origin';
  if (c.origin === '') return true;
  return c.origin !== `http://${c.host}` && c.origin !== `https://${c.host}`;
}

export type KeyAnswer = { key: string | undefined } | GavelError;

/**
 * The key a request acts with: its Bearer key, or the key behind its session cookie (a
 * cross-site state change refused). The caller resolves it against the live key ring, the one
 * place a key becomes a party (admin-route.ts `callerOf`). A Bearer key, or a session in this
 * process's memory, answers at once; a session in the shared store answers with a promise
 * (whenKnown runs the rest of a route either way).
 */
export function requestKey(c: Credentials, held: SessionBook = sessions): KeyAnswer | Promise<KeyAnswer> {
  if (c.bearer !== undefined || c.session === undefined) return { key: c.bearer };
  const key = held.keyOf(c.session);
  if (key instanceof Promise) return key.then((k) => sessionAnswer(c, k), () => new GavelError('STORE_UNAVAILABLE', 'The sessions store did not answer: retry'));
  return sessionAnswer(c, key);
}

function sessionAnswer(c: Credentials, key: string | undefined): KeyAnswer {
  if (key === undefined) return new GavelError('UNAUTHORIZED', 'The session has ended or is unknown: log in again');
  if (crossSite(c)) return new GavelError('FORBIDDEN', 'A state-changing request with a session cookie must come from the same origin');
  return { key };
}

/** Run `then` with a value now, or once its promise settles: a route's rest after requestKey. */
export function whenKnown<T>(value: T | Promise<T>, then: (v: T) => void): void {
  if (value instanceof Promise) void value.then(then);
  else then(value);
}

export { unknownKey };
