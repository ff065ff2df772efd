import { keys } from './keys.js';
import type { RedisClient, Scripts } from './redis-connection.js';
import type { TraceBatch, TraceStore } from './store.js';
import { TRACE_SHARDS, traceShard } from './trace-shard.js';

/** The span of one trace bucket: an eighth of the retention (so a trace is kept for its retention and at most an eighth more), at least 100 ms, at most an hour. */
export function traceSpanMs(retentionMs: number): number {
  return Math.min(3_600_000, Math.max(100, Math.floor(retentionMs / 8)));
}

/** Lead traces in Redis: per shard, one hash per span of time, gone `retention` after its span (lua/trace-append-1.lua). */
export class RedisTraces implements TraceStore {
  constructor(
    private readonly client: RedisClient,
    private readonly scripts: Scripts,
  ) {}

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

  async scanTraces(from: number, to: number, retentionMs: number, each: (batch: TraceBatch, complete: number) => Promise<void> | void, shards?: ReadonlySet<number>): Promise<void> {
    const span = traceSpanMs(retentionMs);
    // a segment is written after its call ends, a flush later: the span after `to` may hold some
    const last = Math.min(Math.floor(Date.now() / span), Math.floor(to / span) + 1);
    for (let b = Math.floor(from / span); b <= last; b++) {
      for (let shard = 0; shard < TRACE_SHARDS; shard++) {
        if (shards !== undefined && !shards.has(shard)) continue;
        let cursor = '0';
        do {
          // HSCAN in pages: a bucket of a busy hour is too big for one reply
          const [next, flat] = await this.client.hscan(keys.traces(shard, b), cursor, 'COUNT', SCAN_PAGE);
          cursor = next;
          const batch: [string, string[]][] = [];
          for (let i = 0; i + 1 < flat.length; i += 2) batch.push([flat[i]!, flat[i + 1]!.split('\n')]);
          if (batch.length > 0) await each(batch, b * span);
        } while (cursor !== '0');
      }
    }
  }
}

/** Fields asked of Redis per HSCAN page of a trace bucket. */
const SCAN_PAGE = 1000;
