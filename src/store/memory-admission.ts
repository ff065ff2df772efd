import type { RateRuntime } from '../config/runtime.js';
import { sweep, type Expiring, type Live } from './memory-expiry.js';
import { admit } from './memory-rate.js';
import type { DedupStore, GateStore, GateVerdict } from './store.js';

/** A lead's admission in one process: the seller's gate, then its dedup claim, as lua/seller-gate-2.lua and lua/dedup-claim-2.lua judge them. */
export class MemoryAdmission implements DedupStore, GateStore {
  /** scope -> digest -> its owner, until its window ends */
  private readonly dedup = new Map<string, Map<string, Expiring<string>>>();
  private readonly sellers = new Map<string, { tat: number; recent: Map<string, number> }>();

  constructor(private readonly live: Live) {}

  async claimDedup(scope: string, digests: readonly string[], owner: string, windowMs: number, now: number): Promise<boolean> {
    this.live();
    let claims = this.dedup.get(scope);
    if (claims === undefined) this.dedup.set(scope, (claims = new Map()));
    sweep(claims, now);
    for (const d of digests) {
      const cur = claims.get(d);
      if (cur !== undefined && cur.value !== owner && cur.expiresAt > now) return false;
    }
    for (const d of digests) if (claims.get(d)?.value !== owner) claims.set(d, { value: owner, expiresAt: now + windowMs });
    return true;
  }

  async gateSeller(seller: string, rate: RateRuntime | null, payloadDigest: string | null, windowMs: number, now: number): Promise<GateVerdict> {
    this.live();
    let s = this.sellers.get(seller);
    if (s === undefined) this.sellers.set(seller, (s = { tat: 0, recent: new Map() }));
    for (const [d, until] of s.recent) if (until <= now) s.recent.delete(d);
    if (!admit(s, rate, now, true)) return 'RATE_LIMITED';
    if (payloadDigest !== null) {
      if (s.recent.has(payloadDigest)) return 'RESUBMITTED';
      s.recent.set(payloadDigest, now + windowMs);
    }
    admit(s, rate, now);
    return 'ok';
  }
}
