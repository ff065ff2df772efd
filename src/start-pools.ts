import { BuyerGuards } from './buyers/buyer-guards.js';
import { HttpBuyerTransport } from './buyers/http-transport.js';
import { SocketBuyerTransport } from './buyers/socket-transport.js';
import { templateCodec } from './buyers/templates/template-codec.js';
import type { BuyerTransport } from './buyers/transport.js';
import type { SoldLead } from './auction/stage-parts.js';
import { emailOnly } from './config/buyer-schema.js';
import { QueuedPostTransport } from './delivery/queued-post-transport.js';
import type { BuyerRuntime, Runtime } from './config/runtime.js';
import { AcceptRates } from './market/accept-rates.js';
import { ScorePool } from './scoring/score-pool.js';
import { LiveScoring, scoringOf, type OpenPool } from './live-scoring.js';
import type { Store } from './store/store.js';
import type { Logger } from './telemetry/logger.js';
import type { Metrics } from './telemetry/metrics.js';

export interface BuyerTransports {
  /** every buyer's, by buyer id */
  readonly all: Map<string, BuyerTransport>;
  /** the socket buyers', which the front hands their connections to */
  readonly sockets: Map<string, SocketBuyerTransport>;
}

/** Start-up step: a transport per buyer, a keep-alive pool per HTTP buyer, a slot per socket buyer. */
/**
 * Where the post of a buyer with no post_url queues its lead: a batch-only buyer's for its next
 * file (src/delivery/batch-deliveries.ts), an e-mail-only buyer's for its e-mail (src/delivery/deliveries.ts).
 */
export interface PostQueues {
  batch(sale: SoldLead): Promise<void>;
  email(sale: SoldLead): Promise<void>;
}

export function openBuyerTransports(runtime: Runtime, metrics: Metrics, queues: PostQueues): BuyerTransports {
  const all = new Map<string, BuyerTransport>();
  const sockets = new Map<string, SocketBuyerTransport>();
  for (const b of runtime.buyers) {
    const t = openTransport(b, metrics, queues);
    all.set(b.id, t);
    if (t instanceof SocketBuyerTransport) sockets.set(b.id, t);
  }
  return { all, sockets };
}

/** One buyer's transport: at start, and at a swap for a buyer that is new or whose endpoint changed. */
export function openTransport(b: BuyerRuntime, metrics: Metrics, queues: PostQueues): BuyerTransport {
  // a batch-only buyer: no post_url, its leads go in files
  if (b.config.transport === 'http' && b.config.post_url === undefined && b.config.batch !== undefined) return new QueuedPostTransport(b.id, 'batch', (s) => queues.batch(s));
  if (emailOnly(b.config)) return new QueuedPostTransport(b.id, 'email', (s) => queues.email(s));
  if (b.config.transport === 'websocket') return new SocketBuyerTransport(b.id, new Set(b.config.campaigns), () => metrics.lateBuyerAnswers.inc({ buyer: b.id }));
  return new HttpBuyerTransport({
    // a fixed-price buyer has no ping_url and is never pinged: its pool is its post origin's
    pingUrl: b.config.ping_url ?? b.config.post_url!,
    postUrl: b.config.post_url!,
    connections: b.config.connections,
    headers: b.config.headers,
    ...(b.config.format !== undefined ? { codec: templateCodec(b.config.format) } : {}),
  });
}

export interface ScoringParts {
  /** each version's scoring pool; a swap that changes the scoring gives its version a new one */
  readonly scores: LiveScoring;
  readonly acceptRates: AcceptRates;
}

/** The buyers whose accept rates ranking reads: those of the campaigns (and test arms) this runtime ranks by expected value. */
export function rankedBuyers(runtime: Runtime): Set<string> {
  const all = [...runtime.campaigns.values()].flatMap((c) => [c, ...(c.experiment?.arms ?? [])]);
  return new Set(all.filter((c) => c.rankBy === 'expected_value').flatMap((c) => c.buyers.map((b) => b.id)));
}

/** How a scoring pool is made, at start and at a swap: the process's pool settings, its batches counted. */
export function scorePoolOpener(runtime: Runtime, metrics: Metrics): OpenPool {
  return (scoring) => new ScorePool(scoring, runtime.data.scoring_pool, (n) => metrics.scoreBatch.observe(n));
}

/** Start-up step: the scoring pool's threads, warm before the first lead, and the accept rates ranking reads. */
export async function startScoring(runtime: Runtime, store: Store, metrics: Metrics, log: Logger): Promise<ScoringParts> {
  const acceptRates = new AcceptRates(runtime, store, [...rankedBuyers(runtime)], (op) => metrics.storeErrors.inc({ op, kind: 'error' }));
  acceptRates.start();
  const scores = await LiveScoring.start(runtime, scorePoolOpener(runtime, metrics));
  if (scores.live !== null) log.info({ campaigns: Object.keys(scoringOf(runtime)), threads: runtime.data.scoring_pool.threads }, 'scoring pool started');
  return { scores, acceptRates };
}

/** Start-up step: each buyer's in-flight bound and circuit breaker, its moves counted and logged. */
export function buyerGuards(runtime: Runtime, metrics: Metrics, log: Logger): BuyerGuards {
  return new BuyerGuards(runtime.buyers, (buyer, from, to, why) => {
    metrics.breakerTransitions.inc({ buyer, to });
    (to === 'open' ? log.warn : log.info).call(log, { buyer, from, to, why }, `circuit breaker ${to}`);
  });
}
