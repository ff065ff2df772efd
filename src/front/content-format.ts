import { GavelError } from '../core/codes.js';
import type { Format } from './respond.js';

/** The body format a Content-Type names, or null for one Gavel does not take (or none). */
export function formatOf(contentType: string): Format | null {
  const semi = contentType.indexOf(';');
  const media = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  if (media === 'application/json') return 'json';
  if (media === 'application/msgpack' || media === 'application/x-msgpack' || media === 'application/vnd.msgpack') return 'msgpack';
  return null;
}

/**
 * The 415 of a body in a format Gavel does not take, saying how to send JSON: the usual cause is
 * curl's `-d`, whose default Content-Type is application/x-www-form-urlencoded.
 */
export function unsupportedMediaType(contentType: string): GavelError {
  const named = contentType === '' ? 'No Content-Type' : `Content-Type "${contentType}"`;
  return new GavelError(
    'UNSUPPORTED_MEDIA_TYPE',
    `${named} is not application/json or application/msgpack: send Content-Type: application/json (curl: -H 'content-type: application/json')`,
  );
}
