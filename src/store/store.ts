import type { CapWindow } from './cap-windows.js';

export type HoldResult = { ok: true } | { ok: false; limit: 'count' | 'spend'; window: string };
export type ClaimResult = { kind: 'claimed'; data: string } | { kind: 'expired' } | { kind: 'posted' };
export type AuctionLookup = { kind: 'live'; data: string } | { kind: 'expired' } | { kind: 'posted' };

/** Committed and held amounts of one buyer's window, for operators and tests. */
export interface WindowUsage {
  count: number;
  spend: number;
  heldCount: number;
  heldSpend: number;
}

/**
 * The shared truth of an exchange: dedup claims, cap holds, auction state between ping and
 * post. Two implementations keep one contract (test/integration/store-contract.test.ts):
 * Redis, for any number of processes, and memory, for one process with no Redis.
 * Every method is one round trip; failures reject (the caller maps them to STORE_UNAVAILABLE).
 */
export interface Store {
  readonly kind: 'redis' | 'memory';
  /** true: `owner` holds these identifiers now (first sight, or its own earlier claim); false: a duplicate */
  claimDedup(key: string, owner: string, windowMs: number): Promise<boolean>;
  /** true when some window has no room left (committed + live holds at the limit) */
  capsFull(buyer: string, windows: CapWindow[], now: number): Promise<boolean>;
  /** atomically check every window and hold one lead and its price in all of them */
  hold(buyer: string, holdId: string, priceMicros: number, windows: CapWindow[], now: number, expiresAt: number): Promise<HoldResult>;
  /** push a live hold's expiry out (a post has started); false when it is gone */
  extendHold(buyer: string, holdId: string, expiresAt: number, now: number): Promise<boolean>;
  /** the buyer accepted: the hold becomes committed usage in the windows it was taken in */
  commitHold(buyer: string, holdId: string, now: number): Promise<boolean>;
  /** the buyer rejected: the hold stops counting */
  releaseHold(buyer: string, holdId: string, now: number): Promise<boolean>;
  saveAuction(pingId: string, seller: string, data: string, ttlMs: number): Promise<void>;
  /** the auction state of a ping of this seller, without claiming it ('expired' also for another seller's ping) */
  readAuction(pingId: string, seller: string): Promise<AuctionLookup>;
  /** the one post of a ping claims its auction state; only the seller that pinged may */
  claimAuction(pingId: string, seller: string, retentionMs: number): Promise<ClaimResult>;
  usage(buyer: string, windowId: string, now: number): Promise<WindowUsage>;
  /** rejects when the store cannot be reached */
  ping(): Promise<void>;
  close(): Promise<void>;
}
