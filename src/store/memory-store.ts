import type { RateRuntime } from '../config/runtime.js';
import { recorded, type AcceptRecord, type PostOutcome } from './accept-record.js';
import { takeTurn } from './turn-order.js';
import type { Limits } from '../core/cap-limits.js';
import type { QueuedEvent, AuctionLookup, CallClaim, ClaimResult, GateVerdict, Purchase, Store, Verdict, WindowUsage } from './store.js';
import type { Persistence } from './persistence.js';

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
interface Expiring<T> {
  value: T;
  expiresAt: number;
}

const PURGE_LIMIT = 64;
/** idempotency records the memory store keeps at most */
const MAX_CALLS = 200_000;

/** GCRA: true (and the arrival counted) when within the rate. */
function admit(state: { tat: number }, rate: RateRuntime | null, now: number, dryRun = false): boolean {
  if (rate === null) return true;
  const tat = Math.max(state.tat, now);
  if (tat - now > rate.toleranceMs) return false;
  if (!dryRun) state.tat = tat + rate.intervalMs;
  return true;
}

/**
 * The embedded default: one process, no Redis, the same contract as RedisStore (the same
 * contract tests run against both). Every method is synchronous inside, so each call is as
 * atomic as a Lua script. Expired entries go lazily, a bounded number per call, as in the scripts.
 */
export class MemoryStore implements Store {
  readonly kind = 'memory' as const;
  private readonly dedup = new Map<string, Map<string, Expiring<string>>>();
  private readonly sellers = new Map<string, { tat: number; recent: Map<string, number> }>();
  private readonly auctions = new Map<string, Expiring<{ data: string; seller: string; posted: boolean }>>();
  /** sellers' calls under idempotency keys, as lua/call-claim-1.lua keeps them */
  private readonly calls = new Map<string, Expiring<{ fingerprint: string; lease: number; answer: string | null }>>();
  private readonly buyers = new Map<string, BuyerState>();
  /** bounded by the configured tiers and their buyers */
  private readonly turns = new Map<string, Map<string, number>>();
  /** bounded by the configured buyers and the four grades */
  private readonly accepts = new Map<string, Map<string, AcceptRecord>>();
  /** lead id -> its trace segments; bounded by retention and by `maxTraces` (the oldest go first) */
  private readonly traces = new Map<string, Expiring<string[]>>();
  /** durable queues, as far as one process can keep them: entry -> body, and who took it when */
  private readonly queues = new Map<string, { seq: number; entries: Map<string, { body: string; consumer: string | null; takenAt: number }> }>();
  private closed = false;

  /** `maxTraces`: the most leads whose traces one process keeps in memory */
  constructor(private readonly maxTraces = 100_000) {}

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

  private live(): void {
    if (this.closed) throw new Error('memory store is closed');
  }

  async claimDedup(scope: string, digests: readonly string[], owner: string, windowMs: number, now: number): Promise<boolean> {
    this.live();
    let claims = this.dedup.get(scope);
    if (claims === undefined) this.dedup.set(scope, (claims = new Map()));
    this.sweep(claims, now);
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

  async takeTurn(tier: string, candidates: readonly (readonly [string, number])[]): Promise<string[]> {
    this.live();
    let current = this.turns.get(tier);
    if (current === undefined) this.turns.set(tier, (current = new Map()));
    return takeTurn(current, candidates);
  }

  async recordPostOutcome(buyer: string, grades: readonly string[], outcome: PostOutcome, now: number, halfLifeMs: number): Promise<void> {
    this.live();
    let records = this.accepts.get(buyer);
    if (records === undefined) this.accepts.set(buyer, (records = new Map()));
    for (const g of grades) records.set(g, recorded(records.get(g), outcome, now, halfLifeMs));
  }

  async acceptRecords(buyer: string): Promise<Map<string, AcceptRecord>> {
    this.live();
    return new Map(this.accepts.get(buyer) ?? []);
  }

  async appendTraces(entries: readonly (readonly [string, string])[], retentionMs: number, maxSegments: number): Promise<void> {
    this.live();
    const now = Date.now();
    this.sweep(this.traces, now);
    for (const [id, seg] of entries) {
      const t = this.traces.get(id);
      const segs = t?.value ?? [];
      if (segs.length < maxSegments) segs.push(seg);
      // re-inserted, so the Map's order stays the order of expiry
      this.traces.delete(id);
      this.traces.set(id, { value: segs, expiresAt: now + retentionMs });
    }
    while (this.traces.size > this.maxTraces) this.traces.delete(this.traces.keys().next().value!);
  }

  async readTrace(leadId: string, _retentionMs: number, maxSegments: number): Promise<string[]> {
    this.live();
    const t = this.traces.get(leadId);
    return t === undefined || t.expiresAt <= Date.now() ? [] : t.value.slice(0, maxSegments);
  }

  private queue(name: string): { seq: number; entries: Map<string, { body: string; consumer: string | null; takenAt: number }> } {
    let q = this.queues.get(name);
    if (q === undefined) this.queues.set(name, (q = { seq: 0, entries: new Map() }));
    return q;
  }

  async enqueue(queue: string, body: string): Promise<void> {
    this.live();
    const q = this.queue(queue);
    q.entries.set(String(++q.seq), { body, consumer: null, takenAt: 0 });
  }

  async dequeue(queue: string, consumer: string, count: number, reclaimMs: number | null): Promise<QueuedEvent[]> {
    this.live();
    const now = Date.now();
    const out: QueuedEvent[] = [];
    const q = this.queue(queue);
    // like the Redis queue: first what was taken and left unacknowledged for reclaimMs, then new ones
    for (const pass of ['reclaim', 'fresh'] as const) {
      for (const [entry, e] of q.entries) {
        if (out.length >= count) return out;
        const take = pass === 'reclaim' ? reclaimMs !== null && e.consumer !== null && now - e.takenAt >= reclaimMs : e.consumer === null;
        if (!take) continue;
        e.consumer = consumer;
        e.takenAt = now;
        out.push({ entry, body: e.body });
      }
    }
    return out;
  }

  async acknowledge(queue: string, entries: readonly string[]): Promise<void> {
    this.live();
    const q = this.queue(queue);
    for (const entry of entries) q.entries.delete(entry);
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

  async claimCall(seller: string, key: string, fingerprint: string, now: number, leaseMs: number, windowMs: number): Promise<CallClaim> {
    this.live();
    this.sweep(this.calls, Date.now());
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

  /** nothing survives the process */
  async persistence(): Promise<Persistence> {
    return 'memory';
  }

  async ping(): Promise<void> {
    this.live();
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
