import { Redis, type RedisOptions } from 'ioredis';
import type { CapWindow } from './cap-windows.js';
import { keys } from './keys.js';
import { loadLuaScripts } from './lua-scripts.js';
import type { AuctionLookup, ClaimResult, HoldResult, Store, WindowUsage } from './store.js';

type Reply = number | string | null | Reply[];
/** The commands defineCommand adds, one per lua/ file. */
interface Scripts {
  dedupClaim(key: string, owner: string, windowMs: number): Promise<number>;
  auctionClaim(key: string, retentionMs: number, seller: string): Promise<Reply[]>;
  capHold(k1: string, k2: string, k3: string, k4: string, ...argv: (string | number)[]): Promise<Reply>;
}

export interface RedisStoreOptions {
  url: string;
  prefix: string;
}

export class RedisStore implements Store {
  readonly kind = 'redis' as const;
  readonly client: Redis;
  private readonly scripts: Scripts;

  constructor(opts: RedisStoreOptions, extra: RedisOptions = {}) {
    this.client = new Redis(opts.url, {
      keyPrefix: opts.prefix,
      // fail at once while disconnected instead of queueing: an auction has milliseconds
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      enableAutoPipelining: true,
      // keep reconnecting, forever, so Gavel recovers by itself when Redis returns
      retryStrategy: (times) => Math.min(50 * times, 1000),
      ...extra,
    });
    // errors surface as rejected commands and /ready; an unhandled 'error' event would crash
    this.client.on('error', () => undefined);
    for (const s of loadLuaScripts()) this.client.defineCommand(s.name, { numberOfKeys: s.numberOfKeys, lua: s.lua });
    this.scripts = this.client as unknown as Scripts;
  }

  /** Resolves when connected, or after `ms` (the store then reports unready until it connects). */
  waitReady(ms: number): Promise<boolean> {
    if (this.client.status === 'ready') return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      this.client.once('ready', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  async claimDedup(key: string, owner: string, windowMs: number): Promise<boolean> {
    return (await this.scripts.dedupClaim(key, owner, windowMs)) === 1;
  }

  async capsFull(buyer: string, windows: CapWindow[], now: number): Promise<boolean> {
    const argv: (string | number)[] = ['check', now, windows.length];
    for (const w of windows) argv.push(w.id, w.maxCount, w.maxSpend);
    return (await this.scripts.capHold(...keys.buyerCaps(buyer), ...argv)) !== 1;
  }

  async hold(buyer: string, holdId: string, priceMicros: number, windows: CapWindow[], now: number, expiresAt: number): Promise<HoldResult> {
    const argv: (string | number)[] = ['hold', now, holdId, expiresAt, priceMicros, windows.length];
    for (const w of windows) argv.push(w.id, w.maxCount, w.maxSpend, w.expiresAt);
    const r = (await this.scripts.capHold(...keys.buyerCaps(buyer), ...argv)) as Reply[];
    if (r[0] === 1) return { ok: true };
    return { ok: false, limit: r[0] === -1 ? 'count' : 'spend', window: String(r[1]) };
  }

  async extendHold(buyer: string, holdId: string, expiresAt: number, now: number): Promise<boolean> {
    return (await this.scripts.capHold(...keys.buyerCaps(buyer), 'extend', now, holdId, expiresAt)) === 1;
  }

  async commitHold(buyer: string, holdId: string, now: number): Promise<boolean> {
    return (await this.scripts.capHold(...keys.buyerCaps(buyer), 'commit', now, holdId)) === 1;
  }

  async releaseHold(buyer: string, holdId: string, now: number): Promise<boolean> {
    return (await this.scripts.capHold(...keys.buyerCaps(buyer), 'release', now, holdId)) === 1;
  }

  async usage(buyer: string, windowId: string, now: number): Promise<WindowUsage> {
    const r = (await this.scripts.capHold(...keys.buyerCaps(buyer), 'usage', now, windowId)) as number[];
    return { count: r[0]!, spend: r[1]!, heldCount: r[2]!, heldSpend: r[3]! };
  }

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
    const r = await this.scripts.auctionClaim(keys.auction(pingId), retentionMs, seller);
    if (r[0] === 1) return { kind: 'claimed', data: String(r[1]) };
    return r[0] === -1 ? { kind: 'posted' } : { kind: 'expired' };
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  async close(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
