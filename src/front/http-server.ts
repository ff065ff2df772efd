import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import type { Exchange } from '../auction/exchange.js';
import { GavelError } from '../core/codes.js';
import type { SellerRuntime } from '../config/runtime.js';
import type { RuntimeSource } from '../config/live-runtime.js';
import type { CallStore, CapStore, LeadIndexStore, StoreHealth } from '../store/store.js';
import type { Logger } from '../telemetry/logger.js';
import { MS_PER_SECOND, type Metrics } from '../telemetry/metrics.js';
import { readBody } from './read-body.js';
import { decodeBody } from './decode-body.js';
import { refusedFraming } from './http-framing.js';
import { formatOf, unsupportedMediaType } from './content-format.js';
import { send, sendError, sendText, watch, type RequestState } from './respond.js';
import { SellerCalls } from './seller-calls.js';
import type { SellerRoute } from './call-result.js';
import { attachSellerSocket } from './seller-socket.js';
import { attachBuyerSocket } from './buyer-socket.js';
import { bearerKey, unknownKey } from './api-key.js';
import type { SocketBuyerTransport } from '../buyers/socket-transport.js';
import { closeApp, LISTEN_EXCLUSIVE_PORT, uws } from './uws.js';
import type { TraceRecorder } from '../trace/trace-recorder.js';
import type { Returns } from '../ledger/returns.js';
import type { Postbacks } from '../notify/postbacks.js';
import type { LeadDeliveries } from '../trace/trace-views.js';
import { attachReturnsApi } from './returns-api.js';
import { attachReportsApi } from './reports-api.js';
import { attachPostbacksApi } from './postbacks-api.js';
import { attachBatchesApi, type BatchList } from './batches-api.js';
import { attachCapsApi } from './caps-api.js';
import { attachSalesApi } from './sales-api.js';
import type { Ledger } from '../ledger/ledger.js';
import { LoopDelay } from '../telemetry/loop-delay.js';
import { PipelinedListener } from './pipelined-listener.js';
import { leadTraceRoute } from './lead-trace-route.js';
import { metricsRoute } from './metrics-route.js';
import { asyncApiRoute, openApiRoute } from './openapi-route.js';
import { readiness } from './readiness.js';
import { attachAdminApi } from './admin-api.js';
import { attachExperimentsApi } from './experiments-api.js';
import type { ConfigControl } from '../versions/config-control.js';
import { attachSellerSpec } from './seller-spec-route.js';
import { attachConsoleCampaigns } from './console-campaigns-route.js';
import type { DemoInfo } from '../protocol/console-api.js';
import { attachConsoleFiles, attachPortalFiles } from './console-files.js';
import { attachLeadsApi } from './leads-api.js';
import { CallAdmission } from './call-admission.js';
import { attachMarketStream } from './market-stream-route.js';
import { attachSessionRoutes } from './session-route.js';
import { credentialsOf, requestKey } from './request-caller.js';
import { MarketSampler } from '../telemetry/market-sampler.js';
import { sessionBookOf, useSessionBook, type SessionBook } from './sessions.js';
import { attachUploadsApi } from './uploads-api.js';
import { UploadRunner } from '../uploads/upload-runner.js';
import { MemoryUploadLeases, type UploadLeases } from '../uploads/upload-leases.js';
import { uploadsRoot } from '../uploads/upload-files.js';

export interface FrontParts {
  /** transports of the buyers that connect over /v1/bidders/ws, by buyer id */
  socketBuyers: ReadonlyMap<string, SocketBuyerTransport>;
  /** the configuration of the moment: read once per request */
  live: RuntimeSource;
  exchange: Exchange;
  /** the seller calls' idempotency, readiness, and a buyer's cap usage for GET /v1/caps */
  store: CallStore & StoreHealth & Pick<CapStore, 'usage'> & LeadIndexStore;
  metrics: Metrics;
  log: Logger;
  traces: TraceRecorder;
  returns: Returns;
  postbacks: Postbacks;
  /** each lead's e-mail and webhook deliveries, for its trace */
  deliveries?: LeadDeliveries;
  /** buyers' batch files: GET /v1/batches */
  batches: BatchList;
  ledger: Ledger;
  /** the configuration's versions: the admin API publishes through it */
  control: ConfigControl;
  /** the first run's demo market, when one runs: the console labels it */
  demo?: DemoInfo;
  /** one of a set of processes (--processes N): the set's metrics, which /metrics serves instead of this process's own */
  setMetrics?: () => Promise<string>;
  /** browser sessions in the shared store (processes sharing Redis); none: this process's memory */
  sessions?: SessionBook;
  /** serving on uWebSockets.js's pure-JS fallback was allowed: /ready does not count it against readiness */
  uwsFallbackAllowed?: boolean;
  /** which process runs each upload (shared in Redis when processes share it); none: this process's memory */
  uploadLeases?: UploadLeases;
  /** names the default uploads directory after the store, so two exchanges on one machine keep theirs apart (upload-files.ts uploadsRoot) */
  uploadsScope?: string;
}

/**
 * The HTTP front on uWebSockets.js, on two listeners: the public one (the seller API, the
 * sockets, the parties' own traces and returns, health, readiness) and the operator's
 * (metrics, health, readiness, the operator's API), each an App of its own.
 * Hot-path rules (ARCHITECTURE.md, "Rules of the hot path"): onAborted before any await, `req`
 * read before the handler returns, one cork per response, nothing written after an abort.
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
  /** runs uploaded files' rows in the background, through the same seller calls */
  readonly uploads: UploadRunner;

  constructor(private readonly parts: FrontParts) {
    // first: the routes find their sessions by the runtime source as they are attached
    if (parts.sessions !== undefined) useSessionBook(parts.live, parts.sessions);
    this.maxBody = parts.live.current().runtime.data.server.max_body_bytes;
    const server = parts.live.current().runtime.data.server;
    const admission = new CallAdmission({ maxCallsInFlight: server.overload.max_calls_in_flight, maxLoopLagMs: server.overload.max_loop_lag_ms, maxLateShare: server.overload.max_late_share }, parts.metrics);
    this.calls = new SellerCalls({ ...parts, admission });
    this.uploads = new UploadRunner(
      { calls: this.calls, live: parts.live, leases: parts.uploadLeases ?? new MemoryUploadLeases(), durableCalls: parts.store.kind === 'redis', log: parts.log, metrics: parts.metrics },
      { rate: server.uploads.rate, inFlight: server.uploads.in_flight, keepMs: server.uploads.keep, root: uploadsRoot(server.uploads.dir, parts.uploadsScope ?? 'embedded') },
    );
    this.loopDelay = new LoopDelay(
      (ms) => {
        parts.metrics.callWaitSeconds.observe(ms / MS_PER_SECOND);
        admission.observeLoopDelay(ms);
      },
      () => admission.active,
    );
    const app = uws.App();
    const cutOffs = parts.metrics.socketCutOffs;
    const socketBuyer = (key: string | undefined) => {
      const party = parts.live.current().runtime.keys.resolve(key);
      return party?.kind === 'buyer' ? parts.socketBuyers.get(party.buyer.id) : undefined;
    };
    attachBuyerSocket(app, socketBuyer, { maxPayload: server.max_body_bytes, maxBuffered: server.socket_max_buffered_bytes }, (id) => {
      cutOffs.inc({ side: 'buyer', id });
      parts.log.warn({ buyer: id }, 'buyer socket cut off: it stopped reading its pings');
    });
    attachSellerSocket(app, parts.live, this.calls, {
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
    app.get('/v1/leads/:id', leadTraceRoute(parts.live, parts.traces, parts.deliveries, 'public'));
    attachLeadsApi(app, 'public', parts.live, parts.store, parts.log);
    attachReturnsApi(app, 'public', parts.live, parts.returns, parts.log);
    attachReportsApi(app, 'public', parts.live, parts.ledger, parts.log);
    attachPostbacksApi(app, 'public', parts.live, parts.postbacks, parts.log);
    attachBatchesApi(app, 'public', parts.live, parts.batches, parts.log);
    attachCapsApi(app, 'public', parts.live, parts.store, parts.log);
    attachSalesApi(app, 'public', parts.live, parts.ledger, parts.log);
    // a party's browser session and its portal at /portal/: the same login as the console's
    attachSessionRoutes(app, 'public', parts.live);
    attachPortalFiles(app);
    attachSellerSpec(app, parts.live, parts.log);
    attachUploadsApi(app, 'public', parts.live, this.uploads, parts.log);
    app.get('/health', (res, req) => void (refusedFraming(res, req) || sendText(res, watch(res, 'json'), 200, 'application/json', '{"status":"ok"}')));
    app.get('/ready', (res, req) => void (refusedFraming(res, req) || this.ready(res)));
    app.get('/openapi.json', openApiRoute());
    app.get('/asyncapi.json', asyncApiRoute());
    app.any('/*', (res, req) => {
      if (refusedFraming(res, req)) return;
      const state = watch(res, 'json');
      const url = req.getUrl();
      const known = url === '/v1/ping' || url === '/v1/post' || url === '/v1/leads' || url.startsWith('/v1/leads/') || url.startsWith('/v1/returns') || url === '/v1/reports' || url === '/v1/postbacks' || url === '/v1/batches' || url === '/v1/caps' || url === '/v1/sales' || url === '/v1/uploads' || url.startsWith('/v1/uploads/') || url === '/v1/spec' || url === '/v1/ws' || url === '/health' || url === '/ready' || url === '/openapi.json' || url === '/asyncapi.json' || url === '/v1/session' || url.startsWith('/portal');
      sendError(res, state, known ? new GavelError('METHOD_NOT_ALLOWED', `${req.getMethod().toUpperCase()} is not allowed on ${url}`) : new GavelError('NOT_FOUND', `No route ${url}`));
    });
    this.app = app;
    this.operatorApp = this.operatorRoutes(uws.App());
  }

  /** The operator's listener: metrics, health, readiness, and the routes of the operator's key. */
  private operatorRoutes(app: TemplatedApp): TemplatedApp {
    const { live: runtime, returns, ledger, log } = this.parts;
    app.get('/v1/leads/:id', leadTraceRoute(runtime, this.parts.traces, this.parts.deliveries, 'operator'));
    attachLeadsApi(app, 'operator', runtime, this.parts.store, log);
    attachReturnsApi(app, 'operator', runtime, returns, log);
    attachReportsApi(app, 'operator', runtime, ledger, log);
    attachPostbacksApi(app, 'operator', runtime, this.parts.postbacks, log);
    attachBatchesApi(app, 'operator', runtime, this.parts.batches, log);
    attachCapsApi(app, 'operator', runtime, this.parts.store, log);
    attachSalesApi(app, 'operator', runtime, ledger, log);
    attachAdminApi(app, runtime, this.parts.control, log, { scan: (from, to, each, shards) => this.parts.traces.scan(from, to, each, shards) });
    attachExperimentsApi(app, runtime, this.parts.control, ledger, log);
    attachUploadsApi(app, 'operator', runtime, this.uploads, log);
    // the operator's console: its files, its login, its live feed
    attachConsoleFiles(app);
    attachSessionRoutes(app, 'operator', runtime);
    attachMarketStream(app, runtime, new MarketSampler(this.parts.metrics));
    attachConsoleCampaigns(app, runtime, log, this.parts.demo ?? null);
    app.get('/health', (res, req) => void (refusedFraming(res, req) || sendText(res, watch(res, 'json'), 200, 'application/json', '{"status":"ok"}')));
    app.get('/ready', (res, req) => void (refusedFraming(res, req) || this.ready(res)));
    app.get('/openapi.json', openApiRoute());
    app.get('/asyncapi.json', asyncApiRoute());
    app.get('/metrics', metricsRoute(runtime, this.parts.metrics, this.parts.setMetrics));
    app.any('/*', (res, req) => {
      if (refusedFraming(res, req)) return;
      const state = watch(res, 'json');
      const url = req.getUrl();
      const known = url === '/v1/leads' || url.startsWith('/v1/leads/') || url.startsWith('/v1/returns') || url === '/v1/reports' || url === '/v1/postbacks' || url === '/v1/batches' || url === '/v1/caps' || url === '/v1/sales' || url === '/v1/uploads' || url.startsWith('/v1/uploads/') || url === '/health' || url === '/ready' || url === '/metrics' || url === '/openapi.json' || url === '/asyncapi.json' || url === '/v1/session' || url.startsWith('/v1/console/') || url.startsWith('/console');
      sendError(res, state, known ? new GavelError('METHOD_NOT_ALLOWED', `${req.getMethod().toUpperCase()} is not allowed on ${url}`) : new GavelError('NOT_FOUND', `No route ${url} on the operator listener`));
    });
    return app;
  }

  /**
   * `shared`: other processes of the same set listen on this port too (SO_REUSEPORT, the kernel
   * spreads the connections); otherwise the port is this process's alone, so a second Gavel
   * started by mistake on it fails at start instead of silently taking half the traffic.
   */
  listen(host: string, port: number, shared = false): Promise<number> {
    return listenOn(this.app, host, port, shared, (socket) => {
      this.listenSocket = socket;
      this.loopDelay.start();
    });
  }

  listenOperator(host: string, port: number, shared = false): Promise<number> {
    return listenOn(this.operatorApp, host, port, shared, (socket) => (this.operatorSocket = socket));
  }

  /** The seller calls on Node's HTTP server, for clients that pipeline (src/front/pipelined-listener.ts). */
  listenPipelined(host: string, port: number): Promise<number> {
    this.pipelined = new PipelinedListener({
      live: this.parts.live,
      calls: this.calls,
      begin: () => this.begin(),
      end: () => this.end(),
      draining: () => this.draining,
      readiness: () => readiness(this.parts.store, this.draining, this.parts.uwsFallbackAllowed === true, this.parts.live.current().version),
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
    let key = bearerKey(auth);
    if (auth === '') {
      // no key header: a seller's portal sending a test lead with its session cookie. Read only
      // here, so a call that carries its key costs nothing more; a cookie is a browser's ambient
      // credential, so the call must come from the portal's own origin (request-caller.ts)
      const session = sessionKey(credentialsOf(req, 'public'), sessionBookOf(this.parts.live));
      if (session instanceof Promise) return this.sellerBySession(res, state, session, route, format, contentType, length, idempotencyKey);
      if (session instanceof GavelError) return sendError(res, state, session);
      key = session;
    }
    const party = this.parts.live.current().runtime.keys.resolve(key);
    if (party?.kind !== 'seller') return sendError(res, state, unknownKey(key));
    const seller = party.seller;
    if (format === null) return sendError(res, state, unsupportedMediaType(contentType));
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
      const readAt = performance.now();
      setImmediate(() => {
        if (state.aborted) return this.end();
        this.handle(res, state, seller, route, body, idempotencyKey === '' ? undefined : idempotencyKey, performance.now() - readAt).finally(() => this.end());
      });
    });
  }

  /**
   * A seller's portal test lead whose session is in the shared store: the same checks as
   * `seller`, once the store has answered. The body is read meanwhile, since uWS hands it over
   * only to a reader attached before the handler returns.
   */
  private sellerBySession(res: HttpResponse, state: RequestState, session: Promise<string | undefined | GavelError>, route: SellerRoute, format: ReturnType<typeof formatOf>, contentType: string, length: string, idempotencyKey: string): void {
    if (length !== '' && Number(length) > this.maxBody) return sendError(res, state, new GavelError('BODY_TOO_LARGE', `The body is over ${this.maxBody} bytes`), true);
    readBody(res, this.maxBody, (body) => {
      void session.then((key) => {
        if (key instanceof GavelError) return sendError(res, state, key);
        const party = this.parts.live.current().runtime.keys.resolve(key);
        if (party?.kind !== 'seller') return sendError(res, state, unknownKey(key));
        if (format === null) return sendError(res, state, unsupportedMediaType(contentType));
        if (body === null) return sendError(res, state, new GavelError('BODY_TOO_LARGE', `The body is over ${this.maxBody} bytes`), true);
        if (this.draining) return sendError(res, state, new GavelError('SHUTTING_DOWN'), true);
        this.begin();
        const readAt = performance.now();
        setImmediate(() => {
          if (state.aborted) return this.end();
          this.handle(res, state, party.seller, route, body, idempotencyKey === '' ? undefined : idempotencyKey, performance.now() - readAt).finally(() => this.end());
        });
      });
    });
  }

  /** `queuedMs`: how long the call, read in whole, waited for its turn to start */
  private async handle(res: HttpResponse, state: RequestState, seller: SellerRuntime, route: SellerRoute, body: Buffer, idempotencyKey: string | undefined, queuedMs: number): Promise<void> {
    let raw: unknown;
    try {
      raw = decodeBody(body, state.format);
    } catch (e) {
      return sendError(res, state, e as GavelError);
    }
    const result = await this.calls.run(seller, route, raw, state.receivedAt, body.length, idempotencyKey, queuedMs);
    send(res, state, result.status, result.body);
    this.calls.written(result, state.receivedAt);
  }

  private async ready(res: HttpResponse): Promise<void> {
    const state = watch(res, 'json');
    const r = await readiness(this.parts.store, this.draining, this.parts.uwsFallbackAllowed === true, this.parts.live.current().version);
    send(res, state, r.status, r.body);
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

/** The key behind a seller call's session cookie (no cookie: undefined, answered as a missing key), or why it is refused. */
function sessionKey(c: ReturnType<typeof credentialsOf>, book: SessionBook): string | undefined | GavelError | Promise<string | undefined | GavelError> {
  const key = requestKey(c, book);
  if (key instanceof Promise) return key.then((k) => ('key' in k ? k.key : k));
  return 'key' in key ? key.key : key;
}

/** A listener could not open its port: the start fails with this message. */
export class ListenRefused extends Error {}

/** uWS's listen with options (host, port, options, cb): in the binding, missing from its type definitions. */
type ListenWithOptions = (host: string, port: number, options: number, cb: (socket: us_listen_socket | false) => void) => void;

function listenOn(app: TemplatedApp, host: string, port: number, shared: boolean, listening: (socket: us_listen_socket) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    // uWS sets SO_REUSEPORT on Linux unless told the port is exclusive
    const options = shared ? 0 : LISTEN_EXCLUSIVE_PORT;
    (app.listen as unknown as ListenWithOptions).call(app, host, port, options, (socket) => {
      if (!socket) return reject(new ListenRefused(`cannot listen on ${host}:${port}${shared ? '' : ': the port is taken, or the address is not this machine\'s (another Gavel on it? to run several processes on one port, start one Gavel with --processes N)'}`));
      listening(socket);
      resolve(uws.us_socket_local_port(socket as never));
    });
  });
}
