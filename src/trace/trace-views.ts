import type { Code } from '../core/codes.js';
import type { StoredSegment, TraceSegment } from './lead-trace.js';

/**
 * What each party sees of a lead's trace (GET /v1/leads/{id}). The operator sees every
 * segment. A seller sees its own lead's way and answers, never a buyer's name or bid. A
 * buyer sees, for an auction it took part in, its own ping, whether it won, the clearing
 * price and why it lost, never another buyer's name or bid. Each view returns null when the
 * lead is not the party's, so a stranger cannot tell it from an unknown lead.
 */

/** A segment as written (lead-trace.ts StoredSegment) made whole: rows back to objects, and what was left out to be derived put back. */
export function wholeSegment(seg: StoredSegment): TraceSegment {
  const judged = new Set(seg.buyers.filter((x) => x.stage === 'eligibility').map((x) => x.buyer));
  // a pinged buyer was eligible; only exclusions (and unpinged fixed-price buyers) are written
  const eligible = seg.pings.filter(([buyer]) => !judged.has(buyer)).map(([buyer]) => ({ buyer, stage: 'eligibility' as const, outcome: 'ELIGIBLE' }));
  return {
    ...seg,
    buyers: [...eligible, ...seg.buyers],
    pings: seg.pings.map(([buyer, sent, ms, kind, bid, reason]) => ({
      buyer,
      sent_ms: sent,
      answered_ms: Math.round((sent + ms) * 100) / 100,
      ms,
      kind,
      ...(bid !== null ? { bid } : {}),
      ...(reason !== null ? { reason } : {}),
    })),
    ranking: seg.ranking.map(([buyer, tier, bid, price]) => ({ buyer, tier, bid, price })),
  };
}

/** A sold lead's delivery to one buyer by one channel beside its post (e-mail, webhook, a batch file: src/delivery), as its trace shows it. */
export interface LeadDelivery {
  buyer: string;
  channel: string;
  /** waiting: a batch file built and not yet tried */
  state: 'waiting' | 'delivered' | 'retrying' | 'given_up';
  attempts: number;
  first_at: string;
  last_at: string;
  /** the receiver's last status: the HTTP status, or the SMTP relay's reply code; null when it never answered */
  last_status: number | null;
  last_error: string | null;
}

/** Where a lead's deliveries are read from (src/delivery/deliveries.ts). */
export interface LeadDeliveries {
  ofLead(leadId: string): Promise<LeadDelivery[]>;
}

export function operatorView(leadId: string, segs: readonly TraceSegment[], deliveries: readonly LeadDelivery[] = []) {
  return { lead_id: leadId, segments: segs, deliveries };
}

export function sellerView(seller: string, leadId: string, segs: readonly TraceSegment[]) {
  if (segs.length === 0 || segs.some((s) => s.seller !== seller)) return null;
  const first = segs[0]!;
  const last = segs[segs.length - 1]!;
  return {
    lead_id: leadId,
    campaign: first.campaign,
    sub_id: first.sub_id,
    test: first.test,
    received_at: first.at,
    /** the lead's latest answer: the post's when it was posted */
    result: last.result,
    calls: segs.map((s) => ({ phase: s.phase, at: s.at, bytes: s.bytes, invalid: s.invalid, dedup: s.dedup, result: s.result, total_ms: s.total_ms })),
  };
}

/** The reasons a buyer can be given for a lost lead (all in src/core/codes.ts). */
export type LossReason = Extract<
  Code,
  'LATE' | 'PASSED' | 'BID_FAILED' | 'BELOW_FLOOR' | 'BELOW_GRADE' | 'CAP_REACHED' | 'ALREADY_SOLD_TO_BUYER' | 'FILTERED' | 'POST_REJECTED' | 'TIMEOUT' | 'POST_UNCONFIRMED' | 'OUTBID' | 'NOT_POSTED' | 'NOT_SOLD'
>;

const LEFT_OUT = new Set<string>(['BELOW_FLOOR', 'BELOW_GRADE', 'CAP_REACHED', 'ALREADY_SOLD_TO_BUYER', 'FILTERED']);

function lossReason(buyer: string, segs: readonly TraceSegment[], ping: TraceSegment['pings'][number] | undefined, soldToOthers: boolean): LossReason {
  if (ping !== undefined && ping.kind !== 'bid') return ping.kind === 'TIMEOUT' ? 'LATE' : ping.kind === 'NO_BID' ? 'PASSED' : 'BID_FAILED';
  for (const s of segs) {
    // its own refusal at a later stage says more than the ranking: the last one is what ended it
    const out = s.buyers.filter((x) => x.buyer === buyer && x.stage !== 'eligibility' && LEFT_OUT.has(x.outcome)).at(-1);
    if (out !== undefined) return out.outcome as LossReason;
    const post = s.posts.find((x) => x.buyer === buyer && !x.accepted);
    if (post !== undefined) return post.reason === 'TIMEOUT' ? 'TIMEOUT' : post.unconfirmed === true ? 'POST_UNCONFIRMED' : 'POST_REJECTED';
  }
  if (soldToOthers) return 'OUTBID';
  const auction = segs.find((s) => s.phase !== 'post');
  const at = auction?.ranking.findIndex((x) => x.buyer === buyer) ?? -1;
  if (at > 0) return 'OUTBID';
  // first in the ranking and neither sold nor refused: the seller never posted, or its post sold to no one
  return segs.some((s) => s.phase !== 'ping') ? 'NOT_SOLD' : 'NOT_POSTED';
}

export function buyerView(buyer: string, leadId: string, segs: readonly TraceSegment[], deliveries: readonly LeadDelivery[] = []) {
  const auction = segs.find((s) => s.phase !== 'post');
  if (auction === undefined) return null;
  const ping = auction.pings.find((x) => x.buyer === buyer);
  const ranked = auction.ranking.find((x) => x.buyer === buyer);
  // a buyer sees the auctions it took part in: pinged, or a fixed-price buyer ranked without a ping
  if (ping === undefined && ranked === undefined) return null;
  const sold = segs.flatMap((s) => s.sold);
  const mine = sold.find((x) => x.buyer === buyer);
  const view: {
    lead_id: string;
    campaign: string;
    test: boolean;
    at: string;
    your_ping: { kind: string; bid?: number; ms: number } | null;
    outcome: 'won' | 'lost';
    price?: number;
    reason?: LossReason;
    clearing_price: number | null;
    /** how the lead it bought reached it beside its post (its own channels only) */
    deliveries?: Omit<LeadDelivery, 'buyer'>[];
  } = {
    lead_id: leadId,
    campaign: auction.campaign,
    test: auction.test,
    at: auction.at,
    your_ping: ping === undefined ? null : { kind: ping.kind, ...(ping.bid !== undefined ? { bid: ping.bid } : {}), ms: ping.ms },
    outcome: mine !== undefined ? 'won' : 'lost',
    // the least any buyer paid to win it: what it took to win (several prices in a shared sale)
    clearing_price: sold.length === 0 ? null : Math.min(...sold.map((x) => x.price)),
  };
  if (mine !== undefined) {
    view.price = mine.price;
    const own = deliveries.filter((d) => d.buyer === buyer).map(({ buyer: _, ...d }) => d);
    if (own.length > 0) view.deliveries = own;
  } else view.reason = lossReason(buyer, segs, ping, sold.length > 0);
  return view;
}
