import type { IndexedLead, LeadIndexStore } from './store.js';

/** An id's time and sequence, to compare as the Redis stream's ids compare. */
function parts(id: string): [number, number] {
  const dash = id.indexOf('-');
  return dash < 0 ? [Number(id), Number.MAX_SAFE_INTEGER] : [Number(id.slice(0, dash)), Number(id.slice(dash + 1))];
}

function older(a: string, b: string): boolean {
  const [am, as] = parts(a);
  const [bm, bs] = parts(b);
  return am < bm || (am === bm && as < bs);
}

/**
 * The lead index in one process: summaries in the order written, with ids shaped as the Redis
 * stream's (`<ms>-<seq>`), bounded by retention and by the number of leads the store keeps.
 */
export class MemoryLeadIndex implements LeadIndexStore {
  private entries: { id: string; at: number; json: string }[] = [];
  /** where the live entries start: the array is compacted once half of it is dead */
  private start = 0;
  private lastMs = 0;
  private seq = 0;

  constructor(
    private readonly live: () => void,
    private readonly maxEntries: number,
  ) {}

  async indexLeads(summaries: readonly string[], retentionMs: number): Promise<void> {
    this.live();
    const now = Date.now();
    for (const json of summaries) {
      if (now === this.lastMs) this.seq++;
      else {
        this.lastMs = now;
        this.seq = 0;
      }
      this.entries.push({ id: `${now}-${this.seq}`, at: now, json });
    }
    while (this.start < this.entries.length && (this.entries[this.start]!.at < now - retentionMs || this.entries.length - this.start > this.maxEntries)) this.start++;
    if (this.start > this.entries.length / 2) {
      this.entries = this.entries.slice(this.start);
      this.start = 0;
    }
  }

  async scanLeads(fromMs: number, toMs: number, before: string | undefined, count: number): Promise<IndexedLead[]> {
    this.live();
    const out: IndexedLead[] = [];
    for (let i = this.entries.length - 1; i >= this.start && out.length < count; i--) {
      const e = this.entries[i]!;
      if (e.at < fromMs) break;
      if (e.at > toMs) continue;
      if (before !== undefined && !older(e.id, before)) continue;
      out.push({ id: e.id, json: e.json });
    }
    return out;
  }
}
