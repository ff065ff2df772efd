import { keys } from './keys.js';
import { callClaim, yesNo } from './lua-replies.js';
import type { Scripts } from './redis-connection.js';
import type { CallClaim, CallStore } from './store.js';

/** Sellers' calls under idempotency keys in Redis (lua/call-claim-1.lua, lua/call-finish-1.lua). */
export class RedisCalls implements CallStore {
  constructor(private readonly scripts: Scripts) {}

  async claimCall(seller: string, key: string, fingerprint: string, now: number, leaseMs: number, windowMs: number): Promise<CallClaim> {
    return callClaim(await this.scripts.callClaim(keys.call(seller, key), now, fingerprint, leaseMs, windowMs));
  }

  async finishCall(seller: string, key: string, fingerprint: string, answer: string | null, windowMs: number): Promise<boolean> {
    return yesNo('callFinish', await this.scripts.callFinish(keys.call(seller, key), fingerprint, answer ?? '', windowMs));
  }
}
