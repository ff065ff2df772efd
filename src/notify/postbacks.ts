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
import { deliveriesOf, RetriedQueue, type Deliverable, type DeliveryTry, type ItemDeliveries, type RetriedQueueSettings, type TryResult } from './retried-queue.js';

export { backoffMs, type DeliveryTry } from './retried-queue.js';

/** The durable queue postbacks wait in: any Gavel process may deliver one another queued. */
export const POSTBACK_QUEUE = 'postbacks';

/** who a queued notice is for: `seller:<id>` or `buyer:<id>` */
const Queued = z.strictObject({ to: z.string(), body: z.string() });
type Recipient = `seller:${string}` | `buyer:${string}`;

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

/** a queued notice, its body (no personal data: it is logged whole when given up) */
interface Notice extends Deliverable {
  body: string;
}

/** A notice as its party and the operator see it: how its delivery went. */
export type NoticeDeliveries = ItemDeliveries;

export class Postbacks {
  /** each party's receiver, of the configuration live now: replaced whole at a swap */
  private to: ReadonlyMap<string, Notify>;
  private readonly queue: RetriedQueue<Notice>;

  constructor(
    config: ConfigData,
    private readonly store: QueueStore & DeliveryStore,
    opts: RetriedQueueSettings,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    this.to = receivers(config);
    this.queue = new RetriedQueue<Notice>(POSTBACK_QUEUE, store, opts, { read: (raw, entry) => this.read(raw, entry), tried: (item, t) => this.tried(item, t) });
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
    this.queue.enqueue(JSON.stringify({ to, body: JSON.stringify(result) })).catch((e: Error) => {
      this.metrics.postbacks.inc({ result: 'unqueued' });
      this.log.error({ to, postback: result, err: e.message }, 'postback could not be queued');
    });
  }

  /** between start and close: the queue is read while some party of the version of the moment asked for notices */
  private running = false;

  start(): void {
    this.running = true;
    if (this.to.size > 0) this.queue.start();
  }

  private read(raw: string, entry: string): Notice | null {
    const parsed = readQueued(Queued, raw);
    const to = parsed === null ? undefined : this.to.get(parsed.to);
    if (parsed === null || to === undefined) {
      // a party no longer configured for notices, or not Gavel's: kept in the log, off the queue
      this.log.error({ entry, body: raw.slice(0, 4096) }, 'postback for no configured receiver: set aside');
      return null;
    }
    const { body } = parsed;
    const notice = JSON.parse(body) as { event_id: string; type: string; lead_id: string };
    return {
      recipient: parsed.to,
      event_id: notice.event_id,
      type: notice.type,
      lead_id: notice.lead_id,
      maxAttempts: to.max_attempts,
      body,
      send: (attempt) => signedPost(to.url, to.secret, body, attempt),
    };
  }

  private tried(item: Notice, t: DeliveryTry): void {
    this.metrics.postbacks.inc({ result: t.state === 'retrying' ? 'retried' : t.state });
    if (t.state === 'given_up') this.log.error({ to: item.recipient, postback: item.body, attempts: t.attempt }, 'postback given up: its receiver never answered 2xx');
  }

  /**
   * A party's notices, newest first: each with its tries so far, its state after the last one, and
   * the last error (`recipient`: `seller:<id>` or `buyer:<id>`).
   */
  deliveriesOf(recipient: string, limit: number): Promise<NoticeDeliveries[]> {
    return deliveriesOf(this.store, recipient, limit);
  }

  close(): void {
    this.running = false;
    this.queue.close();
  }
}

/** One signed POST of a JSON body (a postback, a lead to a buyer's second URL): 2xx within 5 s is delivered. */
export async function signedPost(url: string, secret: string, body: string, attempt: number, headers: Record<string, string> = {}): Promise<TryResult> {
  try {
    const t = Date.now();
    const res = await request(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'x-gavel-signature': signature(secret, t, body), 'x-gavel-attempt': String(attempt) },
      body,
      headersTimeout: 5000,
      bodyTimeout: 5000,
    });
    await res.body.dump();
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    return { ok, status: res.statusCode, error: ok ? null : `HTTP ${res.statusCode}` };
  } catch (e) {
    return { ok: false, status: null, error: (e as Error).message };
  }
}
