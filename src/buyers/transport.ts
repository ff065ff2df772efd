import type { CallFacts } from './buyer-codec.js';

/** Why a buyer's ping ended without a bid; counted by kind in gavel_buyer_passes_total. */
export type PassKind = 'NO_BID' | 'TIMEOUT' | 'HTTP_ERROR' | 'BAD_REPLY' | 'CONNECT_ERROR' | 'BELOW_FLOOR';

export interface Bid {
  kind: 'bid';
  bidMicros: number;
  bidId: string | undefined;
  /** its bid for a shared sale, when it gave one */
  sharedBidMicros?: number;
  /** reply time, ms */
  ms: number;
}
export interface Pass {
  kind: 'pass';
  pass: PassKind;
  /** the buyer's own reason, where it gave one */
  reason: string | undefined;
  ms: number;
}
export interface PostOutcome {
  accepted: boolean;
  /**
   * No accept came, yet the buyer may hold the lead: the post left Gavel (an HTTP request began to be
   * written on a connection, a socket frame was handed to the socket) and then no answer could be
   * read, whether none came in time (`TIMEOUT`), the connection was lost (`CONNECTION_LOST`), or
   * a 2xx or socket reply was not the protocol (`BAD_REPLY`). Judged by what happened to the call,
   * never by comparing clocks. An exclusive lead is then offered to no other buyer (README: Posts
   * whose outcome is unknown). False for a clear reject and for a post that never left.
   */
  unconfirmed: boolean;
  redirectUrl: string | undefined;
  /** a reject's reason: the buyer's own where it gave one, else what went wrong (TIMEOUT, HTTP_ERROR, ...) */
  reason: string | undefined;
  ms: number;
}

/**
 * Where the calls of one fan-out report: call `i` answered `result`. One per auction, so a call
 * makes no promise or callback of its own (20 socket buyers, 20 of each per auction, were a tenth
 * of Gavel's garbage).
 */
export interface PingSink {
  answer(i: number, result: Bid | Pass): void;
}

/**
 * A way of reaching one buyer. Implementations never throw and never outlive their budget:
 * every failure is a Pass (or a rejected PostOutcome) with its kind, so an auction can always
 * be settled. `ping` is called once per auction with the body already serialised but for the
 * buyer's own `tmax_ms`; `post` only for a winner, with the full lead.
 */
export interface BuyerTransport {
  /** whether `ping` listens on its signal (an HTTP call does; a socket buyer's ping is swept instead) */
  readonly abortable: boolean;
  /**
   * `budgetMs`: the buyer's time, sent to it. `until`: the performance.now() time the fan-out stops
   * waiting for this buyer; a reply after it is a TIMEOUT pass. One clock for both sides, so a
   * reply is never taken by the transport as in time once the fan-out has settled it as a TIMEOUT.
   * `signal` aborts the call. `campaign` is the lead's: a socket buyer may have subscribed only
   * some sockets to it. The answer goes to `sink` as call `i`, once. `facts`: the lead's ids and
   * times, which a buyer's own format may put in its request (the native message does not carry them).
   */
  ping(campaign: string, bodyPrefix: string, budgetMs: number, until: number, signal: AbortSignal, sink: PingSink, i: number, facts?: CallFacts): void;
  post(campaign: string, body: string, budgetMs: number, facts?: CallFacts): Promise<PostOutcome>;
  /** requests waiting for a connection right now */
  queued(): number;
  close(): Promise<void>;
}
