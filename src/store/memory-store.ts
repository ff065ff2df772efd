import type { CapWindow } from './cap-windows.js';
import type { AuctionLookup, ClaimResult, HoldResult, Store, WindowUsage } from './store.js';

interface Hold {
  price: number;
  windows: string[];
  expiresAt: number;
}
interface BuyerState {
  /** window id -> usage */
  windows: Map<string, WindowUsage & { expiresAt: number }>;
  holds: Map<string, Hold>;
}
interface Expiring<T> {
  value: T;
  expiresAt: number;
}

const PURGE_LIMIT = 64;

/**
 * The embedded default: one process, no Redis, the same contract as RedisStore (the same
 * contract tests run against both). Everything is synchronous inside, so each call is atomic
 * as a Lua script is. Expired entries go lazily, a bounded number per call, as in the scripts.
 */
export class MemoryStore implements Store {
  readonly kind = 'memory' as const;
  private readonly dedup = new Map<string, Expiring<string>>();
  private readonly auctions = new Map<string, Expiring<{ data: string; seller: string; posted: boolean }>>();
  private readonly buyers = new Map<string, BuyerState>();
  private closed = false;

  private sweep<T>(map: Map<string, Expiring<T>>, now: number): void {
    // insertion order is close to expiry order; stop at the first live entry
    let n = 0;
    for (const [k, v] of map) {
      if (v.expiresAt > now || n++ >= PURGE_LIMIT) break;
      map.delete(k);
    }
  }

  private buyer(id: string, now: number): BuyerState {
    let b = this.buyers.get(id);
    if (b === undefined) {
      b = { windows: new Map(), holds: new Map() };
      this.buyers.set(id, b);
    }
    let n = 0;
    for (const [holdId, h] of b.holds) {
      if (n >= PURGE_LIMIT) break;
      if (h.expiresAt <= now) {
        this.unhold(b, holdId);
        n++;
      }
    }
    for (const [w, u] of b.windows) if (u.expiresAt <= now) b.windows.delete(w);
    return b;
  }

  private window(b: BuyerState, id: string, expiresAt = 0): WindowUsage & { expiresAt: number } {
    let u = b.windows.get(id);
    if (u === undefined) {
      u = { count: 0, spend: 0, heldCount: 0, heldSpend: 0, expiresAt };
      if (expiresAt > 0) b.windows.set(id, u);
    } else if (expiresAt > u.expiresAt) u.expiresAt = expiresAt;
    return u;
  }

  private unhold(b: BuyerState, holdId: string): Hold | undefined {
    const h = b.holds.get(holdId);
    if (h === undefined) return undefined;
    for (const w of h.windows) {
      const u = this.window(b, w);
      u.heldCount -= 1;
      u.heldSpend -= h.price;
    }
    b.holds.delete(holdId);
    return h;
  }

  private live(): void {
    if (this.closed) throw new Error('memory store is closed');
  }

  async claimDedup(key: string, owner: string, windowMs: number): Promise<boolean> {
    this.live();
    const now = Date.now();
    this.sweep(this.dedup, now);
    const cur = this.dedup.get(key);
    if (cur === undefined || cur.expiresAt <= now) {
      this.dedup.set(key, { value: owner, expiresAt: now + windowMs });
      return true;
    }
    return cur.value === owner;
  }

  async capsFull(buyer: string, windows: CapWindow[], now: number): Promise<boolean> {
    this.live();
    const b = this.buyer(buyer, now);
    for (const w of windows) {
      const u = this.window(b, w.id);
      if (w.maxCount >= 0 && u.count + u.heldCount >= w.maxCount) return true;
      if (w.maxSpend >= 0 && u.spend + u.heldSpend >= w.maxSpend) return true;
    }
    return false;
  }

  async hold(buyer: string, holdId: string, priceMicros: number, windows: CapWindow[], now: number, expiresAt: number): Promise<HoldResult> {
    this.live();
    const b = this.buyer(buyer, now);
    if (b.holds.has(holdId)) return { ok: true };
    for (const w of windows) {
      const u = this.window(b, w.id);
      if (w.maxCount >= 0 && u.count + u.heldCount + 1 > w.maxCount) return { ok: false, limit: 'count', window: w.id };
      if (w.maxSpend >= 0 && u.spend + u.heldSpend + priceMicros > w.maxSpend) return { ok: false, limit: 'spend', window: w.id };
    }
    for (const w of windows) {
      const u = this.window(b, w.id, w.expiresAt);
      u.heldCount += 1;
      u.heldSpend += priceMicros;
    }
    b.holds.set(holdId, { price: priceMicros, windows: windows.map((w) => w.id), expiresAt });
    return { ok: true };
  }

  async extendHold(buyer: string, holdId: string, expiresAt: number, now: number): Promise<boolean> {
    this.live();
    const h = this.buyer(buyer, now).holds.get(holdId);
    if (h === undefined) return false;
    h.expiresAt = expiresAt;
    return true;
  }

  async commitHold(buyer: string, holdId: string, now: number): Promise<boolean> {
    this.live();
    const b = this.buyer(buyer, now);
    const h = this.unhold(b, holdId);
    if (h === undefined) return false;
    for (const w of h.windows) {
      const u = this.window(b, w);
      u.count += 1;
      u.spend += h.price;
    }
    return true;
  }

  async releaseHold(buyer: string, holdId: string, now: number): Promise<boolean> {
    this.live();
    return this.unhold(this.buyer(buyer, now), holdId) !== undefined;
  }

  async usage(buyer: string, windowId: string, now: number): Promise<WindowUsage> {
    this.live();
    const u = this.window(this.buyer(buyer, now), windowId);
    return { count: u.count, spend: u.spend, heldCount: u.heldCount, heldSpend: u.heldSpend };
  }

  async saveAuction(pingId: string, seller: string, data: string, ttlMs: number): Promise<void> {
    this.live();
    const now = Date.now();
    this.sweep(this.auctions, now);
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

  async ping(): Promise<void> {
    this.live();
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
