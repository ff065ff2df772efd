import type { RateRuntime } from '../config/runtime.js';
import { keys } from './keys.js';
import { gateVerdict, yesNo } from './lua-replies.js';
import type { Scripts } from './redis-connection.js';
import type { DedupStore, GateStore, GateVerdict } from './store.js';

/** A lead's admission in Redis: the seller's gate (lua/seller-gate-2.lua), then its dedup claim (lua/dedup-claim-2.lua). */
export class RedisAdmission implements DedupStore, GateStore {
  constructor(private readonly scripts: Scripts) {}

  async claimDedup(scope: string, digests: readonly string[], owner: string, windowMs: number, now: number): Promise<boolean> {
    return yesNo('dedupClaim', await this.scripts.dedupClaim(...keys.dedup(scope), now, owner, now + windowMs, ...digests));
  }

  async gateSeller(seller: string, rate: RateRuntime | null, payloadDigest: string | null, windowMs: number, now: number): Promise<GateVerdict> {
    return gateVerdict(await this.scripts.sellerGate(...keys.seller(seller), now, rate?.intervalMs ?? 0, rate?.toleranceMs ?? 0, payloadDigest ?? '', now + windowMs));
  }
}
