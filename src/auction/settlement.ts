import { performance } from 'node:perf_hooks';
import type { BuyerRuntime, Runtime } from '../config/runtime.js';
import { fromMicros } from '../core/money.js';
import type { SaleEvent } from '../ledger/ledger.js';
import { saleId } from '../ledger/sales-queue.js';
import type { PostAnswer } from '../protocol/seller-api.js';
import type { LeadRun } from './lead-run.js';
import type { RankedBid } from './rank.js';
import type { LostBid, StageParts, Uses } from './stage-parts.js';
import type { CapStore } from '../store/store.js';

/** A buyer that accepted the lead: what it pays, what the seller gets for it, where the consumer goes next. */
export interface Sale {
  buyer: string;
  priceMicros: number;
  payoutMicros: number;
  redirectUrl: string | undefined;
}

/** Why a lead that was not sold was not; the last bidder tried decides it. */
export type UnsoldReason = 'POST_REJECTED' | 'CAP_REACHED' | 'TIMEOUT' | 'POST_UNCONFIRMED' | 'NO_ELIGIBLE_BUYER';

/**
 * An accepted post's sale, on its way out together: into the ledger (or the durable queue, and
 * kept here) and its cap hold committed, both before the seller hears of it; a test lead is no
 * money and is not recorded. Resolves to whether the commit took (an accepted post is a sale
 * either way; see `sold`). `now`: the accept's wall-clock ms.
 */
export function settleSale(
  run: LeadRun,
  parts: Uses<'sales', CapStore>,
  buyer: BuyerRuntime,
  bid: RankedBid,
  payoutMicros: number,
  held: boolean,
  now: number,
): Promise<[boolean, void]> {
  const purchases = run.digests.bought.map((b) => ({ digest: b.digest, until: now + b.windowMs }));
  let queued: Promise<void> | undefined;
  if (!run.test && parts.sales !== null) {
    const sale: SaleEvent = {
      id: saleId(run.id, buyer.id),
      lead_id: run.id,
      campaign: run.campaign.id,
      seller: run.seller.id,
      sub_id: run.subId ?? null,
      buyer: buyer.id,
      price_micros: bid.priceMicros,
      payout_micros: payoutMicros,
      grade: run.score?.grade ?? null,
      at: now,
    };
    // the lead's A/B arm, so the test's report counts its sales (absent when none runs)
    const arm = run.campaign.arm;
    if (arm !== null) {
      sale.experiment = arm.experiment;
      sale.arm = arm.name;
    }
    queued = parts.sales.record(sale, run.answerBy - performance.now());
  }
  return Promise.all([!held || parts.store.commitHold(buyer.id, run.id, now, purchases).catch(() => false), queued]);
}

/** The sale is told to the trace; a commit that failed is an operator alarm, not a lie to the seller. */
export function sold(run: LeadRun, parts: Pick<StageParts, 'metrics' | 'log'>, sale: Sale, committed: boolean): void {
  if (!committed) {
    parts.metrics.storeErrors.inc({ op: 'commit', kind: 'error' });
    parts.log.error({ lead_id: run.id, buyer: sale.buyer }, 'sale accepted but its cap hold could not be committed');
  }
  run.trace.sold(sale.buyer, sale.priceMicros, sale.payoutMicros);
}

/** the bidders of a settled lead that did not get it, each once */
export function losers(bids: readonly RankedBid[], sales: readonly { buyer: string }[], refused: ReadonlySet<string>): LostBid[] {
  const sold = new Set(sales.map((x) => x.buyer));
  const lost: LostBid[] = [];
  for (const b of bids) {
    if (sold.has(b.buyer) || lost.some((l) => l.buyer === b.buyer)) continue;
    lost.push({ buyer: b.buyer, bidMicros: b.bidMicros, reason: refused.has(b.buyer) ? 'POST_REJECTED' : sold.size > 0 ? 'OUTBID' : 'NOT_SOLD' });
  }
  return lost;
}

const listening = new WeakMap<Runtime, boolean>();

/** Whether some buyer of this version asked for loss notices: only then is who lost worked out (once per version). */
function buyersListen(runtime: Runtime): boolean {
  let yes = listening.get(runtime);
  if (yes === undefined) {
    yes = runtime.data.buyers.some((b) => b.loss_notices !== undefined);
    listening.set(runtime, yes);
  }
  return yes;
}

/**
 * The end of a post or a direct post: the bidders that did not get the lead told (when some
 * buyer asked to be), the outcome counted, and the seller's answer. `maxBuyers`: of the tier
 * the loop ended in; `message`: what the last refusal said.
 */
export function settle(
  run: LeadRun,
  parts: Pick<StageParts, 'metrics' | 'lossNotices'>,
  sales: readonly Sale[],
  refused: ReadonlySet<string>,
  maxBuyers: number,
  reason: UnsoldReason,
  message: string | undefined,
): PostAnswer {
  const notify = parts.lossNotices;
  if (notify !== null && buyersListen(run.runtime)) {
    const lost = losers(run.bids, sales, refused);
    if (lost.length > 0) notify(run.id, run.test, lost, sales.length === 0 ? null : Math.min(...sales.map((x) => x.priceMicros)));
  }
  const c = run.campaign;
  if (sales.length > 0) {
    parts.metrics.sales.inc({ campaign: c.id, outcome: 'sold' });
    const answer: PostAnswer = { status: 'sold', lead_id: run.id, price: fromMicros(sales.reduce((sum, x) => sum + x.payoutMicros, 0)) };
    if (sales.length > 1 || maxBuyers > 1) answer.buyers = sales.length;
    const redirect = sales.find((x) => x.redirectUrl !== undefined)?.redirectUrl;
    if (redirect !== undefined) answer.redirect_url = redirect;
    return answer;
  }
  return rejected(run, parts, reason, message);
}

/** A lead not sold: the outcome counted, and the seller's answer. */
export function rejected(
  run: LeadRun,
  parts: Pick<StageParts, 'metrics'>,
  reason: UnsoldReason | 'DUPLICATE' | 'RESUBMITTED' | 'NO_BID',
  message?: string,
): PostAnswer {
  parts.metrics.sales.inc({ campaign: run.campaign.id, outcome: reason.toLowerCase() });
  const answer: PostAnswer = { status: 'rejected', lead_id: run.id, reason };
  if (message !== undefined && answer.status === 'rejected') answer.message = message;
  return answer;
}
