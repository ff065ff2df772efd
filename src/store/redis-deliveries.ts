import { keys } from './keys.js';
import type { RedisClient } from './redis-connection.js';
import type { DeliveryStore } from './store.js';

/** Delivery tries in Redis: a list per recipient, newest first, trimmed and expiring in one transaction on its one key. */
export class RedisDeliveries implements DeliveryStore {
  constructor(private readonly client: RedisClient) {}

  async recordDelivery(recipient: string, record: string, keep: number, retentionMs: number): Promise<void> {
    const key = keys.deliveries(recipient);
    const replies = await this.client.multi().lpush(key, record).ltrim(key, 0, keep - 1).pexpire(key, retentionMs).exec();
    const failed = replies?.find(([err]) => err !== null);
    if (replies === null || failed !== undefined) throw failed?.[0] ?? new Error('recordDelivery: the transaction was discarded');
  }

  deliveries(recipient: string, limit: number): Promise<string[]> {
    return this.client.lrange(keys.deliveries(recipient), 0, limit - 1);
  }
}
