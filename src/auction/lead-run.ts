import type { BuyerRuntime, CampaignRuntime, Runtime, SellerRuntime } from '../config/runtime.js';
import type { Lead } from '../config/lead-schema.js';
import type { MarginRuntime } from '../core/money.js';
import type { PingEnvelope, PostEnvelope } from '../protocol/seller-api.js';
import type { LeadScore } from '../scoring/lead-scorer.js';
import type { LeadTrace } from '../trace/lead-trace.js';
import type { LeadDigests } from './dedup-key.js';
import type { RankedBid } from './rank.js';

/**
 * One lead's way through the exchange, the context its stages share: made once per seller call,
 * when its lead is valid, and handed from stage to stage. It carries the configuration
 * the lead runs on from receipt to answer: a stage reads configuration from `runtime` here,
 * never from what the exchange was built with, so a new configuration can go live while
 * auctions run. The fields under "added by the stages" start empty and are filled as the
 * stages decide. Times are performance.now() ms.
 */
export interface LeadRun {
  readonly runtime: Runtime;
  readonly campaign: CampaignRuntime;
  readonly seller: SellerRuntime;
  readonly route: 'ping' | 'leads' | 'post';
  /** the seller's message as it came: a resubmission is the same message again */
  readonly envelope: PingEnvelope | PostEnvelope;
  readonly lead: Lead;
  readonly test: boolean;
  readonly subId: string | undefined;
  readonly trace: LeadTrace;
  /** the lead's id (a ping's is its ping id): the owner of its dedup claims and cap holds */
  readonly id: string;
  readonly receivedAt: number;
  /** when Gavel received the lead's ping (a post: its ping's; a direct post: the lead), wall-clock epoch ms */
  readonly pingReceivedAt: number;
  /** when the auction is over: a ping's answer is due then; a direct post's post loop follows it */
  readonly auctionEnd: number;
  /** when bids stop being collected: the auction's end less the margin settling needs */
  readonly collectBy: number;
  /** when the seller's answer must have left */
  readonly answerBy: number;
  /** the least a bid must be for this seller's lead */
  readonly floorMicros: number;
  /** the fields a ping may carry, for the rules to tell unknown from absent; null: a full lead, every field known */
  readonly pingFields: ReadonlySet<string> | null;

  // added by the stages
  /** admission: the keyed hashes of the lead's identifiers */
  digests: LeadDigests;
  /** admission: the digests of buyer-scope dedup rules, which a buyer must not have bought */
  bought: readonly string[];
  /** the auction (or, at a post, its ping's): the lead's score, null when it was not scored in time */
  score: LeadScore | null;
  /** the auction (or, at a post, its ping's): the bids in the order they are offered the lead */
  bids: readonly RankedBid[];
}

/** What a run holds before admission has hashed its identifiers. */
export const NO_DIGESTS: LeadDigests = Object.freeze({ claims: [], bought: [] });
export const NO_BIDS: readonly RankedBid[] = Object.freeze([]);
export const NONE_BOUGHT: readonly string[] = Object.freeze([]);

const buyersById = new WeakMap<Runtime, ReadonlyMap<string, BuyerRuntime>>();

/** A buyer of the run's configuration; undefined when that configuration has no such buyer. */
export function buyerOf(run: Pick<LeadRun, 'runtime'>, id: string): BuyerRuntime | undefined {
  let byId = buyersById.get(run.runtime);
  if (byId === undefined) {
    byId = new Map(run.runtime.buyers.map((b) => [b.id, b]));
    buyersById.set(run.runtime, byId);
  }
  return byId.get(id);
}

/** The margin on a sale: the buyer's own, else the seller's, else the campaign's. */
export function marginFor(run: Pick<LeadRun, 'runtime' | 'seller' | 'campaign'>, buyer: string): MarginRuntime {
  return buyerOf(run, buyer)?.margin ?? run.seller.margin ?? run.campaign.margin;
}
