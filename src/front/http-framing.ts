import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { GavelError } from '../core/codes.js';
import { sendError, watch } from './respond.js';
import { UWS_NATIVE } from './uws.js';

/*
 * RFC 9112 §6.1 and §6.3: a message's body length must be read one way only. uWS frames a
 * request by the first Content-Length it sees and takes any Transfer-Encoding that mentions
 * chunked as chunked; a proxy in front may read the same bytes otherwise (request smuggling).
 * So a request that two readers could frame differently is refused, and its connection closed.
 * Duplicate Content-Lengths are refused even when equal (§6.3 allows either): no client of
 * Gavel's sends two, so the leniency would buy nothing.
 *
 * One module-level visitor and counters, no closure per request: req.forEach calls back
 * synchronously, so one request's check ends before the next can start.
 */
let lengths = 0;
let lengthOk = true;
let encodings = 0;
let encodingOk = true;

const DIGITS = /^[0-9]{1,15}$/;

function visit(key: string, value: string): void {
  if (key === 'content-length') {
    lengths++;
    if (!DIGITS.test(value)) lengthOk = false;
  } else if (key === 'transfer-encoding') {
    encodings++;
    if (value.length !== 7 || value.toLowerCase() !== 'chunked') encodingOk = false;
  }
}

/** The INVALID_FRAMING error of a request whose body could be framed two ways, or null. Call before the handler returns. */
export function framingError(req: HttpRequest): GavelError | null {
  // the pure-JS fallback (allowed only by the operator) has no req.forEach; it parses with Node's
  // own HTTP parser, which refuses two Content-Lengths, and both headers, itself (measured), but
  // not a Transfer-Encoding like "xchunked": that one is judged from its first value
  if (!UWS_NATIVE) {
    const te = req.getHeader('transfer-encoding');
    return te === '' || te.toLowerCase() === 'chunked' ? null : new GavelError('INVALID_FRAMING', 'Transfer-Encoding other than one "chunked"');
  }
  // no first Content-Length nor Transfer-Encoding means none at all: two lookups, no walk (most GETs)
  if (req.getHeader('content-length') === '' && req.getHeader('transfer-encoding') === '') return null;
  lengths = 0;
  lengthOk = true;
  encodings = 0;
  encodingOk = true;
  req.forEach(visit);
  if (lengths > 1) return new GavelError('INVALID_FRAMING', 'More than one Content-Length header');
  if (!lengthOk) return new GavelError('INVALID_FRAMING', 'Content-Length is not a number of bytes in digits');
  if (encodings > 0 && lengths > 0) return new GavelError('INVALID_FRAMING', 'Both Transfer-Encoding and Content-Length');
  if (encodings > 1 || !encodingOk) return new GavelError('INVALID_FRAMING', 'Transfer-Encoding other than one "chunked"');
  return null;
}

/** Answer 400 INVALID_FRAMING and close when the request's framing is ambiguous; true when it did. First thing in a handler. */
export function refusedFraming(res: HttpResponse, req: HttpRequest): boolean {
  const err = framingError(req);
  if (err === null) return false;
  sendError(res, watch(res, 'json'), err, true);
  return true;
}
