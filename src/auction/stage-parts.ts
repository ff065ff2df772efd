import type { BuyerTransport } from '../buyers/transport.js';
import type { BuyerGuards, GuardRefusal } from '../buyers/buyer-guards.js';
import type { Runtime } from '../config/runtime.js';
import type { StoreFailure } from '../core/within.js';
import type { SaleRecorder } from '../ledger/sale-recorder.js';
import type { AcceptRates } from '../market/accept-rates.js';
import type { RuleRefusal } from '../rules/buyer-rules.js';
import type { ScorePool } from '../scoring/score-pool.js';
import type { AuctionStore, CapStore, DedupStore, GateStore, Refusal, TurnStore, Verdict } from '../store/store.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { LeadTrace, TraceStage } from '../trace/lead-trace.js';

/** A bidder that did not get a lead, and why: its post was refused, another was sold it, or no one was. */
export interface LostBid {
  buyer: string;
  bidMicros: number;
  reason: 'POST_REJECTED' | 'OUTBID' | 'NOT_SOLD';
}

/**
 * What the stages work with besides the lead's run: the parts that outlive a configuration
 * (the store, the buyers' connections and guards, metrics). Configuration is not here: a stage
 * reads it from its run's snapshot. Each stage names the parts it uses (`Pick<StageParts, ...>`),
 * so a test builds only those.
 */
export interface StageParts {
  /** the store roles the exchange uses: a stage names the ones it calls (see `Uses`) */
  store: ExchangeStore;
  transports: ReadonlyMap<string, BuyerTransport>;
  metrics: Metrics;
  log: Logger;
  /** each configuration version's scoring pool: a lead scores on its own version's */
  scores: ScorePools;
  guards: BuyerGuards;
  acceptRates: AcceptRates;
  /** where sales go on their way to the ledger; null: the ledger is off */
  sales: SaleRecorder | null;
  /** told, once a post or a direct post has settled a lead, of the bidders that did not get it, when a buyer of the lead's version asked; null: never */
  lossNotices: ((leadId: string, test: boolean, lost: readonly LostBid[], clearingMicros: number | null) => void) | null;
  /**
   * told of each accepted sale with its whole lead, for the buyer's other ways of taking it
   * (e-mail, a second URL, a batch file: src/delivery); null: no buyer has one. It must only
   * queue (durably, sealed): it runs on the post's path
   */
  deliveries: ((sale: SoldLead) => void) | null;
  /** each buyer's ping metrics, their label sets looked up once */
  cells: BuyerCells;
}

/** A sale with the whole lead it sold, as the deliveries are told of it. */
export interface SoldLead {
  leadId: string;
  buyer: string;
  campaign: string;
  seller: string;
  subId: string | null;
  priceMicros: number;
  grade: string | null;
  test: boolean;
  /** the whole lead, personal fields included: it must never be stored or logged in clear */
  lead: Readonly<Record<string, unknown>>;
  /** epoch ms of the accept */
  at: number;
  /** epoch ms Gavel received the lead's ping (a direct post: the lead) */
  pingReceivedAt: number;
}

/** Where a lead finds the scoring pool of the configuration it runs on (src/live-scoring.ts). */
export interface ScorePools {
  /** null: no campaign of that version scores its leads */
  of(runtime: Runtime): ScorePool | null;
}

/** Every store role the exchange's stages call, and no other (traces, queues and calls are others' roles). */
export type ExchangeStore = CapStore & DedupStore & GateStore & AuctionStore & TurnStore;

/** The parts a stage uses, the store narrowed to the roles it calls: `Uses<'metrics', CapStore>`. */
export type Uses<K extends Exclude<keyof StageParts, 'store'>, S> = Pick<StageParts, K> & { store: S };

/** A buyer with room, as the store would say it: made once, for the buyers no store call judges. */
export const ROOM: Verdict = Object.freeze({ ok: true });

/** Counts a store call's failure under its operation. */
export function storeFailed(metrics: Metrics, op: string): (kind: StoreFailure) => void {
  return (kind) => metrics.storeErrors.inc({ op, kind });
}

/** A buyer left out of a lead, at any stage: counted, traced with its reason, logged at debug. */
export function leftOut(
  parts: Pick<StageParts, 'metrics' | 'log'>,
  trace: LeadTrace,
  stage: TraceStage,
  buyer: string,
  refusal: Refusal | { reason: RuleRefusal | GuardRefusal | 'BUYER_WITHDRAWN' },
): void {
  parts.metrics.leftOut.inc({ buyer, reason: refusal.reason });
  trace.buyer(buyer, stage, refusal.reason, refusal.reason === 'CAP_REACHED' ? `${refusal.limit} ${refusal.window}` : undefined);
  if (parts.log.isLevelEnabled('debug')) parts.log.debug({ buyer, lead_id: trace.id, stage, ...refusal }, 'buyer left out');
}

interface PingCells {
  /** the buyer's reply time, in seconds (Prometheus base unit) */
  seconds: { observe(v: number): void };
  bids: { inc(): void };
}

/** Each buyer's per-ping metrics, their label sets looked up once: every ping of every buyer passes here. */
export class BuyerCells {
  private readonly byBuyer = new Map<string, PingCells>();

  constructor(private readonly metrics: Metrics) {}

  of(buyer: string): PingCells {
    let m = this.byBuyer.get(buyer);
    if (m === undefined) {
      m = { seconds: this.metrics.buyerSeconds.cell({ buyer }), bids: this.metrics.bids.cell({ buyer }) };
      this.byBuyer.set(buyer, m);
    }
    return m;
  }
}
