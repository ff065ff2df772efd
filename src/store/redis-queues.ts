import { keys } from './keys.js';
import type { RedisClient } from './redis-connection.js';
import type { QueuedEvent, QueueStore } from './store.js';

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

/** Durable queues in Redis: one stream per queue with one consumer group, unacknowledged entries reclaimed by XAUTOCLAIM. */
export class RedisQueues implements QueueStore {
  private readonly groups = new Set<string>();

  constructor(private readonly client: RedisClient) {}

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
}
