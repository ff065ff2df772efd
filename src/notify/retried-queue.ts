import type { DeliveryStore, QueueStore } from '../store/store.js';

/** Each try waits twice the last, from 1 s, at most 5 minutes. */
export function backoffMs(attempt: number): number {
  return Math.min(300_000, 1000 * 2 ** Math.max(0, attempt - 1));
}

/** One try to deliver one item, as kept for its party and the operator. */
export interface DeliveryTry {
  event_id: string;
  type: string;
  lead_id: string;
  attempt: number;
  /** epoch ms */
  at: number;
  ok: boolean;
  /** the receiver's status (HTTP, or the SMTP relay's reply code); null when it never answered */
  status: number | null;
  /** why it failed (`HTTP 500`, a connection error, the relay's refusal), null when it did not */
  error: string | null;
  /** after this try: delivered, to be tried again, or given up */
  state: 'delivered' | 'retrying' | 'given_up';
}

/** What one try came to. `final`: refused for good (a mailbox that does not exist): no later try is made. */
export interface TryResult {
  ok: boolean;
  status: number | null;
  error: string | null;
  final?: boolean;
}

/** An item read back from its queued entry: whose it is, what it is, and how to try it. */
export interface Deliverable {
  /** the party whose deliveries list shows its tries: `seller:<id>`, `buyer:<id>` */
  recipient: string;
  event_id: string;
  type: string;
  lead_id: string;
  maxAttempts: number;
  /** one try; never throws */
  send(attempt: number): Promise<TryResult>;
}

/** An item as its party and the operator see it: how its delivery went. */
export interface ItemDeliveries {
  event_id: string;
  type: string;
  lead_id: string;
  state: DeliveryTry['state'];
  attempts: number;
  first_at: string;
  last_at: string;
  last_status: number | null;
  last_error: string | null;
}

/** the newest tries kept per party, and for how long after its last */
const DELIVERIES_KEPT = 500;
const DELIVERIES_RETENTION_MS = 7 * 24 * 3_600_000;

export interface RetriedQueueSettings {
  /** this process's name in the queue's consumer group */
  consumer: string;
  pollMs: number;
  /** an entry another process took and left unacknowledged this long is taken over */
  reclaimMs: number;
  /** tries under way at once (default 64): a burst of sales opens no more connections than this */
  maxSending?: number;
  /** items this process holds at once, waiting for a retry included (default 2000): a receiver that is down holds no more memory than this */
  maxHeld?: number;
}

/**
 * What postbacks, loss notices and the deliveries of sold leads share: items wait in a durable
 * queue and this process's sender tries each one. A try that fails is tried again after a
 * backoff, up to the item's `maxAttempts`; the queued entry stays unacknowledged meanwhile, so if
 * this process dies another takes it over (after `reclaimMs`). Delivery is at least once: each
 * item carries an id by which its receiver can tell a repeat. Every try is recorded under its
 * party (DeliveryStore) for the portals, then told to `tried`.
 */
export class RetriedQueue<T extends Deliverable = Deliverable> {
  private readonly attempts = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private loop: NodeJS.Timeout | null = null;
  private busy = false;
  /** tries under way */
  private sending = 0;

  constructor(
    readonly queue: string,
    private readonly store: QueueStore & DeliveryStore,
    private readonly settings: RetriedQueueSettings,
    private readonly hooks: {
      /** the item an entry holds; null: not one this process can deliver (it is acknowledged, set aside) */
      read(raw: string, entry: string): T | null;
      /** after each try, with the state it left the item in */
      tried(item: T, t: DeliveryTry): void;
    },
  ) {}

  /** resolves once the store holds the item */
  enqueue(body: string): Promise<void> {
    return this.store.enqueue(this.queue, body);
  }

  /** the queue is read from now on (again a no-op while it is) */
  start(): void {
    if (this.loop !== null) return;
    this.loop = setInterval(() => void this.poll(), this.settings.pollMs);
    this.loop.unref();
  }

  get running(): boolean {
    return this.loop !== null;
  }

  private async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const events = await this.store.dequeue(this.queue, this.settings.consumer, 50, this.settings.reclaimMs);
      // one of ours waiting for its next try comes back here once it has waited reclaimMs: taking
      // it again keeps it ours (no other process takes it over while this one lives), and its
      // own timer goes on
      // past either bound an entry is left as taken: it comes back (to this process or another)
      // once it has waited reclaimMs, and the store keeps it meanwhile, not this process
      for (const e of events) {
        if (this.attempts.has(e.entry)) continue;
        if (this.sending >= (this.settings.maxSending ?? 64) || this.attempts.size >= (this.settings.maxHeld ?? 2000)) continue;
        void this.deliver(e.entry, e.body);
      }
    } catch {
      // the store is away: the next poll tries again, and nothing was taken
    } finally {
      this.busy = false;
    }
  }

  private async deliver(entry: string, raw: string): Promise<void> {
    const item = this.hooks.read(raw, entry);
    if (item === null) return void this.store.acknowledge(this.queue, [entry]).catch(() => undefined);
    const attempt = (this.attempts.get(entry) ?? 0) + 1;
    this.attempts.set(entry, attempt);
    const at = Date.now();
    let r: TryResult;
    this.sending++;
    try {
      r = await item.send(attempt);
    } catch (e) {
      r = { ok: false, status: null, error: (e as Error).message };
    } finally {
      this.sending--;
    }
    const done = r.ok || r.final === true || attempt >= item.maxAttempts;
    const t: DeliveryTry = { event_id: item.event_id, type: item.type, lead_id: item.lead_id, attempt, at, ok: r.ok, status: r.status, error: r.error, state: r.ok ? 'delivered' : done ? 'given_up' : 'retrying' };
    // kept for the party's portal and the operator: never holds a delivery up
    this.store.recordDelivery(item.recipient, JSON.stringify(t), DELIVERIES_KEPT, DELIVERIES_RETENTION_MS).catch(() => undefined);
    this.hooks.tried(item, t);
    if (done) {
      this.attempts.delete(entry);
      await this.store.acknowledge(this.queue, [entry]).catch(() => undefined);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.deliver(entry, raw);
    }, backoffMs(attempt));
    timer.unref();
    this.timers.add(timer);
  }

  close(): void {
    if (this.loop !== null) clearInterval(this.loop);
    this.loop = null;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

/**
 * A party's items, newest first: each with its tries so far, its state after the last one, and
 * the last error (`recipient`: `seller:<id>` or `buyer:<id>`), postbacks and deliveries alike.
 */
export async function deliveriesOf(store: DeliveryStore, recipient: string, limit: number): Promise<ItemDeliveries[]> {
  const tries = (await store.deliveries(recipient, DELIVERIES_KEPT)).map((r) => JSON.parse(r) as DeliveryTry);
  const byEvent = new Map<string, ItemDeliveries>();
  for (const t of tries) {
    // newest first: the first try seen of an event is its last
    const seen = byEvent.get(t.event_id);
    if (seen !== undefined) {
      seen.first_at = new Date(t.at).toISOString();
      continue;
    }
    if (byEvent.size >= limit) continue;
    const at = new Date(t.at).toISOString();
    byEvent.set(t.event_id, { event_id: t.event_id, type: t.type, lead_id: t.lead_id, state: t.state, attempts: t.attempt, first_at: at, last_at: at, last_status: t.status, last_error: t.error });
  }
  return [...byEvent.values()];
}
