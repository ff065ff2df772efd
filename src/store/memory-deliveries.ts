import type { Live } from './memory-expiry.js';
import type { DeliveryStore } from './store.js';

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
    this.lists.set(recipient, { records, expiresAt: now + retentionMs });
  }

  async deliveries(recipient: string, limit: number): Promise<string[]> {
    this.live();
    const list = this.lists.get(recipient);
    return list === undefined || list.expiresAt <= Date.now() ? [] : list.records.slice(0, limit);
  }
}
