import { sweep, type Expiring, type Live } from './memory-expiry.js';
import type { AuctionLookup, AuctionStore, ClaimResult } from './store.js';

/** Auctions between ping and post in one process, claimed once as lua/auction-claim-1.lua claims them. */
export class MemoryAuctions implements AuctionStore {
  private readonly auctions = new Map<string, Expiring<{ data: string; seller: string; posted: boolean }>>();

  constructor(private readonly live: Live) {}

  async saveAuction(pingId: string, seller: string, data: string, ttlMs: number): Promise<void> {
    this.live();
    const now = Date.now();
    sweep(this.auctions, now);
    this.auctions.set(pingId, { value: { data, seller, posted: false }, expiresAt: now + ttlMs });
  }

  async readAuction(pingId: string, seller: string): Promise<AuctionLookup> {
    this.live();
    const a = this.auctions.get(pingId);
    if (a === undefined || a.expiresAt <= Date.now() || a.value.seller !== seller) return { kind: 'expired' };
    return a.value.posted ? { kind: 'posted' } : { kind: 'live', data: a.value.data };
  }

  async claimAuction(pingId: string, seller: string, retentionMs: number): Promise<ClaimResult> {
    this.live();
    const now = Date.now();
    const a = this.auctions.get(pingId);
    if (a === undefined || a.expiresAt <= now || a.value.seller !== seller) return { kind: 'expired' };
    if (a.value.posted) return { kind: 'posted' };
    a.value.posted = true;
    // re-insert so insertion order keeps following expiry order for the sweep
    this.auctions.delete(pingId);
    this.auctions.set(pingId, { value: a.value, expiresAt: now + retentionMs });
    return { kind: 'claimed', data: a.value.data };
  }
}
