import { createHash, createHmac } from 'node:crypto';
import { request } from 'undici';
import { z } from 'zod';
import type { ConfigData, Notify } from '../config/schema.js';
import type { PostAnswer } from '../protocol/seller-api.js';
import type { LeadResult } from '../protocol/notices.js';
import type { ReturnRecord } from '../ledger/ledger.js';
import { fromMicros } from '../core/money.js';
import { readQueued } from '../ledger/queued-json.js';
import type { DeliveryStore, QueueStore } from '../store/store.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';

/** The durable queue postbacks wait in: any Gavel process may deliver one another queued. */
export const POSTBACK_QUEUE = 'postbacks';

/** who a queued notice is for: `seller:<id>` or `buyer:<id>` */
const Queued = z.strictObject({ to: z.string(), body: z.string() });
type Recipient = `seller:${string}` | `buyer:${string}`;

/** Each try waits twice the last, from 1 s, at most 5 minutes. */
export function backoffMs(attempt: number): number {
  return Math.min(300_000, 1000 * 2 ** Math.max(0, attempt - 1));
}

/** `x-gavel-signature: t=<ms>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`: the time is signed so a captured postback cannot be replayed later as new. */
export function signature(secret: string, t: number, body: string): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

/**
 * Seller postbacks and buyers' loss notices, never on the hot path. A notice is queued (durably,
 * like sales) and this process's sender delivers it: POST to the party's URL, signed. A try that fails (no answer
 * in 5 s, or not 2xx) is tried again after a backoff, up to the seller's `max_attempts`; the
 * queued entry stays unacknowledged meanwhile, so if this process dies another takes it over.
 * Delivery is at least once: the event id lets the receiver drop a repeat.
 */
function receivers(config: ConfigData): ReadonlyMap<string, Notify> {
  return new Map<string, Notify>([
    ...config.sellers.flatMap((s) => (s.postback === undefined ? [] : [[`seller:${s.id}`, s.postback] as const])),
    ...config.buyers.flatMap((b) => (b.loss_notices === undefined ? [] : [[`buyer:${b.id}`, b.loss_notices] as const])),
  ]);
}

/** One try to deliver one notice, as kept for the party and the operator. */
export interface DeliveryTry {
  event_id: string;
  type: string;
  lead_id: string;
  attempt: number;
  /** epoch ms */
  at: number;
  ok: boolean;
  /** the receiver's HTTP status; null when it never answered */
  status: number | null;
  /** why it failed (`HTTP 500`, a connection error), null when it did not */
  error: string | null;
  /** after this try: delivered, to be tried again, or given up */
  state: 'delivered' | 'retrying' | 'given_up';
}

/** A notice as its party and the operator see it: how its delivery went. */
export interface NoticeDeliveries {
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

export class Postbacks {
  /** each party's receiver, of the configuration live now: replaced whole at a swap */
  private to: ReadonlyMap<string, Notify>;
  private readonly attempts = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private loop: NodeJS.Timeout | null = null;
  private busy = false;

  constructor(
    config: ConfigData,
    private readonly store: QueueStore & DeliveryStore,
    private readonly opts: { consumer: string; pollMs: number; reclaimMs: number },
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    this.to = receivers(config);
  }

  /** A new configuration's receivers: notices already queued go to the party's receiver of the moment they are sent. */
  reconfigure(config: ConfigData): void {
    this.to = receivers(config);
    // a party that asks for notices only in a later version: the queue is read from then on
    if (this.running) this.start();
  }

  /** the bidders of a settled lead that did not get it, those that asked */
  lost(leadId: string, test: boolean, lost: readonly { buyer: string; bidMicros: number; reason: string }[], clearingMicros: number | null): void {
    const at = new Date().toISOString();
    for (const l of lost) {
      this.notify(`buyer:${l.buyer}`, { event_id: `lead.lost:${leadId}`, type: 'lead.lost', lead_id: leadId, reason: l.reason, bid: fromMicros(l.bidMicros), clearing_price: clearingMicros === null ? null : fromMicros(clearingMicros), test, at });
    }
  }

  /** a post's or a direct post's answer: the lead's result, sold or rejected */
  posted(seller: string, a: PostAnswer): void {
    if (!this.to.has(`seller:${seller}`)) return;
    const r: LeadResult = { event_id: `lead.${a.status}:${a.lead_id}`, type: a.status === 'sold' ? 'lead.sold' : 'lead.rejected', lead_id: a.lead_id, at: new Date().toISOString() };
    if (a.status === 'sold') {
      r.price = a.price;
      if (a.buyers !== undefined) r.buyers = a.buyers;
    } else r.reason = a.reason;
    this.notify(`seller:${seller}`, r);
  }

  /** an approved return: the lead's last result; the seller is told what is clawed back, and never by whom */
  returned(r: ReturnRecord): void {
    const id = `lead.returned:${createHash('sha256').update(r.id).digest('hex').slice(0, 24)}`;
    this.notify(`seller:${r.seller}`, { event_id: id, type: 'lead.returned', lead_id: r.lead_id, price: fromMicros(r.payout_micros), reason: r.reason, at: new Date(r.decided_at ?? Date.now()).toISOString() });
  }

  /** queue a notice for a party, if it asked for them; never waits on the caller's path */
  private notify(to: Recipient, result: LeadResult): void {
    if (!this.to.has(to)) return;
    this.store.enqueue(POSTBACK_QUEUE, JSON.stringify({ to, body: JSON.stringify(result) })).catch((e: Error) => {
      this.metrics.postbacks.inc({ result: 'unqueued' });
      this.log.error({ to, postback: result, err: e.message }, 'postback could not be queued');
    });
  }

  /** between start and close: the queue is read while some party of the version of the moment asked for notices */
  private running = false;

  start(): void {
    this.running = true;
    if (this.to.size === 0 || this.loop !== null) return;
    this.loop = setInterval(() => void this.poll(), this.opts.pollMs);
    this.loop.unref();
  }

  private async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const events = await this.store.dequeue(POSTBACK_QUEUE, this.opts.consumer, 50, this.opts.reclaimMs);
      // one of ours waiting for its next try comes back here once it has waited reclaimMs: taking
      // it again keeps it ours (no other process takes it over while this one lives), and its
      // own timer goes on
      for (const e of events) if (!this.attempts.has(e.entry)) void this.deliver(e.entry, e.body);
    } catch {
      // the store is away: the next poll tries again, and nothing was taken
    } finally {
      this.busy = false;
    }
  }

  private async deliver(entry: string, raw: string): Promise<void> {
    const parsed = readQueued(Queued, raw);
    const to = parsed === null ? undefined : this.to.get(parsed.to);
    if (parsed === null || to === undefined) {
      // a party no longer configured for notices, or not Gavel's: kept in the log, off the queue
      this.log.error({ entry, body: raw.slice(0, 4096) }, 'postback for no configured receiver: set aside');
      return void this.store.acknowledge(POSTBACK_QUEUE, [entry]).catch(() => undefined);
    }
    const { to: receiver, body } = parsed;
    const attempt = (this.attempts.get(entry) ?? 0) + 1;
    this.attempts.set(entry, attempt);
    const t = Date.now();
    let ok = false;
    let status: number | null = null;
    let error: string | null = null;
    try {
      const res = await request(to.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-gavel-signature': signature(to.secret, t, body), 'x-gavel-attempt': String(attempt) },
        body,
        headersTimeout: 5000,
        bodyTimeout: 5000,
      });
      await res.body.dump();
      status = res.statusCode;
      ok = res.statusCode >= 200 && res.statusCode < 300;
      if (!ok) error = `HTTP ${res.statusCode}`;
    } catch (e) {
      ok = false;
      error = (e as Error).message;
    }
    this.recordTry(receiver, body, { attempt, at: t, ok, status, error, state: ok ? 'delivered' : attempt >= to.max_attempts ? 'given_up' : 'retrying' });
    if (ok || attempt >= to.max_attempts) {
      this.attempts.delete(entry);
      this.metrics.postbacks.inc({ result: ok ? 'delivered' : 'given_up' });
      if (!ok) this.log.error({ to: receiver, postback: body, attempts: attempt }, 'postback given up: its receiver never answered 2xx');
      await this.store.acknowledge(POSTBACK_QUEUE, [entry]).catch(() => undefined);
      return;
    }
    this.metrics.postbacks.inc({ result: 'retried' });
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.deliver(entry, raw);
    }, backoffMs(attempt));
    timer.unref();
    this.timers.add(timer);
  }

  /**
   * A party's notices, newest first: each with its tries so far, its state after the last one, and
   * the last error (`recipient`: `seller:<id>` or `buyer:<id>`).
   */
  async deliveriesOf(recipient: string, limit: number): Promise<NoticeDeliveries[]> {
    const tries = (await this.store.deliveries(recipient, DELIVERIES_KEPT)).map((r) => JSON.parse(r) as DeliveryTry);
    const byEvent = new Map<string, NoticeDeliveries>();
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

  /** each try, for the party's portal and the operator (GET /v1/postbacks): never holds a delivery up */
  private recordTry(receiver: string, body: string, t: Omit<DeliveryTry, 'event_id' | 'type' | 'lead_id'>): void {
    const notice = JSON.parse(body) as { event_id: string; type: string; lead_id: string };
    const record: DeliveryTry = { event_id: notice.event_id, type: notice.type, lead_id: notice.lead_id, ...t };
    this.store.recordDelivery(receiver, JSON.stringify(record), DELIVERIES_KEPT, DELIVERIES_RETENTION_MS).catch(() => undefined);
  }

  close(): void {
    this.running = false;
    if (this.loop !== null) clearInterval(this.loop);
    this.loop = null;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
