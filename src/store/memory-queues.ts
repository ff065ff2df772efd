import type { Live } from './memory-expiry.js';
import type { QueuedEvent, QueueStore } from './store.js';

interface Queue {
  seq: number;
  /** entry -> body, and who took it when */
  entries: Map<string, { body: string; consumer: string | null; takenAt: number }>;
}

/** Durable queues, as far as one process can keep them: handed over and reclaimed as the Redis streams are. */
export class MemoryQueues implements QueueStore {
  private readonly queues = new Map<string, Queue>();

  constructor(private readonly live: Live) {}

  private queue(name: string): Queue {
    let q = this.queues.get(name);
    if (q === undefined) this.queues.set(name, (q = { seq: 0, entries: new Map() }));
    return q;
  }

  async enqueue(queue: string, body: string): Promise<void> {
    this.live();
    const q = this.queue(queue);
    q.entries.set(String(++q.seq), { body, consumer: null, takenAt: 0 });
  }

  async dequeue(queue: string, consumer: string, count: number, reclaimMs: number | null): Promise<QueuedEvent[]> {
    this.live();
    const now = Date.now();
    const out: QueuedEvent[] = [];
    const q = this.queue(queue);
    // like the Redis queue: first what was taken and left unacknowledged for reclaimMs, then new ones
    for (const pass of ['reclaim', 'fresh'] as const) {
      for (const [entry, e] of q.entries) {
        if (out.length >= count) return out;
        const take = pass === 'reclaim' ? reclaimMs !== null && e.consumer !== null && now - e.takenAt >= reclaimMs : e.consumer === null;
        if (!take) continue;
        e.consumer = consumer;
        e.takenAt = now;
        out.push({ entry, body: e.body });
      }
    }
    return out;
  }

  async acknowledge(queue: string, entries: readonly string[]): Promise<void> {
    this.live();
    const q = this.queue(queue);
    for (const entry of entries) q.entries.delete(entry);
  }
}
