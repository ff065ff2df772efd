import { z } from 'zod';
import { duration } from './field-schema.js';

/** The public listener's limits and windows, the operator's listener, and the pipelined one. */
/** the default of `trace.memory_max_leads`, also the memory store's when it is built without a config (tests, bench) */
export const MEMORY_MAX_LEADS = 100_000;

export const Server = z.strictObject({
  max_body_bytes: z.int().min(256).max(16 * 1024 * 1024).default(64 * 1024),
  /** time kept between the end of the fan-out and the deadline, to rank, hold and write: 16 ms, measured in bench/README.md */
  response_margin_ms: z.int().min(1).max(1000).default(16),
  /** how long SIGTERM waits for auctions in flight */
  drain_timeout_ms: z.int().min(0).max(120_000).default(10_000),
  max_bids: z.int().min(1).max(1000).default(100),
  /** the same payload from the same seller within this window is RESUBMITTED */
  resubmit_window: duration.prefault('60s'),
  /** a seller's retry under the same Idempotency-Key within it gets the first call's answer */
  idempotency_window: duration.prefault('24h'),
  /** answers waiting on a socket past this many bytes mean its peer stopped reading: it is cut off */
  socket_max_buffered_bytes: z.int().min(16 * 1024).max(64 * 1024 * 1024).default(1024 * 1024),
  /** calls one seller socket may have unanswered; past it TOO_MANY_IN_FLIGHT, so one burst cannot starve other sellers */
  socket_max_in_flight: z.int().min(1).max(100_000).default(64),
  /**
   * admission control: past either limit a new lead (ping, direct post) is refused with 503
   * OVERLOADED at once rather than answered late; posts always run (README, Overload)
   */
  overload: z
    .strictObject({
      max_calls_in_flight: z.int().min(1).max(1_000_000).default(2000),
      // a third of the default tmax_ms (150): a call that starts this late still has the rest for its buyers
      max_loop_lag_ms: z.int().min(1).max(60_000).default(50),
      // of about the last 50 ping answers, fading within seconds (src/front/call-admission.ts); 1: never
      max_late_share: z.number().min(0).max(1).default(0.05),
    })
    .prefault({}),
  /**
   * leads sent as files (POST /v1/uploads): each row a direct post of the uploading seller, run in
   * the background at `rate` rows a second with at most `in_flight` at once, so live calls keep
   * their deadlines (README, Uploads). The file, its outcomes and its progress live in `dir`
   */
  uploads: z
    .strictObject({
      // 20 direct posts a second is about 1% of what one process answers (README, Benchmarks)
      rate: z.int().min(1).max(10_000).default(20),
      in_flight: z.int().min(1).max(16).default(2),
      max_bytes: z.int().min(1024).max(4 * 1024 * 1024 * 1024).default(256 * 1024 * 1024),
      /** a seller's uploads not yet done; past it TOO_MANY_UPLOADS */
      max_open_per_seller: z.int().min(1).max(1000).default(4),
      /** the directory every process of the exchange reads and writes (a shared volume across machines); default: the system's temp dir */
      dir: z.string().min(1).optional(),
      /** how long a finished upload's file and outcomes are kept */
      keep: duration.prefault('7d'),
    })
    .prefault({}),
  /** the operator's listener: /metrics and the operator's API, on an address sellers cannot reach (port 0: any free one) */
  operator: z.strictObject({ host: z.string().min(1).default('127.0.0.1'), port: z.int().min(0).max(65_535).default(9090) }).prefault({}),
  /**
   * a listener on Node's HTTP server for sellers whose clients pipeline HTTP/1.1 requests: it
   * answers them in order, where the public listener (uWebSockets.js) closes the connection.
   * Absent: off. Port 0: any free one. Costs more CPU per call (README, Pipelined requests)
   */
  pipelined: z.strictObject({ host: z.string().min(1).default('0.0.0.0'), port: z.int().min(0).max(65_535) }).optional(),
});

/** where Gavel's keys start in Redis, when neither the config nor the environment says */
export const DEFAULT_REDIS_PREFIX = 'gavel:';

/** one Redis (`url`) or a Redis Cluster (`cluster`: seed nodes "host:port") */
export const Redis = z
  .strictObject({
    url: z.string().optional(),
    cluster: z.array(z.string().regex(/^[^:\s]+:\d{1,5}$/, 'host:port')).min(1).optional(),
    prefix: z.string().default(DEFAULT_REDIS_PREFIX),
  })
  .refine((r) => (r.url === undefined) !== (r.cluster === undefined), 'give url or cluster, not both');

/** how buyers' chances of accepting a post are learned (for rank_by: expected_value) */
export const AcceptRate = z.strictObject({
  /** outcomes this old count half */
  half_life: duration.prefault('7d'),
  /** the chance assumed before any outcome, and how many posts' worth of weight it has */
  prior: z.number().gt(0).max(1).default(0.8),
  prior_weight: z.number().positive().max(10_000).default(5),
  /** how often each process reads what every process learned */
  refresh: duration.prefault('1s'),
});

/** the per-lead trace (GET /v1/leads/{id}) */
export const Trace = z.strictObject({
  enabled: z.boolean().default(true),
  /** how long a lead's trace is kept after its latest call */
  retention: duration.prefault('7d'),
  /** a batch is written this long after its first trace */
  flush_ms: z.int().min(1).max(10_000).default(50),
  /** traces waiting to be written; past it new ones are dropped (and counted) */
  max_buffered: z.int().min(1).max(1_000_000).default(20_000),
  /** the memory store keeps the traces of at most this many leads (the oldest go first) */
  memory_max_leads: z.int().min(1).max(10_000_000).default(MEMORY_MAX_LEADS),
  /**
   * each lead's non-personal fields kept in its trace (a ping's fields; for a post or a direct
   * post, every field not marked pii), so a draft can be replayed on recorded traffic. Never a
   * personal field, not even hashed
   */
  record_fields: z.boolean().default(true),
});

/** the ledger of money: PostgreSQL when a URL is given (DATABASE_URL wins), else memory (one process, lost on exit) */
export const LedgerSettings = z.strictObject({
  /** false: no sale is recorded and no report counted (a staging exchange, a benchmark's baseline); said loudly at start */
  enabled: z.boolean().default(true),
  postgres_url: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// URL').optional(),
  /** the PostgreSQL schema Gavel's tables live in (made at start) */
  schema: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'lower-case letters, digits and _').default('gavel'),
  /** the pause between reads of the sales queue when it was found empty */
  poll_ms: z.int().min(1).max(60_000).default(100),
  batch_size: z.int().min(1).max(10_000).default(500),
  /** a sale taken by a process that died is taken over after this long */
  reclaim_after: duration.prefault('30s'),
  /** how often each process sends the counts it rolled up for reports */
  stats_flush: duration.prefault('10s'),
  /** how long a post waits for the ledger to record its sale before the sale goes through the durable queue; 0: the queue alone */
  direct_ms: z.int().min(0).max(10_000).default(250),
  /** sales a process keeps, beside the queue, while the ledger is away (each a few hundred bytes) */
  max_kept_sales: z.int().min(0).max(10_000_000).default(100_000),
});
