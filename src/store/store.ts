import type { RateRuntime } from '../config/runtime.js';
import type { AcceptRecord, PostOutcome } from './accept-record.js';
import type { Limits } from '../core/cap-limits.js';
import type { Persistence } from './persistence.js';

/** Why a buyer may not take a lead (or a ping) now. */
export type Refusal =
  | { reason: 'CAP_REACHED'; limit: 'count' | 'spend'; window: string }
  | { reason: 'ALREADY_SOLD_TO_BUYER' }
  | { reason: 'PING_RATE' };
export type Verdict = { ok: true } | ({ ok: false } & Refusal);

export type GateVerdict = 'ok' | 'RATE_LIMITED' | 'RESUBMITTED';
export type ClaimResult = { kind: 'claimed'; data: string } | { kind: 'expired' } | { kind: 'posted' };
export type AuctionLookup = { kind: 'live'; data: string } | { kind: 'expired' } | { kind: 'posted' };

/** What a seller's idempotency key holds when a call claims it (lua/call-claim-1.lua). */
export type CallClaim = { kind: 'claimed' } | { kind: 'running' } | { kind: 'mismatch' } | { kind: 'done'; answer: string };

/**
 * A seller's calls under idempotency keys: the first call with a key runs, a retry gets its
 * answer (or waits while it runs), a key used for another request is refused. Keyed by seller
 * and a digest of the key; each record one key, so any slot of a Cluster will do.
 */
export interface CallStore {
  /** claim (`seller`, `key`) for the request `fingerprint`, or read what it holds; a running claim older than `leaseMs` is taken over */
  claimCall(seller: string, key: string, fingerprint: string, now: number, leaseMs: number, windowMs: number): Promise<CallClaim>;
  /** the claimed call's answer, kept `windowMs`; `answer` null gives the claim back (a retry runs anew). False: not this call's claim */
  finishCall(seller: string, key: string, fingerprint: string, answer: string | null, windowMs: number): Promise<boolean>;
}

/** A lead's dedup digest a buyer remembers buying, and until when. */
export interface Purchase {
  digest: string;
  until: number;
}

/** Committed and held amounts of one buyer's window, for operators and tests. */
export interface WindowUsage {
  count: number;
  spend: number;
  heldCount: number;
  heldSpend: number;
}

/**
 * A buyer's cap windows, holds, ping rate and purchases: judged and held atomically, committed
 * on accept, given back on a return. Redis: lua/cap-*.lua, every key on the buyer's hash tag.
 */
export interface CapStore {
  /**
   * may this buyer be pinged: room in every window for one more lead at `leastPrice` (the
   * floor: a budget with less left cannot buy anything), not bought this lead, within its
   * ping rate (a ping is counted)
   */
  checkBuyer(buyer: string, limits: Limits, sold: readonly string[], rate: RateRuntime | null, leastPrice: number, now: number): Promise<Verdict>;
  /** atomically judge every window and hold one lead and its price in all of them */
  hold(buyer: string, holdId: string, priceMicros: number, limits: Limits, sold: readonly string[], now: number, expiresAt: number): Promise<Verdict>;
  /**
   * push a live hold's expiry out (a post has started): 'gone' when it expired, 'sold' (and
   * released) when the buyer already bought one of `sold`, digests the ping could not know
   */
  extendHold(buyer: string, holdId: string, expiresAt: number, now: number, sold: readonly string[]): Promise<'held' | 'gone' | 'sold'>;
  /** the buyer accepted: the hold becomes committed usage in the windows it was taken in; the buyer remembers the lead */
  commitHold(buyer: string, holdId: string, now: number, purchases: readonly Purchase[]): Promise<boolean>;
  /** the buyer rejected: the hold stops counting */
  releaseHold(buyer: string, holdId: string, now: number): Promise<boolean>;
  /**
   * A returned lead's place given back in the buyer's caps: its sale leaves the calendar windows
   * of `limits` (those of the sale's time) that are not over yet, and its rolling windows.
   * True when it was given back in some window. With rolling windows it is given back once only.
   */
  restoreSale(buyer: string, leadId: string, priceMicros: number, limits: Limits, now: number): Promise<boolean>;
  /** a calendar window id (`d:2026-11-22`) or a rolling spec (`r:60m`) */
  usage(buyer: string, windowId: string, now: number): Promise<WindowUsage>;
}

/** Dedup claims of a lead's identifiers (lua/dedup-claim-2.lua): of two twins, on any process, one passes. */
export interface DedupStore {
  /** true: `owner` holds every digest now (first sight, or its own earlier claim); false: one is another's, a duplicate */
  claimDedup(scope: string, digests: readonly string[], owner: string, windowMs: number, now: number): Promise<boolean>;
}

/** The gate a seller's request passes first (lua/seller-gate-2.lua). */
export interface GateStore {
  /** a seller's rate limit, then whether it sent this same payload within the window (nothing recorded when refused) */
  gateSeller(seller: string, rate: RateRuntime | null, payloadDigest: string | null, windowMs: number, now: number): Promise<GateVerdict>;
}

/** Auction state between a ping and its one post, which may land on another process. */
export interface AuctionStore {
  saveAuction(pingId: string, seller: string, data: string, ttlMs: number): Promise<void>;
  /** the auction state of a ping of this seller, without claiming it ('expired' also for another seller's ping) */
  readAuction(pingId: string, seller: string): Promise<AuctionLookup>;
  /** the one post of a ping claims its auction state; only the seller that pinged may */
  claimAuction(pingId: string, seller: string, retentionMs: number): Promise<ClaimResult>;
}

/** Whose turn it is in a round_robin or weighted tier, shared by every process (lua/turn-pick-1.lua). */
export interface TurnStore {
  /** whose turn it is among `candidates` ([buyer, weight], in the tier's order) in a round_robin or weighted tier: the turn order */
  takeTurn(tier: string, candidates: readonly (readonly [string, number])[]): Promise<string[]>;
}

/** Buyers' decayed post outcomes by grade (lua/accept-rate-1.lua), read by the accept-rate model. */
export interface AcceptStore {
  /** a post's outcome (or a return) in the buyer's decayed accept counts, under each of `grades` */
  recordPostOutcome(buyer: string, grades: readonly string[], outcome: PostOutcome, now: number, halfLifeMs: number): Promise<void>;
  /** the buyer's accept records by grade ("*": all), as last written (decay them to now to read them) */
  acceptRecords(buyer: string): Promise<Map<string, AcceptRecord>>;
}

/** Lead traces, kept for a retention time and bounded per lead. */
export interface TraceStore {
  /**
   * append trace segments ([lead id, JSON]); each is kept at least `retentionMs` (Redis: at most
   * an eighth more, or 100 ms), a lead's segments past `maxSegments` are dropped (Redis: per span, and at reading)
   */
  appendTraces(entries: readonly (readonly [string, string])[], retentionMs: number, maxSegments: number): Promise<void>;
  /** a lead's first `maxSegments` trace segments, oldest first; empty when unknown or expired (`retentionMs` as written) */
  readTrace(leadId: string, retentionMs: number, maxSegments: number): Promise<string[]>;
  /**
   * Every lead's segments written from `from` to `to` (wall-clock ms), handed to `each` a batch
   * at a time, never all at once: a replay's read of a day of traffic. Oldest span first in
   * Redis (a lead written in two spans comes in two batches); the memory store keeps no write
   * time, so it hands over all it holds and the reader filters by each segment's `at`.
   * `complete`: every segment written before this wall-clock ms has been handed over.
   * `shards`: only the leads of these trace shards (trace-shard.ts), a sample of the range.
   */
  scanTraces(from: number, to: number, retentionMs: number, each: (batch: TraceBatch, complete: number) => Promise<void> | void, shards?: ReadonlySet<number>): Promise<void>;
}

/** Leads and their segments (JSON) as a scan reads them. */
export type TraceBatch = readonly (readonly [string, readonly string[]])[];

/** One entry of the lead index: its id (time-ordered, the cursor of a listing) and a lead summary's JSON. */
export interface IndexedLead {
  id: string;
  json: string;
}

/**
 * The lead index: a short summary of every traced segment (its lead, seller, buyers, outcome),
 * in the order written, for listing and searching leads across processes and time. Kept as long
 * as the traces are; the traces themselves stay keyed by lead id.
 */
export interface LeadIndexStore {
  /** append summaries (JSON), in order; each kept at least `retentionMs` */
  indexLeads(summaries: readonly string[], retentionMs: number): Promise<void>;
  /**
   * up to `count` entries written from `fromMs` to `toMs` (epoch ms, both included), newest first;
   * with `before` (an entry's id from an earlier page), only those written before it
   */
  scanLeads(fromMs: number, toMs: number, before: string | undefined, count: number): Promise<IndexedLead[]>;
}

/**
 * Durable queues (the ledger's sales, postbacks, lead stats): `enqueue` resolves once the store
 * holds the event. Each event is handed to one consumer at a time; one that is not acknowledged
 * within `reclaimMs` of its hand-over (its consumer died, say) is handed over again, to whichever
 * consumer asks. So an event is delivered at least once, and its consumer must be idempotent.
 */
export interface QueueStore {
  enqueue(queue: string, body: string): Promise<void>;
  /**
   * up to `count` events for `consumer`: first those left unacknowledged for `reclaimMs`, then new
   * ones, oldest first; with `reclaimMs` null, new ones only (a reader that looks for the
   * abandoned less often than it looks for the new)
   */
  dequeue(queue: string, consumer: string, count: number, reclaimMs: number | null): Promise<QueuedEvent[]>;
  /** done with these events (their `entry`): they leave the queue */
  acknowledge(queue: string, entries: readonly string[]): Promise<void>;
}

/**
 * What became of each try to deliver a party's notices (a seller's postbacks, a buyer's loss
 * notices), for the party's portal and the operator: the newest `keep` tries per recipient, each
 * a JSON record, kept `retentionMs` after the recipient's last try. One key per recipient.
 */
export interface DeliveryStore {
  recordDelivery(recipient: string, record: string, keep: number, retentionMs: number): Promise<void>;
  /** the recipient's newest tries first, at most `limit` */
  deliveries(recipient: string, limit: number): Promise<string[]>;
}

/** What readiness and shutdown ask of a store, whatever its roles. */
export interface StoreHealth {
  readonly kind: 'redis' | 'memory';
  /** rejects when the store cannot be reached */
  ping(): Promise<void>;
  /** what the store keeps if its server restarts (a Cluster: its weakest master); 'unknown' when it will not say */
  persistence(): Promise<Persistence>;
  close(): Promise<void>;
}

/**
 * The shared truth of an exchange: every role above. Two implementations keep one contract per
 * role (test/integration/store-contract/): Redis (one server or a Cluster), for any number of
 * processes, and memory, for one process with no Redis. Every method is one round trip;
 * failures reject (the caller maps them to STORE_UNAVAILABLE). A consumer takes the roles it
 * uses, not this.
 */
export type Store = CapStore & DedupStore & GateStore & AuctionStore & TurnStore & AcceptStore & TraceStore & LeadIndexStore & QueueStore & CallStore & DeliveryStore & StoreHealth;

export interface QueuedEvent {
  /** the queue's own id of the event, to acknowledge it */
  entry: string;
  body: string;
}
