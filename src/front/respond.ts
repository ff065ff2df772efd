import { performance } from 'node:perf_hooks';
import { pack } from 'msgpackr';
import type { HttpResponse } from 'uWebSockets.js';
import { Codes, GavelError, type Code, type Detail } from '../core/codes.js';

const STATUS_TEXT: Record<number, string> = {
  200: '200 OK', 201: '201 Created', 400: '400 Bad Request', 401: '401 Unauthorized', 403: '403 Forbidden', 404: '404 Not Found', 405: '405 Method Not Allowed',
  409: '409 Conflict', 413: '413 Payload Too Large', 415: '415 Unsupported Media Type', 422: '422 Unprocessable Content', 429: '429 Too Many Requests', 500: '500 Internal Server Error',
  503: '503 Service Unavailable',
};

export type Format = 'json' | 'msgpack';

/** The per-request facts a handler keeps after uWS invalidates `req` (at the first return). */
export interface RequestState {
  aborted: boolean;
  format: Format;
  receivedAt: number;
}

/** A request's state, watching for the client going away: call it before any await (uWS rule). */
export function watch(res: HttpResponse, format: Format): RequestState {
  const state: RequestState = { aborted: false, format, receivedAt: performance.now() };
  res.onAborted(() => {
    state.aborted = true;
  });
  return state;
}

/** Status, headers and body in one cork, and never after the client went away. */
export function send(res: HttpResponse, state: RequestState, status: number, body: unknown, closeConnection = false): void {
  if (state.aborted) return;
  state.aborted = true; // a response ends the request: nothing may touch res after this
  const msgpack = state.format === 'msgpack';
  const payload = msgpack ? pack(body) : JSON.stringify(body);
  res.cork(() => {
    res.writeStatus(STATUS_TEXT[status] ?? `${status} Unknown`);
    res.writeHeader('content-type', msgpack ? 'application/msgpack' : 'application/json');
    res.end(payload, closeConnection);
  });
}

export function errorBody(code: Code, message?: string, details?: Detail[]) {
  const error: { code: Code; message: string; details?: Detail[] } = { code, message: message ?? Codes[code].message };
  if (details !== undefined && details.length > 0) error.details = details;
  return { error };
}

export function sendError(res: HttpResponse, state: RequestState, err: GavelError, closeConnection = false): void {
  send(res, state, err.status, errorBody(err.code, err.message, err.details), closeConnection);
}

export function sendText(res: HttpResponse, state: RequestState, status: number, contentType: string, text: string): void {
  if (state.aborted) return;
  state.aborted = true;
  res.cork(() => {
    res.writeStatus(STATUS_TEXT[status] ?? `${status} Unknown`);
    res.writeHeader('content-type', contentType);
    res.end(text);
  });
}
