import { Cluster, type Redis } from 'ioredis';
import type { RedisClient } from '../store/redis-connection.js';
import type { ConfigBus, ProcessReport } from './config-bus.js';

/** Reports older than this are dropped when the list is read: a process gone for good leaves no ghost. */
const FORGET_AFTER_MS = 10 * 60_000;

/**
 * The bus on the shared Redis (one server or a Cluster): a PUBLISH on `<prefix>config:live`
 * carries the version number (a Cluster passes classic pub/sub messages to every node), and a
 * hash `config:processes` holds each process's report. The subscriber is a connection of its own,
 * as Redis requires; it queues its SUBSCRIBE until connected and subscribes again after a reconnect.
 */
export class RedisConfigBus implements ConfigBus {
  private sub: Redis | Cluster | null = null;
  private readonly channel: string;

  constructor(
    private readonly client: RedisClient,
    prefix: string,
  ) {
    // keyPrefix prefixes keys, not channels: the prefix goes into the channel's name here
    this.channel = `${prefix}config:live`;
  }

  async announce(version: number): Promise<void> {
    await this.client.publish(this.channel, String(version));
  }

  async listen(onVersion: (version: number) => void): Promise<void> {
    const sub =
      this.client instanceof Cluster
        ? this.client.duplicate([], { enableOfflineQueue: true })
        : this.client.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    sub.on('error', () => undefined);
    sub.on('message', (channel: string, message: string) => {
      const n = Number(message);
      if (channel === this.channel && Number.isInteger(n) && n > 0) onVersion(n);
    });
    this.sub = sub;
    // a Redis away at start must not hold the start up: the poll carries changes until it is back
    await Promise.race([sub.subscribe(this.channel).catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
  }

  async report(r: ProcessReport): Promise<void> {
    await this.client.hset('config:processes', r.id, JSON.stringify(r));
  }

  async processes(now: number, withinMs: number): Promise<ProcessReport[]> {
    const all = await this.client.hgetall('config:processes');
    const live: ProcessReport[] = [];
    const gone: string[] = [];
    for (const [id, text] of Object.entries(all)) {
      const r = JSON.parse(text) as ProcessReport;
      if (now - r.at <= withinMs) live.push(r);
      else if (now - r.at > FORGET_AFTER_MS) gone.push(id);
    }
    if (gone.length > 0) await this.client.hdel('config:processes', ...gone);
    return live.sort((a, b) => a.id.localeCompare(b.id));
  }

  async close(): Promise<void> {
    const sub = this.sub;
    this.sub = null;
    if (sub !== null) await sub.quit().catch(() => sub.disconnect());
  }
}
