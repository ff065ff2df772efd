import type { Live } from './memory-expiry.js';
import type { DeliveryStore } from './store.js';

/** recipients kept at most (one per party, and one per lead delivered to a buyer): past it the least recently tried go first */
const MAX_RECIPIENTS = 200_000;
/** expired lists dropped per write, at most: bounded work, and still faster than they come */
const PURGE_PER_WRITE = 8;

/** Delivery tries in one process: the newest `keep` per recipient, gone `retentionMs` after its last. */
export class MemoryDeliveries implements DeliveryStore {
  private readonly lists = new Map<string, { records: string[]; expiresAt: number }>();

  constructor(private readonly live: Live) {}

  async recordDelivery(recipient: string, record: string, keep: number, retentionMs: number): Promise<void> {
    this.live();
    const now = Date.now();
    const list = this.lists.get(recipient);
    const records = list === undefined || list.expiresAt <= now ? [] : list.records;
    records.unshift(record);
    records.length = Math.min(records.length, keep);
    // re-inserted, so the map runs from the least recently tried: what expires first is in front
    this.lists.delete(recipient);
    this.lists.set(recipient, { records, expiresAt: now + retentionMs });
    let purged = 0;
    for (const [r, l] of this.lists) {
      if (this.lists.size <= MAX_RECIPIENTS && (l.expiresAt > now || purged >= PURGE_PER_WRITE)) break;
      this.lists.delete(r);
      purged++;
    }
  }

  async deliveries(recipient: string, limit: number): Promise<string[]> {
    this.live();
    const list = this.lists.get(recipient);
    return list === undefined || list.expiresAt <= Date.now() ? [] : list.records.slice(0, limit);
  }
}
