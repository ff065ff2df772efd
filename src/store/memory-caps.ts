import type { RateRuntime } from '../config/runtime.js';
import type { Limits } from '../core/cap-limits.js';
import { PURGE_LIMIT, type Live } from './memory-expiry.js';
import { admit } from './memory-rate.js';
import type { CapStore, Purchase, Verdict, WindowUsage } from './store.js';

interface Hold {
  price: number;
  windows: string[];
  /** when it entered its rolling windows, or null */
  ts: number | null;
  specs: string[];
  expiresAt: number;
}
interface Rolling {
  count: number;
  spend: number;
  /** events at or before it have left the window */
  cursor: number;
}
interface BuyerState {
  windows: Map<string, WindowUsage & { expiresAt: number }>;
  holds: Map<string, Hold>;
  rolling: Map<string, Rolling>;
  /** rolling events in the order taken (so by time) */
  events: { id: string; price: number; ts: number }[];
  sold: Map<string, number>;
  tat: number;
}

/**
 * A buyer's caps in one process, with the arithmetic of lua/cap-*.lua: the same windows, holds,
 * rolling cursors and purchases, judged the same way (the same contract tests run on both).
 * Each method is synchronous inside, so it is as atomic as a script; expired holds are purged a
 * bounded number per call, as the scripts purge them.
 */
export class MemoryCaps implements CapStore {
  private readonly buyers = new Map<string, BuyerState>();

  constructor(private readonly live: Live) {}

  private buyer(id: string, now: number): BuyerState {
    let b = this.buyers.get(id);
    if (b === undefined) {
      b = { windows: new Map(), holds: new Map(), rolling: new Map(), events: [], sold: new Map(), tat: 0 };
      this.buyers.set(id, b);
    }
    let n = 0;
    for (const [holdId, h] of b.holds) {
      if (n >= PURGE_LIMIT) break;
      if (h.expiresAt <= now) {
        this.unhold(b, holdId, false);
        n++;
      }
    }
    for (const [w, u] of b.windows) if (u.expiresAt <= now) b.windows.delete(w);
    for (const [d, until] of b.sold) if (until <= now) b.sold.delete(d);
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

  private unhold(b: BuyerState, holdId: string, keepRolling: boolean): Hold | undefined {
    const h = b.holds.get(holdId);
    if (h === undefined) return undefined;
    for (const w of h.windows) {
      const u = this.window(b, w);
      u.heldCount -= 1;
      u.heldSpend -= h.price;
    }
    if (!keepRolling && h.ts !== null) {
      const i = b.events.findIndex((e) => e.id === holdId);
      if (i >= 0) b.events.splice(i, 1);
      for (const s of h.specs) {
        const r = b.rolling.get(s);
        if (r !== undefined && h.ts > r.cursor) {
          r.count -= 1;
          r.spend -= h.price;
        }
      }
    }
    b.holds.delete(holdId);
    return h;
  }

  /** move every rolling window of `limits` up to now; then judge one more lead of `price` */
  private judge(b: BuyerState, limits: Limits, sold: readonly string[], price: number, now: number): Verdict {
    for (const w of limits.calendar) {
      const u = this.window(b, w.id);
      if (w.maxCount >= 0 && u.count + u.heldCount + 1 > w.maxCount) return { ok: false, reason: 'CAP_REACHED', limit: 'count', window: w.id };
      if (w.maxSpend >= 0 && u.spend + u.heldSpend + price > w.maxSpend) return { ok: false, reason: 'CAP_REACHED', limit: 'spend', window: w.id };
    }
    let oldest = Infinity;
    for (const l of limits.rolling) {
      let r = b.rolling.get(l.spec);
      if (r === undefined) {
        r = { count: 0, spend: 0, cursor: now - 1 };
        b.rolling.set(l.spec, r);
      }
      const cutoff = now - l.lengthMs;
      if (cutoff > r.cursor) {
        for (const e of b.events) {
          if (e.ts > cutoff) break;
          if (e.ts > r.cursor) {
            r.count -= 1;
            r.spend -= e.price;
          }
        }
        r.cursor = cutoff;
      }
      oldest = Math.min(oldest, r.cursor);
    }
    while (b.events.length > 0 && b.events[0]!.ts <= oldest) b.events.shift();
    for (const l of limits.rolling) {
      const r = b.rolling.get(l.spec)!;
      if (l.maxCount >= 0 && r.count + 1 > l.maxCount) return { ok: false, reason: 'CAP_REACHED', limit: 'count', window: `r:${l.spec}` };
      if (l.maxSpend >= 0 && r.spend + price > l.maxSpend) return { ok: false, reason: 'CAP_REACHED', limit: 'spend', window: `r:${l.spec}` };
    }
    for (const d of sold) if (b.sold.has(d)) return { ok: false, reason: 'ALREADY_SOLD_TO_BUYER' };
    return { ok: true };
  }

  async checkBuyer(buyer: string, limits: Limits, sold: readonly string[], rate: RateRuntime | null, leastPrice: number, now: number): Promise<Verdict> {
    this.live();
    const b = this.buyer(buyer, now);
    const v = this.judge(b, limits, sold, Math.max(1, leastPrice), now);
    if (!v.ok) return v;
    return admit(b, rate, now) ? v : { ok: false, reason: 'PING_RATE' };
  }

  async hold(buyer: string, holdId: string, priceMicros: number, limits: Limits, sold: readonly string[], now: number, expiresAt: number): Promise<Verdict> {
    this.live();
    const b = this.buyer(buyer, now);
    if (b.holds.has(holdId)) return { ok: true };
    const v = this.judge(b, limits, sold, priceMicros, now);
    if (!v.ok) return v;
    for (const w of limits.calendar) {
      const u = this.window(b, w.id, w.expiresAt);
      u.heldCount += 1;
      u.heldSpend += priceMicros;
    }
    for (const l of limits.rolling) {
      const r = b.rolling.get(l.spec)!;
      r.count += 1;
      r.spend += priceMicros;
    }
    const rolls = limits.rolling.length > 0;
    // as in the script: never at or before a cursor, or the event could never be taken out
    let ts = now;
    for (const l of limits.rolling) ts = Math.max(ts, b.rolling.get(l.spec)!.cursor + 1);
    if (rolls) b.events.push({ id: holdId, price: priceMicros, ts });
    b.holds.set(holdId, { price: priceMicros, windows: limits.calendar.map((w) => w.id), ts: rolls ? ts : null, specs: limits.rolling.map((l) => l.spec), expiresAt });
    return { ok: true };
  }

  async extendHold(buyer: string, holdId: string, expiresAt: number, now: number, sold: readonly string[]): Promise<'held' | 'gone' | 'sold'> {
    this.live();
    const b = this.buyer(buyer, now);
    const h = b.holds.get(holdId);
    if (h === undefined) return 'gone';
    if (sold.some((d) => b.sold.has(d))) {
      this.unhold(b, holdId, false);
      return 'sold';
    }
    h.expiresAt = expiresAt;
    return 'held';
  }

  async commitHold(buyer: string, holdId: string, now: number, purchases: readonly Purchase[]): Promise<boolean> {
    this.live();
    const b = this.buyer(buyer, now);
    // a sale stays in its rolling windows
    const h = this.unhold(b, holdId, true);
    if (h === undefined) return false;
    for (const w of h.windows) {
      const u = this.window(b, w);
      u.count += 1;
      u.spend += h.price;
    }
    for (const p of purchases) b.sold.set(p.digest, Math.max(p.until, b.sold.get(p.digest) ?? 0));
    return true;
  }

  async releaseHold(buyer: string, holdId: string, now: number): Promise<boolean> {
    this.live();
    return this.unhold(this.buyer(buyer, now), holdId, false) !== undefined;
  }

  async restoreSale(buyer: string, leadId: string, priceMicros: number, limits: Limits, now: number): Promise<boolean> {
    this.live();
    const b = this.buyer(buyer, now);
    const i = b.events.findIndex((e) => e.id === leadId && e.price === priceMicros);
    // with rolling windows, the sale's rolling event is the proof it was not given back yet
    if (limits.rolling.length > 0 && i < 0) return false;
    let given = false;
    for (const w of limits.calendar) {
      const u = b.windows.get(w.id);
      if (u === undefined || u.count <= 0) continue;
      u.count -= 1;
      u.spend -= Math.min(priceMicros, u.spend);
      given = true;
    }
    if (i >= 0) {
      const e = b.events[i]!;
      b.events.splice(i, 1);
      for (const r of limits.rolling) {
        const state = b.rolling.get(r.spec);
        if (state !== undefined && e.ts > state.cursor) {
          state.count -= 1;
          state.spend -= priceMicros;
        }
      }
      given = true;
    }
    return given;
  }

  async usage(buyer: string, windowId: string, now: number): Promise<WindowUsage> {
    this.live();
    const b = this.buyer(buyer, now);
    if (windowId.startsWith('r:')) {
      const r = b.rolling.get(windowId.slice(2));
      return { count: r?.count ?? 0, spend: r?.spend ?? 0, heldCount: 0, heldSpend: 0 };
    }
    const u = this.window(b, windowId);
    return { count: u.count, spend: u.spend, heldCount: u.heldCount, heldSpend: u.heldSpend };
  }
}
