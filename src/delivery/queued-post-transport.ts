import { performance } from 'node:perf_hooks';
import type { SoldLead } from '../auction/stage-parts.js';
import type { CallFacts } from '../buyers/buyer-codec.js';
import type { BuyerTransport, PingSink, PostOutcome } from '../buyers/transport.js';
import { toMicros } from '../core/money.js';

/** the native post message, as the post loop writes it (src/auction/post-loop.ts) */
interface PostMessage {
  price: number;
  test: boolean;
  grade: string | null;
  lead: Record<string, unknown>;
}

/**
 * A buyer with no post_url that takes its leads another way: in batch files (`batch` and a
 * `price`) or by e-mail (`email` and a `price`). It is never pinged (a fixed_price tier), and its
 * post is the lead queued durably (sealed) for that way, so the post is accepted once the store
 * holds it, and the sale counted from then; the file or the e-mail goes after (src/delivery). A
 * queue that refuses it is a clear reject: nothing reached the buyer, so the lead may fall
 * through. One that does not answer within the post's budget is unconfirmed: the write may still
 * land and the lead go out, so an exclusive lead is offered to no other buyer.
 */
export class QueuedPostTransport implements BuyerTransport {
  readonly abortable = false;

  constructor(
    private readonly buyer: string,
    /** `batch` or `email`: named in the ping's pass and a refused queue's reason */
    private readonly way: 'batch' | 'email',
    private readonly queue: (sale: SoldLead) => Promise<void>,
  ) {}

  ping(_campaign: string, _bodyPrefix: string, _budgetMs: number, _until: number, _signal: AbortSignal, sink: PingSink, i: number): void {
    // a fixed_price tier never pings (the config refuses such a buyer anywhere else)
    sink.answer(i, { kind: 'pass', pass: 'NO_BID', reason: `a ${this.way}-only buyer takes leads at its price, unpinged`, ms: 0 });
  }

  async post(campaign: string, body: string, budgetMs: number, facts?: CallFacts): Promise<PostOutcome> {
    const t0 = performance.now();
    const outcome = (accepted: boolean, unconfirmed: boolean, reason: string | undefined): PostOutcome => ({ accepted, unconfirmed, redirectUrl: undefined, reason, ms: performance.now() - t0 });
    if (facts === undefined) return outcome(false, false, 'NO_LEAD_FACTS');
    const m = JSON.parse(body) as PostMessage;
    const sale: SoldLead = {
      leadId: facts.id,
      buyer: this.buyer,
      campaign,
      seller: facts.seller.id,
      subId: facts.subId ?? null,
      priceMicros: toMicros(m.price),
      grade: m.grade ?? null,
      test: m.test,
      lead: m.lead,
      at: Date.now(),
      pingReceivedAt: facts.pingReceivedAt,
    };
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), budgetMs)));
    try {
      const r = await Promise.race([this.queue(sale).then(() => 'queued' as const), late]);
      return r === 'queued' ? outcome(true, false, undefined) : outcome(false, true, 'TIMEOUT');
    } catch {
      return outcome(false, false, `${this.way.toUpperCase()}_QUEUE_FAILED`);
    } finally {
      clearTimeout(timer);
    }
  }

  queued(): number {
    return 0;
  }

  async close(): Promise<void> {}
}
