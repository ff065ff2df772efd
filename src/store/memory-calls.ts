import { sweep, type Expiring, type Live } from './memory-expiry.js';
import type { CallClaim, CallStore } from './store.js';

/** idempotency records the memory store keeps at most */
const MAX_CALLS = 200_000;

/** Sellers' calls under idempotency keys in one process, as lua/call-claim-1.lua and lua/call-finish-1.lua keep them. */
export class MemoryCalls implements CallStore {
  private readonly calls = new Map<string, Expiring<{ fingerprint: string; lease: number; answer: string | null }>>();

  constructor(private readonly live: Live) {}

  async claimCall(seller: string, key: string, fingerprint: string, now: number, leaseMs: number, windowMs: number): Promise<CallClaim> {
    this.live();
    sweep(this.calls, Date.now());
    const id = `${seller}\n${key}`;
    const c = this.calls.get(id);
    if (c !== undefined && c.expiresAt > Date.now()) {
      if (c.value.fingerprint !== fingerprint) return { kind: 'mismatch' };
      if (c.value.answer !== null) return { kind: 'done', answer: c.value.answer };
      if (c.value.lease > now) return { kind: 'running' };
    }
    this.calls.delete(id);
    // one process's memory is not a day of every seller's keys: past the bound the oldest go first
    if (this.calls.size >= MAX_CALLS) this.calls.delete(this.calls.keys().next().value!);
    this.calls.set(id, { value: { fingerprint, lease: now + leaseMs, answer: null }, expiresAt: Date.now() + windowMs });
    return { kind: 'claimed' };
  }

  async finishCall(seller: string, key: string, fingerprint: string, answer: string | null, windowMs: number): Promise<boolean> {
    this.live();
    const id = `${seller}\n${key}`;
    const c = this.calls.get(id);
    if (c === undefined || c.expiresAt <= Date.now() || c.value.fingerprint !== fingerprint || c.value.answer !== null) return false;
    this.calls.delete(id);
    if (answer !== null) this.calls.set(id, { value: { fingerprint, lease: 0, answer }, expiresAt: Date.now() + windowMs });
    return true;
  }
}
