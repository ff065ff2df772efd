import { expect, it } from 'vitest';
import type { AuctionStore } from '../../../src/store/store.js';

/**
 * What every AuctionStore keeps: a ping's auction is claimed by one post, of the seller that pinged, until it expires.
 */
export function auctionContract(store: () => Promise<AuctionStore>): void {
  it('auctions: one claim wins; other sellers never see it; expiry ends it', async () => {
    const s = await store();
    await s.saveAuction('p1', 'pub1', '{"x":1}', 60_000);
    expect(await s.readAuction('p1', 'pub2')).toEqual({ kind: 'expired' });
    expect(await s.claimAuction('p1', 'pub2', 60_000)).toEqual({ kind: 'expired' });
    expect(await s.readAuction('p1', 'pub1')).toEqual({ kind: 'live', data: '{"x":1}' });
    const claims = await Promise.all(Array.from({ length: 20 }, () => s.claimAuction('p1', 'pub1', 60_000)));
    expect(claims.filter((c) => c.kind === 'claimed')).toEqual([{ kind: 'claimed', data: '{"x":1}' }]);
    expect(claims.filter((c) => c.kind === 'posted')).toHaveLength(19);
    expect(await s.readAuction('p1', 'pub1')).toEqual({ kind: 'posted' });
    await s.saveAuction('p2', 'pub1', '{}', 40);
    await new Promise((r) => setTimeout(r, 70));
    expect(await s.claimAuction('p2', 'pub1', 60_000)).toEqual({ kind: 'expired' });
  });
}
