import type { HttpResponse } from 'uWebSockets.js';
import { GavelError } from '../core/codes.js';
import { sendError } from './respond.js';

/** The key of `Authorization: Bearer <key>`, or undefined. */
export function bearerKey(authorization: string): string | undefined {
  return authorization.startsWith('Bearer ') ? authorization.slice(7).trim() : undefined;
}

/** The answer to a request whose Bearer key is missing or matches no one. */
export function unknownKey(key: string | undefined): GavelError {
  return new GavelError('UNAUTHORIZED', key === undefined ? 'Missing Authorization: Bearer <api key>' : 'Unknown API key');
}

/** A socket's key: the Bearer header, or `?key=` for clients that cannot set headers on an upgrade. */
export function socketKey(authorization: string, query: URLSearchParams): string | undefined {
  return bearerKey(authorization) ?? query.get('key') ?? undefined;
}

/** Refuse an upgrade before it happens: the error's status with its coded body. */
export function refuseUpgrade(res: HttpResponse, err: GavelError): void {
  sendError(res, { aborted: false, format: 'json', receivedAt: 0 }, err);
}
