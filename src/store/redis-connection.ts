import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { loadLuaScripts } from './lua-scripts.js';
import type { Reply } from './lua-replies.js';

export type RedisClient = Redis | Cluster;
export type Arg = string | number;
/** a buyer's six cap keys (keys.buyer); the scripts that never read its purchases take the first five */
type BuyerKeys = [string, string, string, string, string, string];
type HoldKeys = [string, string, string, string, string];

/** The commands defineCommand adds, one per lua/ script (keys first, as many as the file's name says). */
export interface Scripts {
  capCheck(...keysThenArgv: [...BuyerKeys, ...Arg[]]): Promise<Reply>;
  capHold(...keysThenArgv: [...BuyerKeys, ...Arg[]]): Promise<Reply>;
  capExtend(...keysThenArgv: [...BuyerKeys, ...Arg[]]): Promise<Reply>;
  capCommit(...keysThenArgv: [...BuyerKeys, ...Arg[]]): Promise<Reply>;
  capRelease(...keysThenArgv: [...HoldKeys, ...Arg[]]): Promise<Reply>;
  capRestore(...keysThenArgv: [...HoldKeys, ...Arg[]]): Promise<Reply>;
  capUsage(...keysThenArgv: [...HoldKeys, ...Arg[]]): Promise<Reply>;
  dedupClaim(k1: string, k2: string, ...argv: Arg[]): Promise<Reply>;
  sellerGate(k1: string, k2: string, ...argv: Arg[]): Promise<Reply>;
  auctionClaim(key: string, retentionMs: number, seller: string): Promise<Reply>;
  acceptRate(key: string, ...argv: Arg[]): Promise<number>;
  turnPick(key: string, ...argv: Arg[]): Promise<string[]>;
  traceAppend(key: string, expiresAt: number, max: number, ...pairs: string[]): Promise<number>;
  leadIndexAppend(key: string, minId: number, ...summaries: string[]): Promise<number>;
  callClaim(key: string, now: number, fingerprint: string, leaseMs: number, windowMs: number): Promise<Reply>;
  callFinish(key: string, fingerprint: string, answer: string, windowMs: number): Promise<Reply>;
  uploadLease(key: string, owner: string, leaseMs: number): Promise<number>;
}

/** every script the store calls: a missing file fails at start, not at its first call */
const SCRIPTS: Record<keyof Scripts, true> = {
  capCheck: true,
  capHold: true,
  capExtend: true,
  capCommit: true,
  capRelease: true,
  capRestore: true,
  capUsage: true,
  dedupClaim: true,
  sellerGate: true,
  auctionClaim: true,
  acceptRate: true,
  turnPick: true,
  traceAppend: true,
  leadIndexAppend: true,
  callClaim: true,
  callFinish: true,
  uploadLease: true,
};

export interface RedisStoreOptions {
  /** one Redis server */
  url?: string;
  /** or the seed nodes of a Redis Cluster */
  cluster?: { host: string; port: number }[];
  prefix: string;
}

const DEFAULTS: RedisOptions = {
  // fail at once while disconnected instead of queueing: an auction has milliseconds
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  // keep reconnecting, forever, so Gavel recovers by itself when Redis returns
  retryStrategy: (times) => Math.min(50 * times, 1000),
};

/** A client for one Redis or a Cluster, every lua/ script defined on it (sent by EVALSHA, loaded on first use). */
export function connectRedis(opts: RedisStoreOptions): { client: RedisClient; scripts: Scripts } {
  const lua = loadLuaScripts();
  const missing = Object.keys(SCRIPTS).filter((name) => !lua.some((s) => s.name === name));
  if (missing.length > 0) throw new Error(`lua/: no script for ${missing.join(', ')} (each is lua/<kebab-case name>-<numKeys>.lua)`);
  let client: RedisClient;
  if (opts.cluster !== undefined) {
    client = new Cluster(opts.cluster, {
      keyPrefix: opts.prefix,
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      clusterRetryStrategy: (times) => Math.min(50 * times, 1000),
      redisOptions: DEFAULTS,
    });
  } else {
    client = new Redis(opts.url ?? 'redis://127.0.0.1:6379', { ...DEFAULTS, keyPrefix: opts.prefix, enableAutoPipelining: true });
  }
  // errors surface as rejected commands and /ready; an unhandled 'error' event would crash
  client.on('error', () => undefined);
  for (const s of lua) client.defineCommand(s.name, { numberOfKeys: s.numberOfKeys, lua: s.lua });
  return { client, scripts: client as unknown as Scripts };
}
