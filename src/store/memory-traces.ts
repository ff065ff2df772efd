import { sweep, type Expiring, type Live } from './memory-expiry.js';
import type { TraceBatch, TraceStore } from './store.js';
import { traceShard } from './trace-shard.js';

/** Lead traces in one process, bounded by retention and by the number of leads kept. */
export class MemoryTraces implements TraceStore {
  /** lead id -> its trace segments; bounded by retention and by `maxTraces` (the oldest go first) */
  private readonly traces = new Map<string, Expiring<string[]>>();

  /** `maxTraces`: the most leads whose traces one process keeps in memory */
  constructor(
    private readonly live: Live,
    private readonly maxTraces: number,
  ) {}

  async appendTraces(entries: readonly (readonly [string, string])[], retentionMs: number, maxSegments: number): Promise<void> {
    this.live();
    const now = Date.now();
    sweep(this.traces, now);
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

  async scanTraces(_from: number, _to: number, _retentionMs: number, each: (batch: TraceBatch, complete: number) => Promise<void> | void, shards?: ReadonlySet<number>): Promise<void> {
    this.live();
    const now = Date.now();
    // no write time is kept here (the reader filters by each segment's own `at`); copied first,
    // so leads written while `each` runs neither move nor repeat
    const all = [...this.traces].filter(([id, t]) => t.expiresAt > now && (shards === undefined || shards.has(traceShard(id))));
    for (let i = 0; i < all.length; i += 1000) await each(all.slice(i, i + 1000).map(([id, t]) => [id, t.value.slice()] as const), -Infinity);
  }
}
