import type { SoldLead } from '../auction/stage-parts.js';
import type { CallFacts } from '../buyers/buyer-codec.js';
import type { BuyerTransport, PingSink, PostOutcome } from '../buyers/transport.js';
import { toMicros } from '../core/money.js';

/**
 * A batch-only buyer (a `batch`, a `price`, no post_url): it is never pinged (a fixed_price
 * tier), and its post is accepted once the lead is durably queued, sealed, for its next batch
 * file. A queue that fails is a clear reject: the lead left nothing with the buyer, so it may
 * fall through to the next tier.
 */
export class BatchTransport implements BuyerTransport {
  readonly abortable = false;

  constructor(
    private readonly buyer: string,
    private readonly queue: (sale: SoldLead) => Promise<void>,
  ) {}

  ping(_campaign: string, _bodyPrefix: string, _budgetMs: number, _until: number, _signal: AbortSignal, sink: PingSink, i: number): void {
    sink.answer(i, { kind: 'pass', pass: 'NO_BID', reason: 'a batch-only buyer takes leads at its price, unpinged', ms: 0 });
  }

  async post(campaign: string, body: string, budgetMs: number, facts?: CallFacts): Promise<PostOutcome> {
    const t0 = performance.now();
    const reject = (reason: string): PostOutcome => ({ accepted: false, unconfirmed: false, redirectUrl: undefined, reason, ms: performance.now() - t0 });
    if (facts === undefined) return reject('NO_LEAD_FACTS');
    const native = JSON.parse(body) as { price: number; test: boolean; grade: string | null; lead: Record<string, unknown> };
    const sale: SoldLead = {
      leadId: facts.id,
      buyer: this.buyer,
      campaign,
      seller: facts.seller.id,
      subId: facts.subId ?? null,
      priceMicros: toMicros(native.price),
      grade: native.grade ?? null,
      test: native.test,
      lead: native.lead,
      at: Date.now(),
      pingReceivedAt: facts.pingReceivedAt,
    };
    let timer: NodeJS.Timeout | undefined;
    try {
      // within the post's budget, as any buyer's post
      await Promise.race([this.queue(sale), new Promise((_, no) => (timer = setTimeout(() => no(new Error('TIMEOUT')), budgetMs)))]);
    } catch (e) {
      // the queue's write may still land after a timeout, and the lead go out in a file: unconfirmed,
      // so an exclusive lead is offered to no other buyer; a write the store refused is a clear reject
      if ((e as Error).message === 'TIMEOUT') return { ...reject('TIMEOUT'), unconfirmed: true };
      return reject('BATCH_QUEUE_FAILED');
    } finally {
      clearTimeout(timer);
    }
    return { accepted: true, unconfirmed: false, redirectUrl: undefined, reason: undefined, ms: performance.now() - t0 };
  }

  queued(): number {
    return 0;
  }

  async close(): Promise<void> {}
}
