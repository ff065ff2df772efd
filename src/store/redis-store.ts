import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { RateRuntime } from '../config/runtime.js';
import { OUTCOME_ARG, parseRecord, type AcceptRecord, type PostOutcome } from './accept-record.js';
import type { Limits } from '../core/cap-limits.js';
import { keys } from './keys.js';
import { loadLuaScripts } from './lua-scripts.js';
import { persistenceOf, weakest, type Persistence } from './persistence.js';
import type { AuctionLookup, CallClaim, ClaimResult, GateVerdict, Purchase, QueuedEvent, Store, Verdict, WindowUsage } from './store.js';

type Reply = number | string | null | Reply[];
type Arg = string | number;
/** The commands defineCommand adds, one per lua/ file. */
interface Scripts {
  dedupClaim(k1: string, k2: string, ...argv: Arg[]): Promise<number>;
  sellerGate(k1: string, k2: string, ...argv: Arg[]): Promise<number>;
  auctionClaim(key: string, retentionMs: number, seller: string): Promise<Reply[]>;
  buyerCaps(k1: string, k2: string, k3: string, k4: string, k5: string, k6: string, ...argv: Arg[]): Promise<Reply>;
  acceptRate(key: string, ...argv: Arg[]): Promise<number>;
  turnPick(key: string, ...argv: Arg[]): Promise<string[]>;
  traceAppend(key: string, expiresAt: number, max: number, ...pairs: string[]): Promise<number>;
  callClaim(key: string, now: number, fingerprint: string, leaseMs: number, windowMs: number): Promise<Reply[]>;
  callFinish(key: string, fingerprint: string, answer: string, windowMs: number): Promise<number>;
}

export interface RedisStoreOptions {
  /** one Redis server */
  url?: string;
  /** or the seed nodes of a Redis Cluster */
  cluster?: { host: string; port: number }[];
  prefix: string;
}

/** Trace buckets per shard: a batch's traces go in at most this many script calls. */
const TRACE_SHARDS = 16;

/** A lead's trace shard: a small hash of its id, so any id (not only a UUID) spreads. */
function traceShard(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) | 0;
  return (h >>> 0) % TRACE_SHARDS;
}

/** The span of one trace bucket: an eighth of the retention (so a trace is kept for its retention and at most an eighth more), at least 100 ms, at most an hour. */
function traceSpanMs(retentionMs: number): number {
  return Math.min(3_600_000, Math.max(100, Math.floor(retentionMs / 8)));
}

/** The one consumer group of every queue: every Gavel process reads as a consumer of it. */
const QUEUE_GROUP = 'gavel';

type StreamEntry = [string, string[]];

/** A stream entry's body: the queue writes one field, `b`. */
function queued(entries: (StreamEntry | null)[]): QueuedEvent[] {
  const out: QueuedEvent[] = [];
  // an entry deleted while pending comes back as null (Redis 6) or is left out (Redis 7)
  for (const e of entries) if (e !== null && e[1] !== null) out.push({ entry: e[0], body: e[1][1] ?? '' });
  return out;
}

const DEFAULTS: RedisOptions = {
  // fail at once while disconnected instead of queueing: an auction has milliseconds
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  // keep reconnecting, forever, so Gavel recovers by itself when Redis returns
  retryStrategy: (times) => Math.min(50 * times, 1000),
};

/** The script's limit arguments: calendar windows, then rolling windows, then the buyer's purchases. */
function limitArgs(argv: Arg[], limits: Limits, sold: readonly string[], withExpiry: boolean): void {
  argv.push(limits.calendar.length);
  for (const w of limits.calendar) argv.push(w.id, w.maxCount, w.maxSpend, withExpiry ? w.expiresAt : 0);
  argv.push(limits.rolling.length);
  for (const r of limits.rolling) argv.push(r.spec, r.lengthMs, r.maxCount, r.maxSpend);
  argv.push(sold.length, ...sold);
}

const fieldsOf = new WeakMap<Limits, string[]>();
/** The counters a check reads, in the order hasRoom reads them; computed once per set of windows. */
function counterFields(limits: Limits): string[] {
  let f = fieldsOf.get(limits);
  if (f === undefined) {
    f = [];
    for (const w of limits.calendar) f.push(`${w.id}:n`, `${w.id}:hn`, `${w.id}:s`, `${w.id}:hs`);
    for (const r of limits.rolling) f.push(`r:${r.spec}:n`, `r:${r.spec}:s`);
    fieldsOf.set(limits, f);
  }
  return f;
}

/** Room for one more lead at `price` (as the script's check judges) in counters read as they are. */
function hasRoom(limits: Limits, v: (string | null)[], price: number): boolean {
  const n = (i: number) => Number(v[i] ?? 0);
  let i = 0;
  for (const w of limits.calendar) {
    if (w.maxCount >= 0 && n(i) + n(i + 1) + 1 > w.maxCount) return false;
    if (w.maxSpend >= 0 && n(i + 2) + n(i + 3) + price > w.maxSpend) return false;
    i += 4;
  }
  for (const r of limits.rolling) {
    if (r.maxCount >= 0 && n(i) + 1 > r.maxCount) return false;
    if (r.maxSpend >= 0 && n(i + 1) + price > r.maxSpend) return false;
    i += 2;
  }
  return true;
}

function verdict(r: Reply[]): Verdict {
  switch (r[0]) {
    case 1:
      return { ok: true };
    case -1:
    case -2:
      return { ok: false, reason: 'CAP_REACHED', limit: r[0] === -1 ? 'count' : 'spend', window: String(r[1]) };
    case -3:
      return { ok: false, reason: 'ALREADY_SOLD_TO_BUYER' };
    default:
      return { ok: false, reason: 'PING_RATE' };
  }
}

export class RedisStore implements Store {
  readonly kind = 'redis' as const;
  readonly client: Redis | Cluster;
  readonly prefix: string;
  private readonly scripts: Scripts;

  constructor(opts: RedisStoreOptions) {
    this.prefix = opts.prefix;
    if (opts.cluster !== undefined) {
      this.client = new Cluster(opts.cluster, {
        keyPrefix: opts.prefix,
        enableOfflineQueue: false,
        enableAutoPipelining: true,
        clusterRetryStrategy: (times) => Math.min(50 * times, 1000),
        redisOptions: DEFAULTS,
      });
    } else {
      this.client = new Redis(opts.url ?? 'redis://127.0.0.1:6379', { ...DEFAULTS, keyPrefix: opts.prefix, enableAutoPipelining: true });
    }
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

  async claimDedup(scope: string, digests: readonly string[], owner: string, windowMs: number, now: number): Promise<boolean> {
    return (await this.scripts.dedupClaim(...keys.dedup(scope), now, owner, now + windowMs, ...digests)) === 1;
  }

  async gateSeller(seller: string, rate: RateRuntime | null, payloadDigest: string | null, windowMs: number, now: number): Promise<GateVerdict> {
    const r = await this.scripts.sellerGate(...keys.seller(seller), now, rate?.intervalMs ?? 0, rate?.toleranceMs ?? 0, payloadDigest ?? '', now + windowMs);
    return r === 1 ? 'ok' : r === -1 ? 'RATE_LIMITED' : 'RESUBMITTED';
  }

  async checkBuyer(buyer: string, limits: Limits, sold: readonly string[], rate: RateRuntime | null, leastPrice: number, now: number): Promise<Verdict> {
    const price = Math.max(1, leastPrice);
    if (rate === null && sold.length === 0) {
      // Counters only ever overstate the truth (expired holds and rolling events not yet purged
      // still count), so room in a plain read is room: most checks need no script. Only a
      // refusal is confirmed by the script, which purges before it judges.
      const v = await this.client.hmget(keys.buyer(buyer)[0], ...counterFields(limits));
      if (hasRoom(limits, v, price)) return { ok: true };
    }
    const argv: Arg[] = ['check', now, price];
    limitArgs(argv, limits, sold, false);
    argv.push(rate?.intervalMs ?? 0, rate?.toleranceMs ?? 0);
    return verdict((await this.scripts.buyerCaps(...keys.buyer(buyer), ...argv)) as Reply[]);
  }

  async hold(buyer: string, holdId: string, priceMicros: number, limits: Limits, sold: readonly string[], now: number, expiresAt: number): Promise<Verdict> {
    const argv: Arg[] = ['hold', now, holdId, expiresAt, priceMicros];
    limitArgs(argv, limits, sold, true);
    return verdict((await this.scripts.buyerCaps(...keys.buyer(buyer), ...argv)) as Reply[]);
  }

  async extendHold(buyer: string, holdId: string, expiresAt: number, now: number, sold: readonly string[]): Promise<'held' | 'gone' | 'sold'> {
    const r = await this.scripts.buyerCaps(...keys.buyer(buyer), 'extend', now, holdId, expiresAt, ...sold);
    return r === 1 ? 'held' : r === -3 ? 'sold' : 'gone';
  }

  async commitHold(buyer: string, holdId: string, now: number, purchases: readonly Purchase[]): Promise<boolean> {
    const argv: Arg[] = ['commit', now, holdId];
    for (const p of purchases) argv.push(p.digest, p.until);
    return (await this.scripts.buyerCaps(...keys.buyer(buyer), ...argv)) === 1;
  }

  async releaseHold(buyer: string, holdId: string, now: number): Promise<boolean> {
    return (await this.scripts.buyerCaps(...keys.buyer(buyer), 'release', now, holdId)) === 1;
  }

  async restoreSale(buyer: string, leadId: string, priceMicros: number, limits: Limits, now: number): Promise<boolean> {
    const argv: Arg[] = ['restore', now, leadId, priceMicros, limits.calendar.length, ...limits.calendar.map((w) => w.id), ...limits.rolling.map((r) => r.spec)];
    return (await this.scripts.buyerCaps(...keys.buyer(buyer), ...argv)) === 1;
  }

  async usage(buyer: string, windowId: string, now: number): Promise<WindowUsage> {
    const r = (await this.scripts.buyerCaps(...keys.buyer(buyer), 'usage', now, windowId)) as number[];
    return { count: r[0]!, spend: r[1]!, heldCount: r[2]!, heldSpend: r[3]! };
  }

  async takeTurn(tier: string, candidates: readonly (readonly [string, number])[]): Promise<string[]> {
    return this.scripts.turnPick(keys.turn(tier), ...candidates.flat());
  }

  async recordPostOutcome(buyer: string, grades: readonly string[], outcome: PostOutcome, now: number, halfLifeMs: number): Promise<void> {
    await this.scripts.acceptRate(keys.accept(buyer), now, halfLifeMs, OUTCOME_ARG[outcome], ...grades);
  }

  async acceptRecords(buyer: string): Promise<Map<string, AcceptRecord>> {
    const out = new Map<string, AcceptRecord>();
    for (const [grade, text] of Object.entries(await this.client.hgetall(keys.accept(buyer)))) {
      const r = parseRecord(text);
      if (r !== undefined) out.set(grade, r);
    }
    return out;
  }

  async appendTraces(entries: readonly (readonly [string, string])[], retentionMs: number, maxSegments: number): Promise<void> {
    // one script call per shard (not per lead): a command costs Gavel more than its bytes do
    const span = traceSpanMs(retentionMs);
    const bucket = Math.floor(Date.now() / span);
    const byShard = new Map<number, string[]>();
    for (const [id, seg] of entries) {
      const shard = traceShard(id);
      const pairs = byShard.get(shard);
      if (pairs === undefined) byShard.set(shard, [id, seg]);
      else pairs.push(id, seg);
    }
    const expiresAt = (bucket + 1) * span + retentionMs;
    await Promise.all([...byShard].map(([shard, pairs]) => this.scripts.traceAppend(keys.traces(shard, bucket), expiresAt, maxSegments, ...pairs)));
  }

  async readTrace(leadId: string, retentionMs: number, maxSegments: number): Promise<string[]> {
    const span = traceSpanMs(retentionMs);
    const now = Date.now();
    const shard = traceShard(leadId);
    // every bucket that may still be kept, oldest first
    const buckets: number[] = [];
    for (let b = Math.floor((now - retentionMs) / span); b <= Math.floor(now / span); b++) buckets.push(b);
    const found = await Promise.all(buckets.map((b) => this.client.hget(keys.traces(shard, b), leadId)));
    return found.flatMap((v) => (v === null ? [] : v.split('\n'))).slice(0, maxSegments);
  }

  private readonly groups = new Set<string>();

  /** the queue's stream and its group, made on first use (and again if the stream was deleted) */
  private async group(key: string, again = false): Promise<void> {
    if (this.groups.has(key) && !again) return;
    try {
      await this.client.xgroup('CREATE', key, QUEUE_GROUP, '0', 'MKSTREAM');
    } catch (e) {
      if (!String((e as Error).message).includes('BUSYGROUP')) throw e;
    }
    this.groups.add(key);
  }

  async enqueue(queue: string, body: string): Promise<void> {
    await this.client.xadd(keys.queue(queue), '*', 'b', body);
  }

  async dequeue(queue: string, consumer: string, count: number, reclaimMs: number | null): Promise<QueuedEvent[]> {
    const key = keys.queue(queue);
    await this.group(key);
    const read = async (): Promise<QueuedEvent[]> => {
      // what a consumer took and never acknowledged, once it has waited reclaimMs
      let out: QueuedEvent[] = [];
      if (reclaimMs !== null) {
        const [, claimed] = (await this.client.xautoclaim(key, QUEUE_GROUP, consumer, reclaimMs, '0-0', 'COUNT', count)) as [string, (StreamEntry | null)[]];
        out = queued(claimed);
      }
      if (out.length >= count) return out;
      const fresh = (await this.client.xreadgroup('GROUP', QUEUE_GROUP, consumer, 'COUNT', count - out.length, 'STREAMS', key, '>')) as [string, StreamEntry[]][] | null;
      return fresh === null ? out : out.concat(queued(fresh[0]![1]));
    };
    try {
      return await read();
    } catch (e) {
      if (!String((e as Error).message).includes('NOGROUP')) throw e;
      await this.group(key, true);
      return read();
    }
  }

  async acknowledge(queue: string, entries: readonly string[]): Promise<void> {
    if (entries.length === 0) return;
    const key = keys.queue(queue);
    // one group per queue: an acknowledged entry is needed by no one, so it leaves the stream
    await Promise.all([this.client.xack(key, QUEUE_GROUP, ...entries), this.client.xdel(key, ...entries)]);
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

  async claimCall(seller: string, key: string, fingerprint: string, now: number, leaseMs: number, windowMs: number): Promise<CallClaim> {
    const r = await this.scripts.callClaim(keys.call(seller, key), now, fingerprint, leaseMs, windowMs);
    switch (r[0]) {
      case 1:
        return { kind: 'claimed' };
      case 2:
        return { kind: 'running' };
      case 3:
        return { kind: 'mismatch' };
      case 4:
        return { kind: 'done', answer: String(r[1]) };
      default:
        throw new Error(`call-claim-1.lua: unknown return ${JSON.stringify(r)}`);
    }
  }

  async finishCall(seller: string, key: string, fingerprint: string, answer: string | null, windowMs: number): Promise<boolean> {
    const r = await this.scripts.callFinish(keys.call(seller, key), fingerprint, answer ?? '', windowMs);
    if (r !== 0 && r !== 1) throw new Error(`call-finish-1.lua: unknown return ${JSON.stringify(r)}`);
    return r === 1;
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  /** CONFIG GET on every master (a Cluster's each); a server that refuses CONFIG, or does not answer, counts as 'unknown' */
  async persistence(): Promise<Persistence> {
    const masters = this.client instanceof Cluster ? this.client.nodes('master') : [this.client];
    const each = await Promise.all(
      masters.map(async (node): Promise<Persistence> => {
        try {
          const [save, aof] = (await Promise.all([node.config('GET', 'save'), node.config('GET', 'appendonly')])) as [string[], string[]];
          return save.length < 2 || aof.length < 2 ? 'unknown' : persistenceOf(save[1]!, aof[1]!);
        } catch {
          return 'unknown';
        }
      }),
    );
    return weakest(each);
  }

  async close(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
