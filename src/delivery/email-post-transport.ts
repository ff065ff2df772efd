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
 * An e-mail-only buyer's transport: it is never pinged (a fixed_price tier), and its post is
 * the lead's e-mail queued durably, so the post is accepted once the store holds it, and the sale
 * counted from then; the e-mail itself goes after (src/delivery/deliveries.ts). A queue that
 * refuses it is a clear reject; one that does not answer within the post's budget is unconfirmed
 * (the entry may still land and the e-mail go), so the lead is offered to no other buyer.
 */
export class EmailPostTransport implements BuyerTransport {
  readonly abortable = false;

  constructor(
    private readonly buyer: string,
    private readonly queueEmail: (sale: SoldLead) => Promise<void>,
  ) {}

  ping(_campaign: string, _bodyPrefix: string, _budgetMs: number, _until: number, _signal: AbortSignal, sink: PingSink, i: number): void {
    // a fixed_price tier never pings (the config refuses an e-mail-only buyer anywhere else)
    sink.answer(i, { kind: 'pass', pass: 'NO_BID', reason: 'EMAIL_ONLY', ms: 0 });
  }

  async post(campaign: string, body: string, budgetMs: number, facts?: CallFacts): Promise<PostOutcome> {
    const t0 = performance.now();
    const m = JSON.parse(body) as PostMessage;
    const outcome = (accepted: boolean, unconfirmed: boolean, reason: string | undefined): PostOutcome => ({ accepted, unconfirmed, redirectUrl: undefined, reason, ms: performance.now() - t0 });
    if (facts === undefined) return outcome(false, false, 'NO_LEAD_ID');
    const sale: SoldLead = { leadId: facts.id, buyer: this.buyer, campaign, seller: facts.seller.id, subId: facts.subId ?? null, priceMicros: toMicros(m.price), grade: m.grade, test: m.test, lead: m.lead, at: Date.now() };
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), budgetMs)));
    try {
      const r = await Promise.race([this.queueEmail(sale).then(() => 'queued' as const), late]);
      return r === 'queued' ? outcome(true, false, undefined) : outcome(false, true, 'TIMEOUT');
    } catch {
      return outcome(false, false, 'STORE_UNAVAILABLE');
    } finally {
      clearTimeout(timer);
    }
  }

  queued(): number {
    return 0;
  }

  async close(): Promise<void> {}
}
