import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { HotCounter } from './hot-counter.js';
import { HotHistogram } from './hot-histogram.js';
import { BREAKER_GAUGE, type BreakerState } from '../config/breaker-schema.js';

/** Prometheus base units: durations in seconds (the bounds are the former ms bounds, 1 ms to 5 s) */
const SECONDS_BUCKETS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5];
/** callers time in milliseconds (performance.now() differences) and divide by this when they observe */
export const MS_PER_SECOND = 1000;

/**
 * The period of the default metrics' event-loop monitor, ms. Each of its samples includes the
 * period, so an idle loop reads about this much: the lag a timer suffers is what is above it.
 */
export const EVENT_LOOP_MONITORING_PRECISION_MS = 100;

/** One registry per exchange (tests run several in one process). Labels are bounded: buyer ids come from config. */
export function createMetrics(poolQueues: () => Iterable<[string, number]> = () => [], breakers: () => Iterable<[string, BreakerState]> = () => []) {
  const registry = new Registry();
  // no prefix: Node's default metrics under their usual names (process_cpu_seconds_total, nodejs_eventloop_lag_seconds, …) so stock dashboards find them
  // the default event-loop monitor wakes the process every 10 ms, which was a third of an idle
  // process's CPU (22 against 14 ms a second, bench/README.md); every 100 ms still gives its lag
  // percentiles, and gavel_call_wait_seconds samples every 10 ms while calls come
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_MONITORING_PRECISION_MS });
  const m = {
    registry,
    pings: new Counter({ name: 'gavel_pings_total', help: 'Pings by campaign and outcome', labelNames: ['campaign', 'outcome'], registers: [registry] }),
    /** counted per buyer per auction in cells (hot-counter.ts), handed to the counter whenever the registry is read */
    bids: new HotCounter({ name: 'gavel_bids_total', help: 'Bids received, by buyer', labelNames: ['buyer'], registers: [registry] }),
    passes: new Counter({ name: 'gavel_buyer_passes_total', help: 'Buyer pings that ended without a bid, by kind', labelNames: ['buyer', 'kind'], registers: [registry] }),
    timeouts: new Counter({ name: 'gavel_buyer_timeouts_total', help: 'Buyer pings dropped at or after their deadline', labelNames: ['buyer'], registers: [registry] }),
    posts: new Counter({ name: 'gavel_posts_total', help: 'Posts to buyers, by buyer and result', labelNames: ['buyer', 'result'], registers: [registry] }),
    sales: new Counter({ name: 'gavel_leads_total', help: 'Seller posts by outcome', labelNames: ['campaign', 'outcome'], registers: [registry] }),
    leftOut: new Counter({ name: 'gavel_buyers_left_out_total', help: 'Buyers left out of an auction or a post, by reason (CAP_REACHED, ALREADY_SOLD_TO_BUYER, PING_RATE)', labelNames: ['buyer', 'reason'], registers: [registry] }),
    duplicates: new Counter({ name: 'gavel_duplicates_total', help: 'Leads caught by dedup', labelNames: ['campaign'], registers: [registry] }),
    storeErrors: new Counter({
      name: 'gavel_store_errors_total',
      help: 'Store calls that failed (kind=error) or whose caller ran out of time first (kind=timeout: a slow store, or a process too busy to read the answer)',
      labelNames: ['op', 'kind'],
      registers: [registry],
    }),
    auctionSeconds: new Histogram({ name: 'gavel_auction_duration_seconds', help: 'Ping received to answer written, seconds', labelNames: ['campaign'], buckets: SECONDS_BUCKETS, registers: [registry] }),
    /** observed per buyer per auction: cells its caller keeps (hot-histogram.ts) */
    buyerSeconds: new HotHistogram('gavel_buyer_ping_duration_seconds', 'Buyer ping reply time, seconds', SECONDS_BUCKETS, registry),
    /** the response margin, measured: from the end of the fan-out to the answer written */
    settleSeconds: new Histogram({
      name: 'gavel_settle_duration_seconds',
      help: 'End of fan-out to answer ready: rank, hold, save (what response_margin_ms must cover), seconds',
      buckets: [0.00025, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.008, 0.013, 0.021, 0.034],
      registers: [registry],
    }),
    /** invariant 5's witness: must stay 0 */
    lateAnswers: new Counter({ name: 'gavel_late_answers_total', help: 'Ping answers (errors included) written after received_at + tmax_ms', labelNames: ['campaign'], registers: [registry] }),
    /** the margin, measured where it is spent: how much time was left when the answer was written */
    slackSeconds: new Histogram({
      name: 'gavel_deadline_slack_seconds',
      help: 'received_at + tmax_ms minus the time the ping answer was written, seconds (negative: late)',
      buckets: [-0.02, -0.005, -0.001, 0, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128],
      registers: [registry],
    }),
    /** pings waiting for a pooled connection: a warning sign that a buyer's pool is too small or the buyer too slow */
    poolQueued: new Gauge({
      name: 'gavel_buyer_pool_queued',
      help: 'Requests waiting for a free connection in a buyer pool',
      labelNames: ['buyer'],
      registers: [registry],
      collect() {
        for (const [buyer, queued] of poolQueues()) this.set({ buyer }, queued);
      },
    }),
    lateBuyerAnswers: new Counter({
      name: 'gavel_buyer_late_answers_total',
      help: 'Socket buyer answers that came after their call was settled, dropped (an HTTP ping past its time is aborted instead)',
      labelNames: ['buyer'],
      registers: [registry],
    }),
    socketCutOffs: new Counter({ name: 'gavel_socket_cutoffs_total', help: 'Sockets closed (1008) because their peer stopped reading, by side (seller, buyer) and id', labelNames: ['side', 'id'], registers: [registry] }),
    scores: new Counter({
      name: 'gavel_scores_total',
      help: 'Leads scored, by grade (A-D), or not scored in time, by why (saturated: the pool queue was full; late: not back when the auction went on; error)',
      labelNames: ['campaign', 'outcome'],
      registers: [registry],
    }),
    scoreBatch: new Histogram({ name: 'gavel_score_batch_size', help: 'Leads per batch sent to the scoring pool', buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256], registers: [registry] }),
    breakerState: new Gauge({
      name: 'gavel_breaker_state',
      help: 'Circuit breaker of each buyer that has one: 0 closed, 1 half-open (one probe), 2 open',
      labelNames: ['buyer'],
      registers: [registry],
      collect() {
        for (const [buyer, state] of breakers()) this.set({ buyer }, BREAKER_GAUGE[state]);
      },
    }),
    breakerTransitions: new Counter({ name: 'gavel_breaker_transitions_total', help: 'Circuit breaker changes, by the state entered', labelNames: ['buyer', 'to'], registers: [registry] }),
    /** the most memory the process has held, for capacity planning (the current RSS is Node's default gauge) */
    peakRss: new Gauge({
      name: 'gavel_process_peak_resident_memory_bytes',
      help: 'Peak resident set size of this process since it started, bytes',
      registers: [registry],
      collect() {
        this.set(process.resourceUsage().maxRSS * 1024);
      },
    }),
    tracesWritten: new Counter({ name: 'gavel_traces_written_total', help: 'Lead trace segments written to the store', registers: [registry] }),
    tracesDropped: new Counter({ name: 'gavel_traces_dropped_total', help: 'Lead trace segments not written, by why (buffer_full, store_error)', labelNames: ['why'], registers: [registry] }),
    ledgerSales: new Counter({ name: 'gavel_ledger_sales_total', help: 'Sales taken off the queue by this process: recorded in the ledger, or replayed (already there)', labelNames: ['result'], registers: [registry] }),
    ledgerErrors: new Counter({ name: 'gavel_ledger_errors_total', help: 'Ledger failures, by op: enqueue (a sale not yet in the durable queue, retried), dequeue, record, bad_event (an event that is not a sale, set aside in the log)', labelNames: ['op'], registers: [registry] }),
    uploadRows: new Counter({ name: 'gavel_upload_rows_total', help: 'Rows of uploaded files with an outcome, by outcome (sold, rejected, invalid): each a direct post of its seller', labelNames: ['outcome'], registers: [registry] }),
    uploadRetries: new Counter({ name: 'gavel_upload_row_retries_total', help: 'Upload rows refused for a passing reason (503: overloaded, the store or the ledger away) and tried again later', registers: [registry] }),
    idempotentCalls: new Counter({ name: 'gavel_idempotent_calls_total', help: 'Seller calls with an idempotency key, by result: run (the first), replayed (a retry given the first answer), or the code it was refused with', labelNames: ['result'], registers: [registry] }),
    salesRecorded: new Counter({ name: 'gavel_sales_recorded_total', help: 'Sales accepted by buyers, by the way they took to the ledger: direct (written on the post path) or queued (the ledger did not answer in time: the durable queue, and kept in this process until the ledger takes them)', labelNames: ['path'], registers: [registry] }),
    salesUnrecorded: new Gauge({ name: 'gavel_sales_unrecorded', help: 'Sales this process sold while the ledger was away and keeps until the ledger takes them (they wait in the durable queue too)', registers: [registry] }),
    salesUnqueued: new Gauge({ name: 'gavel_sales_unqueued', help: 'Sales this process holds because the durable queue refused them; retried each second (lost if the process dies)', registers: [registry] }),
    postbacks: new Counter({ name: 'gavel_postbacks_total', help: 'Seller postbacks by result: delivered, retried (a try failed; another follows), given_up, unqueued (the queue refused it)', labelNames: ['result'], registers: [registry] }),
    deliveries: new Counter({ name: 'gavel_deliveries_total', help: 'Sold leads delivered to their buyers beside their post, by channel (email, webhook) and result: delivered, retried (a try failed; another follows), given_up, unqueued (the queue refused it)', labelNames: ['channel', 'result'], registers: [registry] }),
    batches: new Counter({ name: 'gavel_batch_files_total', help: "Buyers' batch files by result: built, delivered, retried (a try failed; another follows after its backoff), unqueued (a sold lead not queued for its batch)", labelNames: ['buyer', 'result'], registers: [registry] }),
    /** what can be measured from inside: the event loop's delay (loop-delay.ts), not a call's own wait */
    callWaitSeconds: new Histogram({
      name: 'gavel_call_wait_seconds',
      help: 'Event-loop delay sampled every 10 ms, seconds: about how long a seller call arriving then waited before it was handled (its tmax clock starts only then)',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1],
      registers: [registry],
    }),
    callsShed: new Counter({ name: 'gavel_calls_shed_total', help: 'New leads refused with OVERLOADED before they started, by route and why: loop_lag (the event loop was behind), queued (the call waited past server.overload.max_loop_lag_ms for its turn to start), late_answers (over server.overload.max_late_share of recent answers were late) or in_flight (server.overload.max_calls_in_flight)', labelNames: ['route', 'why'], registers: [registry] }),
    inFlight: new Gauge({ name: 'gavel_auctions_in_flight', help: 'Auctions and posts being handled', registers: [registry] }),
    configVersion: new Gauge({ name: 'gavel_config_version', help: 'The configuration version this process runs (with PostgreSQL: the version number there; from a file: 1, and one more at each live swap)', registers: [registry] }),
  };
  return m;
}
export type Metrics = ReturnType<typeof createMetrics>;
