import { keys } from './keys.js';
import { auctionClaim } from './lua-replies.js';
import type { RedisClient, Scripts } from './redis-connection.js';
import type { AuctionLookup, AuctionStore, ClaimResult } from './store.js';

/**
 * Auctions between ping and post in Redis, one key each: "L<seller>\n<state>" while live,
 * "P<seller>" once posted (lua/auction-claim-1.lua reads and writes the same layout).
 */
export class RedisAuctions implements AuctionStore {
  constructor(
    private readonly client: RedisClient,
    private readonly scripts: Scripts,
  ) {}

  async saveAuction(pingId: string, seller: string, data: string, ttlMs: number): Promise<void> {
    // one plain SET: the layout is read by auction-claim-1.lua and readAuction below
    await this.client.set(keys.auction(pingId), `L${seller}\n${data}`, 'PX', ttlMs);
  }

  async readAuction(pingId: string, seller: string): Promise<AuctionLookup> {
    const v = await this.client.get(keys.auction(pingId));
    if (v === null) return { kind: 'expired' };
    if (v[0] === 'P') return v.slice(1) === seller ? { kind: 'posted' } : { kind: 'expired' };
    const nl = v.indexOf('\n');
    return v.slice(1, nl) === seller ? { kind: 'live', data: v.slice(nl + 1) } : { kind: 'expired' };
  }

  async claimAuction(pingId: string, seller: string, retentionMs: number): Promise<ClaimResult> {
    return auctionClaim(await this.scripts.auctionClaim(keys.auction(pingId), retentionMs, seller));
  }
}
