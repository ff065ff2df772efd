import { Exchange } from './auction/exchange.js';
import { HttpBuyerTransport } from './buyers/http-transport.js';
import { SocketBuyerTransport } from './buyers/socket-transport.js';
import type { BuyerTransport } from './buyers/transport.js';
import { clearKeyHolders, compileRuntime, type Runtime } from './config/runtime.js';
import { AcceptRates } from './market/accept-rates.js';
import { BuyerGuards } from './buyers/buyer-guards.js';
import { templateCodec } from './buyers/templates/template-codec.js';
import type { BreakerState } from './config/breaker-schema.js';
import { ScorePool } from './scoring/score-pool.js';
import type { ConfigData } from './config/schema.js';
import { HttpFront } from './front/http-server.js';
import { UWS_BINARY, UWS_NATIVE } from './front/uws.js';
import { MemoryStore } from './store/memory-store.js';
import { RedisStore } from './store/redis-store.js';
import type { Store } from './store/store.js';
import { createLogger, type Logger } from './telemetry/logger.js';
import { createMetrics, type Metrics } from './telemetry/metrics.js';
import { TraceRecorder } from './trace/trace-recorder.js';
import { durationMs } from './core/duration.js';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Ledger } from './ledger/ledger.js';
import { LedgerWriter } from './ledger/ledger-writer.js';
import { openLedger } from './ledger/open-ledger.js';
import { MemoryLedger } from './ledger/memory-ledger.js';
import { SaleQueue } from './ledger/sales-queue.js';
import { SaleRecorder } from './ledger/sale-recorder.js';
import { Returns } from './ledger/returns.js';
import { LeadStats } from './ledger/lead-stats.js';
import { Postbacks } from './notify/postbacks.js';
import { runShutdown } from './shutdown-steps.js';
import { within } from './core/within.js';

export interface GavelOptions {
  config: ConfigData;
  host?: string;
  port?: number;
  /** the operator listener's address; wins over the config's server.operator (port 0: any free one) */
  operatorHost?: string;
  operatorPort?: number;
  /** REDIS_URL; wins over the config's redis block. Neither: the embedded memory store. */
  redisUrl?: string;
  /** REDIS_CLUSTER ("host:port,host:port"): seed nodes of a Redis Cluster; wins over the config */
  redisCluster?: string[];
  /** DATABASE_URL: the ledger's PostgreSQL; wins over the config's ledger.postgres_url. Neither: a memory ledger. */
  postgresUrl?: string;
  /** GAVEL_SECRET; wins over the config's secret */
  secret?: string;
  logLevel?: string;
  /** --allow-uws-fallback / GAVEL_ALLOW_UWS_FALLBACK: serve even on uWebSockets.js's pure-JS fallback */
  allowUwsFallback?: boolean;
}

/** Gavel will not start as things are; the message says why and what to do. */
export class StartRefused extends Error {}

export interface Gavel {
  port: number;
  /** the operator listener's port: /metrics and the operator's API */
  operatorPort: number;
  /** the pipelined listener's port, when server.pipelined configures one */
  pipelinedPort?: number;
  runtime: Runtime;
  store: Store;
  ledger: Ledger;
  /** moves queued sales into the ledger (tests drain it) */
  ledgerWriter: LedgerWriter;
  /** the reports' counts not yet sent to the ledger (tests flush them) */
  stats: LeadStats;
  metrics: Metrics;
  log: Logger;
  /** SIGTERM's path: stop accepting, finish what is in flight, close pools and the store */
  shutdown(): Promise<void>;
}

/** Build an exchange from a validated config and start listening. */
export async function startGavel(opts: GavelOptions): Promise<Gavel> {
  // the environment wins over the config file, whichever kind of Redis each names
  const fromEnv = opts.redisUrl !== undefined || opts.redisCluster !== undefined;
  const redisUrl = fromEnv ? opts.redisUrl : opts.config.redis?.url;
  const cluster = (fromEnv ? opts.redisCluster : opts.config.redis?.cluster)?.map((node) => {
    const i = node.lastIndexOf(':');
    return { host: node.slice(0, i), port: Number(node.slice(i + 1)) };
  });
  const shared = redisUrl !== undefined || cluster !== undefined;
  if (shared && opts.secret === undefined && opts.config.secret === undefined) {
    // every process must hash identifiers alike, or dedup across processes silently fails
    throw new Error('a shared store needs a shared secret: set GAVEL_SECRET or `secret` in the config');
  }
  const runtime = compileRuntime(opts.config, opts.secret);
  const log = createLogger(runtime.piiFields, opts.logLevel);
  if (!UWS_NATIVE && opts.allowUwsFallback !== true) {
    const why =
      `uWebSockets.js NATIVE BINARY NOT LOADED (${UWS_BINARY ?? `none for ${process.platform} ${process.arch}, Node ABI ${process.versions.modules}`}): ` +
      'Gavel will not serve on its slow pure-JS fallback unnoticed. Reinstall node_modules for this Node version, ' +
      'or start with --allow-uws-fallback (GAVEL_ALLOW_UWS_FALLBACK=1) to serve on it anyway.';
    log.fatal({ binary: UWS_BINARY }, why);
    throw new StartRefused(why);
  }
  if (!UWS_NATIVE) log.error({ binary: UWS_BINARY }, 'uWebSockets.js NATIVE BINARY NOT LOADED: serving on the slow pure-JS fallback, as allowed by --allow-uws-fallback');
  for (const party of clearKeyHolders(opts.config)) {
    log.warn({ party }, `a key in clear in the config for ${party}: store its hash instead (see hash-key in the README)`);
  }
  if (runtime.secretGenerated) log.warn('no secret configured: dedup hashes use a random per-process key (fine for one process, wrong for several)');

  let store: Store;
  const where = cluster !== undefined ? { redis_cluster: cluster.map((n) => `${n.host}:${n.port}`) } : redisUrl !== undefined ? { redis: redisUrl.replace(/\/\/[^@]*@/, '//***@') } : {};
  if (shared) {
    const prefix = opts.config.redis?.prefix ?? 'gavel:';
    const redis = new RedisStore(cluster !== undefined ? { cluster, prefix } : { url: redisUrl!, prefix });
    const ok = await redis.waitReady(5000);
    if (!ok) log.error(where, 'Redis not reachable yet: answering 503 STORE_UNAVAILABLE until it is');
    store = redis;
  } else {
    store = new MemoryStore(opts.config.trace.memory_max_leads);
  }
  log.info(
    { store: store.kind, ...where },
    store.kind === 'redis'
      ? `store: Redis${cluster ? ' Cluster' : ''} (shared by every Gavel process on it)`
      : 'store: EMBEDDED MEMORY (one process only; set REDIS_URL or REDIS_CLUSTER for a shared store)',
  );

  if (store.kind === 'redis') {
    const persistence = await within(store.persistence(), 2000, () => undefined).catch(() => 'unknown' as const);
    if (persistence === 'none') {
      log.error(
        { persistence, ...where },
        'REDIS KEEPS NOTHING ON DISK (no save points, appendonly no): if it restarts it comes back empty, and with it go the postbacks ' +
          'queued but not yet sent, cap holds and counters, dedup claims, auctions between ping and post, idempotency keys, traces, rate limits, turns and accept rates ' +
          `(sales are written into the ledger on the post's path${opts.config.ledger.direct_ms === 0 ? ', but NOT with ledger.direct_ms 0: queued sales go too' : ''}). ` +
          'Run it with appendonly yes (appendfsync everysec); see the README, "What each store\'s loss costs"',
      );
    } else if (persistence === 'unknown') {
      log.warn({ persistence, ...where }, 'Redis persistence unknown (CONFIG GET refused or unanswered): check it keeps its data on disk (appendonly yes)');
    } else {
      log.info({ persistence, ...where }, `Redis persistence: ${persistence}`);
    }
  }

  const transports = new Map<string, BuyerTransport>();
  const socketBuyers = new Map<string, SocketBuyerTransport>();
  // the breakers are made once the exchange's parts are: the gauge reads them through this
  let breakerStates: () => Iterable<[string, BreakerState]> = () => [];
  const metrics = createMetrics(
    function* () {
      for (const [id, t] of transports) yield [id, t.queued()];
    },
    () => breakerStates(),
  );
  for (const b of runtime.buyers) {
    if (b.config.transport === 'websocket') {
      const t = new SocketBuyerTransport(b.id, new Set(b.config.campaigns), () => metrics.lateBuyerAnswers.inc({ buyer: b.id }));
      transports.set(b.id, t);
      socketBuyers.set(b.id, t);
    } else {
      const transport = new HttpBuyerTransport({
        // a fixed-price buyer has no ping_url and is never pinged: its pool is its post origin's
        pingUrl: b.config.ping_url ?? b.config.post_url!,
        postUrl: b.config.post_url!,
        connections: b.config.connections,
        headers: b.config.headers,
        ...(b.config.format !== undefined ? { codec: templateCodec(b.config.format) } : {}),
      });
      transports.set(b.id, transport);
    }
  }
  const scoring = Object.fromEntries([...runtime.campaigns.values()].flatMap((c) => (c.scoring === null ? [] : [[c.id, c.scoring]])));
  const scores = Object.keys(scoring).length === 0 ? null : new ScorePool(scoring, runtime.data.scoring_pool, (n) => metrics.scoreBatch.observe(n));
  const ranked = new Set([...runtime.campaigns.values()].filter((c) => c.rankBy === 'expected_value').flatMap((c) => c.buyers.map((b) => b.id)));
  const acceptRates = new AcceptRates(runtime, store, [...ranked], (op) => metrics.storeErrors.inc({ op, kind: 'error' }));
  acceptRates.start();
  if (scores !== null) {
    await scores.warm();
    log.info({ campaigns: Object.keys(scoring), threads: runtime.data.scoring_pool.threads }, 'scoring pool started');
  }
  const guards = new BuyerGuards(runtime.buyers, (buyer, from, to, why) => {
    metrics.breakerTransitions.inc({ buyer, to });
    (to === 'open' ? log.warn : log.info).call(log, { buyer, from, to, why }, `circuit breaker ${to}`);
  });
  breakerStates = () => guards.states();
  const recording = opts.config.ledger.enabled;
  // off: an empty memory ledger answers returns and reports, and nothing is fed to it
  const ledger = recording ? await openLedger(opts.postgresUrl ?? opts.config.ledger.postgres_url, opts.config.ledger.schema, log) : new MemoryLedger();
  if (!recording) log.warn('ledger OFF (ledger.enabled: false): no sale is recorded, no report counted');
  const salesQueue = new SaleQueue(store, metrics, log);
  const sales = new SaleRecorder(ledger, salesQueue, { directMs: opts.config.ledger.direct_ms, maxKept: opts.config.ledger.max_kept_sales }, metrics, log);
  // this process's name in the durable queues' consumer groups
  const consumer = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const ledgerWriter = new LedgerWriter(
    store,
    ledger,
    { consumer, batchSize: opts.config.ledger.batch_size, pollMs: opts.config.ledger.poll_ms, reclaimMs: durationMs(opts.config.ledger.reclaim_after) },
    metrics,
    log,
  );
  if (recording) ledgerWriter.start();
  const postbacks = new Postbacks(opts.config, store, { consumer, pollMs: opts.config.ledger.poll_ms, reclaimMs: durationMs(opts.config.ledger.reclaim_after) }, metrics, log);
  postbacks.start();
  const exchange = new Exchange({
    runtime,
    store,
    transports,
    metrics,
    log,
    scores,
    acceptRates,
    guards,
    sales: recording ? sales : null,
    // who lost a settled lead is only worked out when some buyer asked to be told
    lossNotices: postbacks.buyersListen ? (leadId, test, lost, clearing) => postbacks.lost(leadId, test, lost, clearing) : null,
  });
  const tracing = runtime.data.trace;
  // reports' counts are rolled up from the traces as they are handed over
  const stats = new LeadStats(store, { consumer, flushMs: durationMs(opts.config.ledger.stats_flush) }, log);
  if (recording) stats.start();
  const traces = new TraceRecorder(
    store,
    { enabled: tracing.enabled, retentionMs: durationMs(tracing.retention), maxBuffered: tracing.max_buffered, flushMs: tracing.flush_ms, batchSize: 256, maxSegments: 8 },
    metrics,
    log,
    recording ? (seg) => stats.add(seg, Date.now()) : undefined,
  );
  if (!tracing.enabled) log.warn('lead traces are OFF (trace.enabled: false): GET /v1/leads/{id} finds nothing');
  const returns = new Returns(runtime, ledger, store, acceptRates, log);
  // a return the operator or the campaign approved is the lead's last result: its seller is told what is clawed back
  returns.onApproved((r) => postbacks.returned(r));
  const front = new HttpFront({ runtime, exchange, store, metrics, log, socketBuyers, traces, returns, postbacks, ledger, uwsFallbackAllowed: opts.allowUwsFallback === true });
  const operator = opts.config.server.operator;
  let port: number;
  let operatorPort: number;
  let pipelinedPort: number | undefined;
  const pipelined = opts.config.server.pipelined;
  try {
    operatorPort = await front.listenOperator(opts.operatorHost ?? operator.host, opts.operatorPort ?? operator.port);
    if (pipelined !== undefined) pipelinedPort = await front.listenPipelined(pipelined.host, pipelined.port);
    port = await front.listen(opts.host ?? '0.0.0.0', opts.port ?? 8080);
  } catch (e) {
    await front.close();
    throw e;
  }
  log.info({ port, operator_port: operatorPort, ...(pipelinedPort !== undefined ? { pipelined_port: pipelinedPort } : {}), uws_native: UWS_NATIVE, campaigns: runtime.campaigns.size, buyers: runtime.buyers.length }, 'gavel listening');

  let closing: Promise<void> | null = null;
  const shutdown = () =>
    (closing ??= (async () => {
      const failed = await runShutdown(
        [
          [
            'drain',
            async () => {
              if (!(await front.drain(runtime.data.server.drain_timeout_ms))) log.warn('drain timeout: closing with requests still in flight');
            },
          ],
          ['close connections', () => front.close()],
          ['buyer transports', () => Promise.all([...transports.values()].map((t) => t.close()))],
          ['accept rates', () => acceptRates.close()],
          ['traces', () => traces.close()],
          // what this process sold is queued already; record what it can before it goes
          ['postbacks', () => postbacks.close()],
          ['report counts', () => stats.close()],
          ['sales', () => sales.close()],
          ['sales queue', () => salesQueue.close()],
          ['ledger writer', () => ledgerWriter.close()],
          ['ledger drain', () => ledgerWriter.drain(2000)],
          ['ledger', () => ledger.close()],
          ['scoring pool', () => scores?.close()],
          ['store', () => store.close()],
        ],
        log,
      );
      if (failed.length > 0) throw new Error(`shutdown steps failed: ${failed.join(', ')}`);
      log.info('gavel stopped');
    })());

  return { port, operatorPort, ...(pipelinedPort !== undefined ? { pipelinedPort } : {}), runtime, store, ledger, ledgerWriter, stats, metrics, log, shutdown };
}
