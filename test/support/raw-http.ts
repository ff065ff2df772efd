import { connect } from 'node:net';

export interface RawAnswer {
  /** the first response, when one came whole */
  response: { status: number; headers: Map<string, string>; body: Buffer } | null;
  /** the server closed the connection before a response came whole */
  closed: boolean;
  /** bytes that came and do not make a response */
  partial: string;
}

/** Parse one HTTP/1.1 response (Content-Length framed, as Gavel's are) from the front of `buf`. */
function parseResponse(buf: Buffer): RawAnswer['response'] {
  const end = buf.indexOf('\r\n\r\n');
  if (end === -1) return null;
  const [statusLine, ...lines] = buf.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1]);
  const headers = new Map<string, string>();
  for (const l of lines) {
    const colon = l.indexOf(':');
    if (colon > 0) headers.set(l.slice(0, colon).trim().toLowerCase(), l.slice(colon + 1).trim());
  }
  const length = Number(headers.get('content-length') ?? 0);
  if (buf.length < end + 4 + length) return null;
  return { status, headers, body: buf.subarray(end + 4, end + 4 + length) };
}

/**
 * Write `request` as it is on a fresh TCP connection and wait, at most `waitMs`, for the first
 * response to come whole or the connection to close, whichever is first. The bytes are the test's own, so anything
 * a client library would refuse to send can be sent.
 */
export function rawRequest(port: number, request: Buffer, waitMs: number): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let buf = Buffer.alloc(0);
    let response: RawAnswer['response'] = null;
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ response, closed, partial: response ? '' : buf.toString('latin1').slice(0, 300) });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      response = parseResponse(buf);
      if (response) finish(false);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => finish(true));
    socket.write(request);
  });
}

export interface RawResponses {
  /** the responses that came whole, in the order they came */
  responses: NonNullable<RawAnswer['response']>[];
  /** the server closed the connection */
  closed: boolean;
}

/**
 * Write `request` (several requests back to back, for pipelining) on one fresh connection and
 * collect the responses as they come, until `count` came whole, the server closed, or `waitMs` passed.
 */
export function rawResponses(port: number, request: Buffer, count: number, waitMs: number): Promise<RawResponses> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let buf = Buffer.alloc(0);
    const responses: RawResponses['responses'] = [];
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ responses, closed });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (let r = parseResponse(buf); r !== null; r = parseResponse(buf)) {
        responses.push(r);
        buf = buf.subarray(buf.indexOf('\r\n\r\n') + 4 + r.body.length);
      }
      if (responses.length >= count) finish(false);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => finish(true));
    socket.write(request);
  });
}
