import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { pack } from 'msgpackr';
import { GavelError } from '../core/codes.js';
import type { RuntimeSource } from '../config/live-runtime.js';
import { bearerKey, unknownKey } from './api-key.js';
import { formatOf, unsupportedMediaType } from './content-format.js';
import { decodeBody } from './decode-body.js';
import { errorBody, type Format } from './respond.js';
import type { SellerCalls } from './seller-calls.js';
import type { SellerRoute } from './call-result.js';

/**
 * The seller calls on Node's own HTTP server, for sellers whose clients pipeline requests.
 *
 * uWebSockets.js refuses HTTP/1.1 pipelining behind an answer still to come: when a request
 * arrives on a connection whose previous answer is pending, it closes the connection (in every
 * release, by design). Gavel then runs nothing for the calls it can no longer answer (README,
 * Lost answers), but answers none of them either. Node's server (llhttp) reads pipelined requests
 * as they come, runs them at once and writes their answers in the order they were asked, which is
 * what RFC 9112 §9.3.2 requires. It costs more CPU per request than uWS (bench/README.md, The
 * pipelined listener), so it is a listener of its own (`server.pipelined`), off unless configured,
 * beside the public one.
 *
 * It serves what a seller calls: /v1/ping, /v1/post, /v1/leads, /health and /ready; the same
 * SellerCalls run them, so answers, codes, idempotency and draining are the public listener's.
 */
export interface PipelinedParts {
  live: RuntimeSource;
  calls: SellerCalls;
  begin(): void;
  end(): void;
  draining(): boolean;
  /** /ready's status and body, as the public listener answers it */
  readiness(): Promise<{ status: number; body: unknown }>;
}

const SELLER_ROUTES: Record<string, SellerRoute> = { '/v1/ping': 'ping', '/v1/post': 'post', '/v1/leads': 'leads' };

/** llhttp's codes for a request whose body could be framed two ways (RFC 9112 §6.1, §6.3) */
const FRAMING_ERRORS = new Set(['HPE_UNEXPECTED_CONTENT_LENGTH', 'HPE_INVALID_CONTENT_LENGTH', 'HPE_INVALID_TRANSFER_ENCODING']);

export class PipelinedListener {
  private readonly server: Server;
  private readonly maxBody: number;
  private readonly owed = new Map<Socket, number>();
  private closing = false;
  private allClosed: (() => void) | null = null;

  constructor(private readonly parts: PipelinedParts) {
    this.maxBody = parts.live.current().runtime.data.server.max_body_bytes;
    this.server = createServer(
      {
        // the same limits as the public listener: a slow or idle client is let go, not kept
        headersTimeout: 10_000,
        requestTimeout: 30_000,
        keepAliveTimeout: 10_000,
        // a repeated header stays an array, so the framing checks below see every copy
        joinDuplicateHeaders: false,
      },
      (req, res) => this.request(req, res),
    );
    this.server.on('connection', (socket: Socket) => this.track(socket));
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => clientError(err, socket));
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host, port, exclusive: false }, () => {
        this.server.off('error', reject);
        const addr = this.server.address();
        resolve(typeof addr === 'object' && addr !== null ? addr.port : port);
      });
    });
  }

  /**
   * Stop accepting; connections already open finish what they asked. net.Server's close, not
   * http.Server's: the latter also destroys every connection whose requests were all read,
   * answers still owed or not (an answer counts as sent once `end` is called, before Node
   * writes the one pipelined behind it), so a pipelined answer would be lost.
   */
  stopAccepting(): void {
    if (this.server.listening) NetServer.prototype.close.call(this.server);
  }

  /**
   * Close every connection once the answers it is owed are written, idle ones at once, and any
   * left after `ms` regardless.
   */
  close(ms = 1000): Promise<void> {
    this.stopAccepting();
    this.closing = true;
    // end, not destroy: a FIN after what is already written, where destroy would drop what is still queued
    for (const [socket, owed] of this.owed) if (owed === 0) socket.end();
    if (this.owed.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        for (const socket of this.owed.keys()) socket.destroy();
        resolve();
      }, ms);
      this.allClosed = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Answers owed on each open connection: close() waits for them. */
  private track(socket: Socket): void {
    this.owed.set(socket, 0);
    socket.once('close', () => {
      this.owed.delete(socket);
      if (this.owed.size === 0) this.allClosed?.();
    });
  }

  private owe(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    this.owed.set(socket, (this.owed.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const left = (this.owed.get(socket) ?? 1) - 1;
      if (this.owed.has(socket)) this.owed.set(socket, left);
      if (left === 0 && this.closing) socket.end();
    });
  }

  private request(req: IncomingMessage, res: ServerResponse): void {
    const receivedAt = performance.now();
    this.owe(req, res)
    const q = (req.url ?? '').indexOf('?');
    const path = q === -1 ? (req.url ?? '') : (req.url ?? '').slice(0, q);
    const route = SELLER_ROUTES[path];
    const framing = framingError(req);
    if (framing !== null) return reply(res, 'json', framing.status, errorBody(framing.code, framing.message), true);
    if (route !== undefined && req.method === 'POST') return this.seller(req, res, route, receivedAt);
    // a body nobody reads would stall the requests pipelined behind it
    req.resume();
    if (req.method === 'GET' && path === '/health') return reply(res, 'json', 200, { status: 'ok' });
    if (req.method === 'GET' && path === '/ready') {
      void this.parts.readiness().then(
        (r) => reply(res, 'json', r.status, r.body),
        () => replyError(res, 'json', new GavelError('INTERNAL')),
      );
      return;
    }
    const known = route !== undefined || path === '/health' || path === '/ready';
    replyError(
      res,
      'json',
      known
        ? new GavelError('METHOD_NOT_ALLOWED', `${req.method ?? ''} is not allowed on ${path}`)
        : new GavelError('NOT_FOUND', `No route ${path} on the pipelined listener: it serves /v1/ping, /v1/post, /v1/leads, /health and /ready`),
    );
  }

  private seller(req: IncomingMessage, res: ServerResponse, route: SellerRoute, receivedAt: number): void {
    const contentType = header(req, 'content-type');
    const format = formatOf(contentType);
    const answerFormat: Format = format ?? 'json';
    const refuse = (err: GavelError, close = false) => {
      // the body is read to its end (or the connection closed), so the next pipelined request starts where it should
      if (!close) req.resume();
      replyError(res, answerFormat, err, close);
    };
    if (this.parts.draining()) return refuse(new GavelError('SHUTTING_DOWN'), true);
    const key = bearerKey(header(req, 'authorization'));
    const party = this.parts.live.current().runtime.keys.resolve(key);
    if (party?.kind !== 'seller') return refuse(unknownKey(key));
    const seller = party.seller;
    if (format === null) return refuse(unsupportedMediaType(contentType));
    const length = header(req, 'content-length');
    const tooLarge = new GavelError('BODY_TOO_LARGE', `The body is over ${this.maxBody} bytes`);
    if (length !== '' && Number(length) > this.maxBody) return refuse(tooLarge, true);
    const idempotencyKey = header(req, 'idempotency-key');
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > this.maxBody) {
        over = true;
        refuse(tooLarge, true);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (over) return;
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      this.parts.begin();
      this.run(res, answerFormat, seller, route, body, receivedAt, idempotencyKey === '' ? undefined : idempotencyKey).finally(() => this.parts.end());
    });
  }

  private async run(
    res: ServerResponse,
    format: Format,
    seller: Parameters<SellerCalls['run']>[0],
    route: SellerRoute,
    body: Buffer,
    receivedAt: number,
    idempotencyKey: string | undefined,
  ): Promise<void> {
    let raw: unknown;
    try {
      raw = decodeBody(body, format);
    } catch (e) {
      return replyError(res, format, e as GavelError);
    }
    const result = await this.parts.calls.run(seller, route, raw, receivedAt, body.length, idempotencyKey);
    reply(res, format, result.status, result.body);
    this.parts.calls.written(result, receivedAt);
  }
}

/** One value of a header Node keeps as a string (a repeated one as its first copy). */
function header(req: IncomingMessage, name: string): string {
  const v = req.headers[name];
  return typeof v === 'string' ? v : Array.isArray(v) ? (v[0] ?? '') : '';
}

/**
 * The framing llhttp lets by and the public listener refuses: llhttp refuses two different
 * Content-Lengths and a Transfer-Encoding whose last coding is not chunked, but takes equal
 * copies of Content-Length and "gzip, chunked". Both listeners refuse the same requests.
 */
function framingError(req: IncomingMessage): GavelError | null {
  const cl = req.headers['content-length'];
  const te = req.headers['transfer-encoding'];
  if (Array.isArray(cl)) return new GavelError('INVALID_FRAMING', 'More than one Content-Length header');
  if (te === undefined) return null;
  if (cl !== undefined) return new GavelError('INVALID_FRAMING', 'Both Transfer-Encoding and Content-Length');
  if (Array.isArray(te) || te.toLowerCase() !== 'chunked') return new GavelError('INVALID_FRAMING', 'Transfer-Encoding other than one "chunked"');
  return null;
}

function reply(res: ServerResponse, format: Format, status: number, body: unknown, close = false): void {
  if (res.writableEnded) return;
  const payload = format === 'msgpack' ? pack(body) : Buffer.from(JSON.stringify(body));
  const headers: Record<string, string | number> = { 'content-type': format === 'msgpack' ? 'application/msgpack' : 'application/json', 'content-length': payload.length };
  if (close) headers.connection = 'close';
  res.writeHead(status, headers);
  res.end(payload);
}

function replyError(res: ServerResponse, format: Format, err: GavelError, close = false): void {
  reply(res, format, err.status, errorBody(err.code, err.message, err.details), close);
}

/**
 * A request llhttp could not parse: a coded answer, then the connection closed (what follows
 * on it cannot be framed). When answers to earlier requests on the connection are still owed,
 * an answer written now would come before theirs, out of order: the connection is closed with
 * no answer, as behind any unreadable request (their calls still run to their end, and a retry
 * under the same Idempotency-Key gets their answers).
 */
function clientError(err: NodeJS.ErrnoException, socket: Socket): void {
  const owed = (socket as Socket & { _httpMessage?: unknown })._httpMessage != null;
  if (!socket.writable || owed || err.code === 'ECONNRESET') return void socket.destroy();
  const e = FRAMING_ERRORS.has(err.code ?? '')
    ? new GavelError('INVALID_FRAMING', `The request's framing was refused: ${err.message}`)
    : err.code === 'HPE_HEADER_OVERFLOW'
      ? new GavelError('MALFORMED_REQUEST', 'The request headers are over 16 KB')
      : new GavelError('MALFORMED_REQUEST', `The request could not be read as HTTP/1.1: ${err.message}`);
  const body = JSON.stringify(errorBody(e.code, e.message));
  socket.end(`HTTP/1.1 ${e.status} Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}
