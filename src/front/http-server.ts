import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import type { Exchange } from '../auction/exchange.js';
import { within } from '../core/within.js';
import { GavelError } from '../core/codes.js';
import type { Runtime, SellerRuntime } from '../config/runtime.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import { readBody } from './read-body.js';
import { decodeBody } from './decode-body.js';
import { refusedFraming } from './http-framing.js';
import { formatOf } from './content-format.js';
import { send, sendError, sendText, watch, type RequestState } from './respond.js';
import { SellerCalls } from './seller-calls.js';
import type { SellerRoute } from './call-result.js';
import { attachSellerSocket } from './seller-socket.js';
import { attachBuyerSocket } from './buyer-socket.js';
import { bearerKey, unknownKey } from './api-key.js';
import type { SocketBuyerTransport } from '../buyers/socket-transport.js';
import { closeApp, UWS_NATIVE, uws } from './uws.js';
import type { TraceRecorder } from '../trace/trace-recorder.js';
import { buyerView, operatorView, sellerView } from '../trace/trace-views.js';
import type { Returns } from '../ledger/returns.js';
import type { Postbacks } from '../notify/postbacks.js';
import { attachReturnsApi } from './returns-api.js';
import { attachReportsApi } from './reports-api.js';
import type { Ledger } from '../ledger/ledger.js';
import { callerOf, refusedOn, type Listener } from './admin-route.js';
import { LoopDelay } from '../telemetry/loop-delay.js';
import { PipelinedListener } from './pipelined-listener.js';

export interface FrontParts {
  /** transports of the buyers that connect over /v1/bidders/ws, by buyer id */
  socketBuyers: ReadonlyMap<string, SocketBuyerTransport>;
  runtime: Runtime;
  exchange: Exchange;
  store: Store;
  metrics: Metrics;
  log: Logger;
  traces: TraceRecorder;
  returns: Returns;
  postbacks: Postbacks;
  ledger: Ledger;
  /** serving on uWebSockets.js's pure-JS fallback was allowed: /ready does not count it against readiness */
  uwsFallbackAllowed?: boolean;
}

/** Lead ids are UUIDs Gavel made, or a seller's ping id: anything longer is not one. */
const MAX_LEAD_ID = 128;

/**
 * The HTTP front on uWebSockets.js, on two listeners: the public one (the seller API, the
 * sockets, the parties' own traces and returns, health, readiness) and the operator's
 * (metrics, health, readiness, the operator's API), each an App of its own.
 * Hot-path rules (DESIGN): onAborted before any await, `req` read before the handler
 * returns, one cork per response, nothing written after an abort.
 */
export class HttpFront {
  private readonly app: TemplatedApp;
  private readonly operatorApp: TemplatedApp;
  private listenSocket: us_listen_socket | null = null;
  private operatorSocket: us_listen_socket | null = null;
  private pipelined: PipelinedListener | null = null;
  private inFlight = 0;
  private draining = false;
  private drained: (() => void) | null = null;
  private readonly maxBody: number;
  private readonly calls: SellerCalls;
  private readonly loopDelay: LoopDelay;

  constructor(private readonly parts: FrontParts) {
    this.maxBody = parts.runtime.data.server.max_body_bytes;
    this.calls = new SellerCalls(parts);
    this.loopDelay = new LoopDelay((ms) => parts.metrics.callWaitMs.observe(ms));
    const app = uws.App();
    const server = parts.runtime.data.server;
    const cutOffs = parts.metrics.socketCutOffs;
    const socketBuyer = (key: string | undefined) => {
      const party = parts.runtime.keys.resolve(key);
      return party?.kind === 'buyer' ? parts.socketBuyers.get(party.buyer.id) : undefined;
    };
    attachBuyerSocket(app, socketBuyer, { maxPayload: server.max_body_bytes, maxBuffered: server.socket_max_buffered_bytes }, (id) => {
      cutOffs.inc({ side: 'buyer', id });
      parts.log.warn({ buyer: id }, 'buyer socket cut off: it stopped reading its pings');
    });
    attachSellerSocket(app, parts.runtime, this.calls, {
      begin: () => this.begin(),
      end: () => this.end(),
      draining: () => this.draining,
      cutOff: (id) => {
        cutOffs.inc({ side: 'seller', id });
        parts.log.warn({ seller: id }, 'seller socket cut off: it stopped reading its answers');
      },
    });
    app.post('/v1/ping', (res, req) => this.seller(res, req, 'ping'));
    app.post('/v1/post', (res, req) => this.seller(res, req, 'post'));
    app.post('/v1/leads', (res, req) => this.seller(res, req, 'leads'));
    app.get('/v1/leads/:id', (res, req) => this.leadTrace(res, req, 'public'));
    attachReturnsApi(app, 'public', parts.runtime, parts.returns, parts.log);
    attachReportsApi(app, 'public', parts.runtime, parts.ledger, parts.log);
    app.get('/health', (res, req) => void (refusedFraming(res, req) || sendText(res, watch(res, 'json'), 200, 'application/json', '{"status":"ok"}')));
    app.get('/ready', (res, req) => void (refusedFraming(res, req) || this.ready(res)));
    app.any('/*', (res, req) => {
      if (refusedFraming(res, req)) return;
      const state = watch(res, 'json');
      const url = req.getUrl();
      const known = url === '/v1/ping' || url === '/v1/post' || url === '/v1/leads' || url.startsWith('/v1/leads/') || url.startsWith('/v1/returns') || url === '/v1/reports' || url === '/v1/ws' || url === '/health' || url === '/ready';
      sendError(res, state, known ? new GavelError('METHOD_NOT_ALLOWED', `${req.getMethod().toUpperCase()} is not allowed on ${url}`) : new GavelError('NOT_FOUND', `No route ${url}`));
    });
    this.app = app;
    this.operatorApp = this.operatorRoutes(uws.App());
  }

  /** The operator's listener: metrics, health, readiness, and the routes of the operator's key. */
  private operatorRoutes(app: TemplatedApp): TemplatedApp {
    const { runtime, returns, ledger, log } = this.parts;
    app.get('/v1/leads/:id', (res, req) => this.leadTrace(res, req, 'operator'));
    attachReturnsApi(app, 'operator', runtime, returns, log);
    attachReportsApi(app, 'operator', runtime, ledger, log);
    app.get('/health', (res, req) => void (refusedFraming(res, req) || sendText(res, watch(res, 'json'), 200, 'application/json', '{"status":"ok"}')));
    app.get('/ready', (res, req) => void (refusedFraming(res, req) || this.ready(res)));
    app.get('/metrics', (res, req) => void (refusedFraming(res, req) || this.metrics(res, req)));
    app.any('/*', (res, req) => {
      if (refusedFraming(res, req)) return;
      const state = watch(res, 'json');
      const url = req.getUrl();
      const known = url.startsWith('/v1/leads/') || url.startsWith('/v1/returns') || url === '/v1/reports' || url === '/health' || url === '/ready' || url === '/metrics';
      sendError(res, state, known ? new GavelError('METHOD_NOT_ALLOWED', `${req.getMethod().toUpperCase()} is not allowed on ${url}`) : new GavelError('NOT_FOUND', `No route ${url} on the operator listener`));
    });
    return app;
  }

  listen(host: string, port: number): Promise<number> {
    return listenOn(this.app, host, port, (socket) => {
      this.listenSocket = socket;
      this.loopDelay.start();
    });
  }

  listenOperator(host: string, port: number): Promise<number> {
    return listenOn(this.operatorApp, host, port, (socket) => (this.operatorSocket = socket));
  }

  /** The seller calls on Node's HTTP server, for clients that pipeline (src/front/pipelined-listener.ts). */
  listenPipelined(host: string, port: number): Promise<number> {
    this.pipelined = new PipelinedListener({
      runtime: this.parts.runtime,
      calls: this.calls,
      begin: () => this.begin(),
      end: () => this.end(),
      draining: () => this.draining,
      readiness: () => this.readiness(),
    });
    return this.pipelined.listen(host, port);
  }

  private seller(res: HttpResponse, req: HttpRequest, route: SellerRoute): void {
    if (refusedFraming(res, req)) return;
    // uWS invalidates req when this function returns: read everything now
    const auth = req.getHeader('authorization');
    const contentType = req.getHeader('content-type');
    const length = req.getHeader('content-length');
    const idempotencyKey = req.getHeader('idempotency-key');
    const format = formatOf(contentType);
    const state = watch(res, format ?? 'json');
    if (this.draining) return sendError(res, state, new GavelError('SHUTTING_DOWN'), true);
    const key = bearerKey(auth);
    const party = this.parts.runtime.keys.resolve(key);
    if (party?.kind !== 'seller') return sendError(res, state, unknownKey(key));
    const seller = party.seller;
    if (format === null) return sendError(res, state, new GavelError('UNSUPPORTED_MEDIA_TYPE', `Content-Type "${contentType}" is not application/json or application/msgpack`));
    if (length !== '' && Number(length) > this.maxBody) return sendError(res, state, new GavelError('BODY_TOO_LARGE', `The body is over ${this.maxBody} bytes`), true);
    readBody(res, this.maxBody, (body) => {
      if (body === null) return sendError(res, state, new GavelError('BODY_TOO_LARGE', `The body is over ${this.maxBody} bytes`), true);
      // counted from here: an upload the client abandons never reaches this point, so it cannot hold a drain open
      this.begin();
      // uWS refuses HTTP pipelining behind an answer still to come: a request pipelined behind this
      // one in the same read is parsed right after this returns, and uWS then closes the connection.
      // Starting on the next turn lets that close be seen first, so no lead is sold to a seller that
      // can no longer be told (a call already running when such a close comes runs to its end, and its
      // answer is kept under the seller's Idempotency-Key; see README, Lost answers)
      setImmediate(() => {
        if (state.aborted) return this.end();
        this.handle(res, state, seller, route, body, idempotencyKey === '' ? undefined : idempotencyKey).finally(() => this.end());
      });
    });
  }

  private async handle(res: HttpResponse, state: RequestState, seller: SellerRuntime, route: SellerRoute, body: Buffer, idempotencyKey: string | undefined): Promise<void> {
    let raw: unknown;
    try {
      raw = decodeBody(body, state.format);
    } catch (e) {
      return sendError(res, state, e as GavelError);
    }
    const result = await this.calls.run(seller, route, raw, state.receivedAt, body.length, idempotencyKey);
    send(res, state, result.status, result.body);
    this.calls.written(result, state.receivedAt);
  }

  /**
   * GET /v1/leads/{id}: the operator's key sees the whole trace (on the operator listener), a
   * seller's its own lead's outcome, a buyer's its part in the auction (on the public one; see
   * src/trace/trace-views.ts). A lead that is not the key's is LEAD_NOT_FOUND, like an unknown one.
   */
  private leadTrace(res: HttpResponse, req: HttpRequest, listener: Listener): void {
    if (refusedFraming(res, req)) return;
    const key = bearerKey(req.getHeader('authorization'));
    // taken as sent, not URL-decoded: lead ids are Gavel's own UUIDs, and decoding a malformed
    // escape would throw inside uWS's handler and take the process down
    const id = req.getParameter(0) ?? '';
    const state = watch(res, 'json');
    const caller = callerOf(this.parts.runtime, key);
    if (caller === null) return sendError(res, state, unknownKey(key));
    const refusal = refusedOn(listener, caller);
    if (refusal !== null) return sendError(res, state, refusal);
    if (id.length === 0 || id.length > MAX_LEAD_ID) return sendError(res, state, new GavelError('LEAD_NOT_FOUND'));
    this.parts.traces.read(id).then(
      (segs) => {
        const view =
          caller.kind === 'admin' ? (segs.length === 0 ? null : operatorView(id, segs)) : caller.kind === 'seller' ? sellerView(caller.seller.id, id, segs) : buyerView(caller.buyer.id, id, segs);
        if (view === null) sendError(res, state, new GavelError('LEAD_NOT_FOUND'));
        else send(res, state, 200, view);
      },
      () => sendError(res, state, new GavelError('STORE_UNAVAILABLE')),
    );
  }

  private async ready(res: HttpResponse): Promise<void> {
    const state = watch(res, 'json');
    const r = await this.readiness();
    send(res, state, r.status, r.body);
  }

  /** /ready's answer: the store answers, uWS is native (or its fallback allowed), not draining. */
  private async readiness(): Promise<{ status: number; body: unknown }> {
    let storeOk = true;
    let storeError: string | undefined;
    const persistence = within(this.parts.store.persistence(), 500, () => undefined).catch(() => 'unknown' as const);
    try {
      await within(this.parts.store.ping(), 500, () => undefined);
    } catch (e) {
      storeOk = false;
      storeError = (e as Error).message;
    }
    // a Redis that keeps nothing on disk is reported, not counted against readiness: every
    // process shares that one Redis, so a balancer would take them all out at once for it
    const uwsOk = UWS_NATIVE || this.parts.uwsFallbackAllowed === true;
    const ready = storeOk && uwsOk && !this.draining;
    return {
      status: ready ? 200 : 503,
      body: {
        ready,
        store: { kind: this.parts.store.kind, ok: storeOk, persistence: await persistence, ...(storeError ? { error: storeError } : {}) },
        uws: { native: UWS_NATIVE, ...(UWS_NATIVE ? {} : { fallback_allowed: uwsOk }) },
        draining: this.draining,
      },
    };
  }

  /**
   * Served without a key to whoever reaches the operator listener (a scraper on the private
   * network), or with the operator's; a party's key is refused, so no seller reads it by mistake.
   */
  private metrics(res: HttpResponse, req: HttpRequest): void {
    const key = bearerKey(req.getHeader('authorization'));
    const state = watch(res, 'json');
    if (key !== undefined) {
      const caller = callerOf(this.parts.runtime, key);
      if (caller === null) return sendError(res, state, unknownKey(key));
      const refusal = refusedOn('operator', caller);
      if (refusal !== null) return sendError(res, state, refusal);
    }
    void this.renderMetrics(res, state);
  }

  private async renderMetrics(res: HttpResponse, state: RequestState): Promise<void> {
    const text = await this.parts.metrics.registry.metrics();
    sendText(res, state, 200, this.parts.metrics.registry.contentType, text);
  }

  private begin(): void {
    this.inFlight++;
    this.parts.metrics.inFlight.inc();
  }

  private end(): void {
    this.inFlight--;
    this.parts.metrics.inFlight.dec();
    if (this.inFlight === 0 && this.drained) this.drained();
  }

  /** Stop accepting, then wait (up to `ms`) for the requests in flight to be answered. */
  async drain(ms: number): Promise<boolean> {
    this.draining = true;
    for (const socket of [this.listenSocket, this.operatorSocket]) if (socket) uws.us_listen_socket_close(socket);
    this.listenSocket = null;
    this.operatorSocket = null;
    this.pipelined?.stopAccepting();
    if (this.inFlight === 0) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      this.drained = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
  }

  /** Close every connection still open (keep-alive sockets hold the process otherwise). */
  async close(): Promise<void> {
    this.loopDelay.stop();
    for (const app of [this.app, this.operatorApp]) closeApp(app);
    await this.pipelined?.close();
  }
}

function listenOn(app: TemplatedApp, host: string, port: number, listening: (socket: us_listen_socket) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    app.listen(host, port, (socket) => {
      if (!socket) return reject(new Error(`cannot listen on ${host}:${port}`));
      listening(socket);
      resolve(uws.us_socket_local_port(socket as never));
    });
  });
}
