import { createHash } from 'node:crypto';
import cluster from 'node:cluster';
import { performance } from 'node:perf_hooks';
import { Exchange } from './auction/exchange.js';
import type { DemoInfo } from './protocol/console-api.js';
import type { BuyerTransport } from './buyers/transport.js';
import type { BuyerGuards } from './buyers/buyer-guards.js';
import { processSettings, type Overrides, type ProcessSettings } from './config/environment.js';
import { clearKeyHolders, compileRuntime, type Runtime } from './config/runtime.js';
import { LiveRuntime, type Versioned } from './config/live-runtime.js';
import { LiveBuyers } from './live-buyers.js';
import { LiveSwap } from './live-swap.js';
import type { ConfigData } from './config/schema.js';
import { parseConfig } from './config/load-config.js';
import { GavelError } from './core/codes.js';
import { LocalConfigBus, type ConfigBus } from './versions/config-bus.js';
import { ConfigControl } from './versions/config-control.js';
import type { ConfigVersions } from './versions/config-versions.js';
import { FileVersions } from './versions/file-versions.js';
import { RedisConfigBus } from './versions/redis-config-bus.js';
import { RedisStore } from './store/redis-store.js';
import { RedisSessions } from './store/redis-sessions.js';
import { SharedSessions } from './front/shared-sessions.js';
import { refuseUnswappable, SwapRefused } from './live-buyers.js';
import { HttpFront, ListenRefused } from './front/http-server.js';
import { UWS_BINARY, UWS_NATIVE } from './front/uws.js';
import type { Ledger } from './ledger/ledger.js';
import type { LedgerWriter } from './ledger/ledger-writer.js';
import type { LeadStats } from './ledger/lead-stats.js';
import { Returns } from './ledger/returns.js';
import { Postbacks } from './notify/postbacks.js';
import { Deliveries } from './delivery/deliveries.js';
import { runShutdown, shutdownSteps } from './shutdown-steps.js';
import { openLedgerParts } from './start-ledger.js';
import { BatchesRefused, openBatches, refuseSharedMemory } from './start-batches.js';
import type { BatchDeliveries } from './delivery/batch-deliveries.js';
import { buyerGuards, openBuyerTransports, openTransport, startScoring, type PostQueues } from './start-pools.js';
import { openStore } from './start-store.js';
import type { Store } from './store/store.js';
import { createLogger, type Logger } from './telemetry/logger.js';
import { createMetrics, type Metrics } from './telemetry/metrics.js';
import { joinClusterMetrics } from './telemetry/cluster-metrics.js';
import { TraceRecorder } from './trace/trace-recorder.js';
import { warmConnections } from './warm-connections.js';
import { MemoryUploadLeases, RedisUploadLeases } from './uploads/upload-leases.js';
import { warmHotPaths } from './warm-hot-paths.js';

/** A validated config, and what the command line and the environment say over it (src/config/environment.ts). */
export interface GavelOptions extends Overrides {
  config: ConfigData;
  /**
   * Where the configuration's versions are kept (PostgreSQL, or a file read-only: see openVersions)
   * and the number of the one `config` is. None: `config` is the only version, read-only.
   */
  versions?: { store: ConfigVersions; startedOn: number };
  /** how often the live version is read when no notice comes (default 1000 ms) */
  configPollMs?: number;
  /** the first run's demo market, when main starts one: the console labels it */
  demo?: DemoInfo;
}

/** The notices of new versions go over the shared Redis when there is one; the embedded store's process hears itself. */
function configBus(store: Store): ConfigBus {
  return store instanceof RedisStore ? new RedisConfigBus(store.client, store.prefix) : new LocalConfigBus();
}

/** Gavel will not start as things are; the message says why and what to do. */
export class StartRefused extends Error {}

export interface Gavel {
  port: number;
  /** the operator listener's port: /metrics and the operator's API */
  operatorPort: number;
  /** the pipelined listener's port, when server.pipelined configures one */
  pipelinedPort?: number;
  /** the configuration the process started on (see `live` for the one it runs now) */
  runtime: Runtime;
  /** the configuration of the moment, and its version */
  live: LiveRuntime;
  /**
   * Compile a validated configuration, build what it needs (a scoring pool for new models) and make
   * it live in one step: leads already running finish on the version they started with. Rejects
   * with the config's problems (ConfigError) or SwapRefused (a change that needs a restart, or
   * models that cannot be loaded) with nothing changed. Swaps run one at a time, in call order.
   */
  reload(config: ConfigData, version?: number): Promise<Versioned>;
  /** follows the live version, and publishes for the admin API */
  control: ConfigControl;
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

/** Start-up step: refuse to serve on uWebSockets.js's slow pure-JS fallback unless told to. */
function checkUws(allowed: boolean, log: Logger): void {
  if (!UWS_NATIVE && !allowed) {
    const why =
      `uWebSockets.js NATIVE BINARY NOT LOADED (${UWS_BINARY ?? `none for ${process.platform} ${process.arch}, Node ABI ${process.versions.modules}`}): ` +
      'Gavel will not serve on its slow pure-JS fallback unnoticed. Reinstall node_modules for this Node version, ' +
      'or start with --allow-uws-fallback (GAVEL_ALLOW_UWS_FALLBACK=1) to serve on it anyway.';
    log.fatal({ binary: UWS_BINARY }, why);
    throw new StartRefused(why);
  }
  if (!UWS_NATIVE) log.error({ binary: UWS_BINARY }, 'uWebSockets.js NATIVE BINARY NOT LOADED: serving on the slow pure-JS fallback, as allowed by --allow-uws-fallback');
}

/** Start-up step: say which keys sit in the config in clear, and when the secret was made up. */
function warnAboutKeys(runtime: Runtime, log: Logger): void {
  for (const party of clearKeyHolders(runtime.data)) {
    log.warn({ party }, `a key in clear in the config for ${party}: store its hash instead (see hash-key in the README)`);
  }
  if (runtime.secretGenerated) log.warn('no secret configured: dedup hashes use a random per-process key (fine for one process, wrong for several)');
}

/** Ping connections opened ahead per HTTP buyer (at most its pool's size), and how long a buyer has to accept them. */
const WARM_CONNECTIONS = 4;
const WARM_CONNECT_MS = 1000;
/** Rounds of the hot pure code per campaign, and the most they may take. */
const WARM_ROUNDS = 3000;
const WARM_PATHS_MS = 1000;
/**
 * Compiled code belongs to the process, not to one Gavel: a second Gavel started in the same
 * process (tests, an embedding program) finds its hot paths compiled already and warms only its
 * connections.
 */
let hotPathsWarmed = false;

/**
 * Start-up step, before any listener opens (so /ready cannot answer 200, and no seller call can
 * land, on a cold process): the buyers' ping connections opened and the hot code compiled at the
 * same time. At most about a second; a buyer that is down is logged and left to connect on demand.
 */
async function warmUp(runtime: Runtime, transports: ReadonlyMap<string, BuyerTransport>, log: Logger): Promise<void> {
  const t0 = performance.now();
  const connecting = warmConnections(runtime, transports, WARM_CONNECTIONS, WARM_CONNECT_MS);
  const paths = hotPathsWarmed ? { rounds: 0, campaigns: 0, ms: 0 } : await warmHotPaths(runtime, WARM_ROUNDS, WARM_PATHS_MS);
  hotPathsWarmed = true;
  const connections = await connecting;
  for (const buyer of connections.unreached) log.warn({ buyer, within_ms: WARM_CONNECT_MS }, 'buyer not reached while warming up: its pings will connect on demand');
  log.info({ ms: Math.round(performance.now() - t0), buyer_connections: connections.opened, rounds: paths.rounds, campaigns: paths.campaigns, hot_paths_ms: Math.round(paths.ms) }, 'warmed up');
}

/** Start-up step: the operator's listener, the pipelined one if configured, then the public one; none stays open if one fails. */
async function listen(front: HttpFront, settings: ProcessSettings): Promise<{ port: number; operatorPort: number; pipelinedPort?: number }> {
  try {
    const operatorPort = await front.listenOperator(settings.operator.host, settings.operator.port, settings.sharedPorts);
    const pipelinedPort = settings.pipelined === undefined ? undefined : await front.listenPipelined(settings.pipelined.host, settings.pipelined.port);
    const port = await front.listen(settings.listen.host, settings.listen.port, settings.sharedPorts);
    return { port, operatorPort, ...(pipelinedPort !== undefined ? { pipelinedPort } : {}) };
  } catch (e) {
    await front.close();
    throw e instanceof ListenRefused ? new StartRefused(e.message) : e;
  }
}

/** Build an exchange from a validated config and start listening: the steps above, in order. */
export async function startGavel(opts: GavelOptions): Promise<Gavel> {
  const settings = processSettings(opts.config, opts);
  const runtime = compileRuntime(opts.config, settings.secret);
  const log = createLogger(runtime.piiFields, settings.logLevel);
  checkUws(settings.allowUwsFallback, log);
  warnAboutKeys(runtime, log);
  const relay = Deliveries.problemOf(runtime.data);
  if (relay !== null) throw new StartRefused(relay);
  try {
    refuseSharedMemory(runtime, settings.store.kind, settings.postgresUrl !== undefined && runtime.data.ledger.enabled);
  } catch (e) {
    if (e instanceof BatchesRefused) throw new StartRefused(e.message);
    throw e;
  }
  const store = await openStore(settings.store, { memoryMaxLeads: runtime.data.trace.memory_max_leads, ledgerDirectMs: runtime.data.ledger.direct_ms }, log);

  // the gauges read the transports and the breakers, made once the metrics they count into are
  let transports: ReadonlyMap<string, BuyerTransport> = new Map();
  let guards: BuyerGuards | null = null;
  const metrics = createMetrics(
    function* () {
      for (const [id, t] of transports) yield [id, t.queued()];
    },
    () => guards?.states() ?? [],
  );
  const { recording, ledger, salesQueue, sales, ledgerWriter, stats, consumer } = await openLedgerParts(runtime, settings.postgresUrl, store, metrics, log);
  const queueSettings = { consumer, pollMs: runtime.data.ledger.poll_ms, reclaimMs: runtime.data.ledger.reclaim_after };
  const postbacks = new Postbacks(runtime.data, store, queueSettings, metrics, log);
  postbacks.start();
  const deliveries = new Deliveries(runtime.data, runtime.secret, store, queueSettings, runtime.data.trace.retention, metrics, log);
  deliveries.start();

  // the post of a buyer with no post_url queues its lead: into the batch files (opened once the live runtime is, below) or for its e-mail
  let batches: BatchDeliveries | null = null;
  const postQueues: PostQueues = {
    batch: (sale) => (batches === null ? Promise.reject(new Error('batch files not open yet')) : batches.addToBatch(sale)),
    email: (sale) => deliveries.queueEmail(sale),
  };
  const buyers = openBuyerTransports(runtime, metrics, postQueues);
  transports = buyers.all;
  const { scores, acceptRates } = await startScoring(runtime, store, metrics, log);
  guards = buyerGuards(runtime, metrics, log);
  const live = new LiveRuntime(runtime, opts.versions?.startedOn ?? 1);
  try {
    batches = openBatches({ runtime, live, ledger, postgresUrl: settings.postgresUrl, store, holder: consumer, metrics, log });
  } catch (e) {
    if (e instanceof BatchesRefused) throw new StartRefused(e.message);
    throw e;
  }
  const batchFiles = batches;
  metrics.configVersion.set(live.current().version);
  const liveBuyers = new LiveBuyers(buyers.all, buyers.sockets, guards, (b) => openTransport(b, metrics, postQueues));
  const exchange = new Exchange({
    runtime: live,
    store,
    transports,
    metrics,
    log,
    scores,
    acceptRates,
    guards,
    sales: recording ? sales : null,
    // who lost a settled lead is only worked out when some buyer of the lead's version asked to be told (settlement.ts)
    lossNotices: (leadId, test, lost, clearing) => postbacks.lost(leadId, test, lost, clearing),
    // buyers' other ways of taking a lead beside their post: e-mail and webhook copies, batch files
    // (each a lookup for a buyer that has none)
    deliveries: (sale) => {
      deliveries.sold(sale);
      batchFiles.told(sale);
    },
  });
  const tracing = runtime.data.trace;
  const traces = new TraceRecorder(
    store,
    { enabled: tracing.enabled, retentionMs: tracing.retention, maxBuffered: tracing.max_buffered, flushMs: tracing.flush_ms, batchSize: 256, maxSegments: 8 },
    metrics,
    log,
    recording ? (seg) => stats.add(seg, Date.now()) : undefined,
  );
  if (!tracing.enabled) log.warn('lead traces are OFF (trace.enabled: false): GET /v1/leads/{id} finds nothing');
  const returns = new Returns(live, ledger, store, acceptRates, log);
  // a return the operator or the campaign approved is the lead's last result: its seller is told what is clawed back
  returns.onApproved((r) => postbacks.returned(r));

  const versions = opts.versions?.store ?? new FileVersions({ document: opts.config, label: 'the configuration this process was started with' });
  if (opts.versions === undefined) await versions.start();
  const control = new ConfigControl({
    versions,
    bus: configBus(store),
    processId: consumer,
    startedOn: live.current().version,
    apply: async (v) => void (await reload(parseConfig(v.document, `configuration version ${v.version}`), v.version)),
    swappable: (document) => {
      const now = live.current().runtime;
      try {
        refuseUnswappable(now, compileRuntime(parseConfig(document, 'draft'), settings.secret ?? now.secret));
      } catch (e) {
        if (e instanceof SwapRefused) throw new GavelError('RESTART_REQUIRED', e.message);
        throw e;
      }
    },
    pollMs: opts.configPollMs ?? 1000,
    log,
  });

  // one of a set (--processes N): /metrics answers for the whole set, whichever process is scraped
  const setMetrics = settings.sharedPorts && cluster.isWorker ? joinClusterMetrics(metrics.registry) : undefined;
  // with a shared store, a browser's login holds on every process that shares it (src/front/shared-sessions.ts)
  const sessions = store instanceof RedisStore ? new SharedSessions(new RedisSessions(store.client), runtime.secret) : undefined;
  const uploadLeases = store instanceof RedisStore ? new RedisUploadLeases(store.client) : new MemoryUploadLeases();
  // a digest: the Redis URL may hold a password
  const uploadsScope = settings.store.kind === 'memory' ? 'embedded' : createHash('sha256').update(JSON.stringify(settings.store)).digest('hex').slice(0, 12);
  // a lead's trace shows how each buyer took it beside its post: e-mail, webhook, and its batch file
  const leadDeliveries = { ofLead: async (id: string) => [...(await deliveries.ofLead(id)), ...(await batchFiles.ofLead(id))] };
  const front = new HttpFront({ live, exchange, store, metrics, log, uploadLeases, uploadsScope, ...(setMetrics !== undefined ? { setMetrics } : {}), ...(sessions !== undefined ? { sessions } : {}), socketBuyers: buyers.sockets, traces, returns, postbacks, deliveries: leadDeliveries, batches: batchFiles, ledger, control, uwsFallbackAllowed: settings.allowUwsFallback, ...(opts.demo !== undefined ? { demo: opts.demo } : {}) });
  await warmUp(runtime, transports, log);
  const ports = await listen(front, settings);
  log.info({ pid: process.pid, port: ports.port, operator_port: ports.operatorPort, ...(ports.pipelinedPort !== undefined ? { pipelined_port: ports.pipelinedPort } : {}), uws_native: UWS_NATIVE, campaigns: runtime.campaigns.size, buyers: runtime.buyers.length }, 'gavel listening');

  // rows of uploads left by a process that stopped, and new ones as they come, once serving
  front.uploads.start();

  const steps = shutdownSteps({
    'config versions': () => control.close().then(() => versions.close()),
    // the rows running finish and are recorded; the rest wait for the next start (or another process)
    uploads: () => front.uploads.stop(),
    drain: async () => {
      if (!(await front.drain(runtime.data.server.drain_timeout_ms))) log.warn('drain timeout: closing with requests still in flight');
    },
    'close connections': () => front.close(),
    'buyer transports': () => liveBuyers.close().then(() => Promise.all([...transports.values()].map((t) => t.close()))),
    'accept rates': () => acceptRates.close(),
    traces: () => traces.close(),
    postbacks: () => postbacks.close(),
    deliveries: () => deliveries.close(),
    'batch files': () => batchFiles.close(),
    'report counts': () => stats.close(),
    sales: () => sales.close(),
    'sales queue': () => salesQueue.close(),
    'ledger writer': () => ledgerWriter.close(),
    'ledger drain': () => ledgerWriter.drain(2000),
    ledger: () => ledger.close(),
    'scoring pool': () => scores.close(),
    store: () => store.close(),
  });
  let closing: Promise<void> | null = null;
  const shutdown = () =>
    (closing ??= (async () => {
      const failed = await runShutdown(steps, log);
      if (failed.length > 0) throw new Error(`shutdown steps failed: ${failed.join(', ')}`);
      log.info('gavel stopped');
    })());

  const swaps = new LiveSwap({ live, buyers: liveBuyers, scores, acceptRates, postbacks, deliveries, metrics, log, secret: settings.secret });
  const reload = (config: ConfigData, version?: number): Promise<Versioned> => swaps.apply(config, version);

  await control.start();
  batchFiles.start();
  return { ...ports, runtime, live, reload, control, store, ledger, ledgerWriter, stats, metrics, log, shutdown };
}
