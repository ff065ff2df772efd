import type { HttpResponse } from 'uWebSockets.js';
import { errorBody } from './respond.js';

/** The key of `Authorization: Bearer <key>`, or undefined. */
export function bearerKey(authorization: string): string | undefined {
  return authorization.startsWith('Bearer ') ? authorization.slice(7).trim() : undefined;
}

/** A socket's key: the Bearer header, or `?key=` for clients that cannot set headers on an upgrade. */
export function socketKey(authorization: string, query: string): string | undefined {
  return bearerKey(authorization) ?? new URLSearchParams(query).get('key') ?? undefined;
}

/** Refuse an upgrade before it happens: 401 with the coded error body. */
export function refuseUpgrade(res: HttpResponse, message: string): void {
  const body = JSON.stringify(errorBody('UNAUTHORIZED', message));
  res.cork(() => res.writeStatus('401 Unauthorized').writeHeader('content-type', 'application/json').end(body));
}
