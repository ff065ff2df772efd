import { fromMicros } from '../core/money.js';
import type { RecordedLead } from './recorded-lead.js';
import { replayLead, type ReplayedLead, type ReplayMarket } from './replay-lead.js';

/** Money is summed in micros and given in the seller API's decimals, rounded to the cent once. */
const money = (micros: number) => Math.round(fromMicros(micros) * 100) / 100;

interface BuyerCount {
  eligible: number;
  bids: number;
  wins: number;
  sold: number;
  spendMicros: number;
  capHits: number;
}
interface SellerCount {
  leads: number;
  offers: number;
  sold: number;
  revenueMicros: number;
  payoutMicros: number;
}

/** One version's account of the replayed leads, as it is counted. */
class Tally {
  leads = 0;
  bids = 0;
  offers = 0;
  offeredMicros = 0;
  posted = 0;
  sold = 0;
  revenueMicros = 0;
  payoutMicros = 0;
  readonly buyers = new Map<string, BuyerCount>();
  readonly sellers = new Map<string, SellerCount>();
  readonly skipped: Record<string, number> = {};
  readonly estimated = { leads: 0, sold: 0, revenueMicros: 0, payoutMicros: 0, bids: 0, posts: 0, unobserved: {} as Record<string, number> };

  private buyer(id: string): BuyerCount {
    let b = this.buyers.get(id);
    if (b === undefined) this.buyers.set(id, (b = { eligible: 0, bids: 0, wins: 0, sold: 0, spendMicros: 0, capHits: 0 }));
    return b;
  }

  add(lead: RecordedLead, r: ReplayedLead): void {
    if (r.skipped !== undefined) {
      this.skipped[r.skipped] = (this.skipped[r.skipped] ?? 0) + 1;
      return;
    }
    this.leads++;
    let s = this.sellers.get(lead.seller);
    if (s === undefined) this.sellers.set(lead.seller, (s = { leads: 0, offers: 0, sold: 0, revenueMicros: 0, payoutMicros: 0 }));
    s.leads++;
    for (const b of r.eligible) this.buyer(b).eligible++;
    for (const b of r.capHits) this.buyer(b).capHits++;
    for (const x of r.ranked) this.buyer(x.buyer).bids++;
    this.bids += r.ranked.length;
    for (const b of r.unobserved) this.estimated.unobserved[b] = (this.estimated.unobserved[b] ?? 0) + 1;
    this.estimated.bids += r.estimatedBids.length;
    this.estimated.posts += r.estimatedPosts;
    if (r.winner !== null && r.offerMicros !== null) {
      this.offers++;
      s.offers++;
      this.offeredMicros += r.offerMicros;
      this.buyer(r.winner).wins++;
    }
    if (r.posted) this.posted++;
    if (r.sales.length > 0) {
      this.sold++;
      s.sold++;
    }
    for (const sale of r.sales) {
      const b = this.buyer(sale.buyer);
      b.sold++;
      b.spendMicros += sale.priceMicros;
      this.revenueMicros += sale.priceMicros;
      this.payoutMicros += sale.payoutMicros;
      s.revenueMicros += sale.priceMicros;
      s.payoutMicros += sale.payoutMicros;
    }
    if (r.estimated) {
      this.estimated.leads++;
      if (r.sales.length > 0) this.estimated.sold++;
      for (const sale of r.sales) {
        this.estimated.revenueMicros += sale.priceMicros;
        this.estimated.payoutMicros += sale.payoutMicros;
      }
    }
  }

  /** The account as the API gives it. */
  totals(): ReplayTotals {
    const sales = [...this.buyers.values()].reduce((n, b) => n + b.sold, 0);
    const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
    return {
      leads: this.leads,
      bids: this.bids,
      offers: this.offers,
      offer_rate: ratio(this.offers, this.leads),
      offered: money(this.offeredMicros),
      posted: this.posted,
      sold: this.sold,
      fill: ratio(this.sold, this.leads),
      revenue: money(this.revenueMicros),
      payout: money(this.payoutMicros),
      margin: money(this.revenueMicros - this.payoutMicros),
      buyers: Object.fromEntries(
        [...this.buyers].map(([id, b]) => [id, { eligible: b.eligible, bids: b.bids, wins: b.wins, sold: b.sold, spend: money(b.spendMicros), cap_hits: b.capHits, win_share: ratio(b.sold, sales) }]),
      ),
      sellers: Object.fromEntries([...this.sellers].map(([id, s]) => [id, { leads: s.leads, offers: s.offers, sold: s.sold, revenue: money(s.revenueMicros), payout: money(s.payoutMicros) }])),
      skipped: this.skipped,
      estimated: {
        leads: this.estimated.leads,
        sold: this.estimated.sold,
        revenue: money(this.estimated.revenueMicros),
        payout: money(this.estimated.payoutMicros),
        bids: this.estimated.bids,
        posts: this.estimated.posts,
        unobserved: this.estimated.unobserved,
      },
    };
  }
}

/** One version's account of the replayed leads, in the API's decimals. */
export interface ReplayTotals {
  /** leads judged (skipped ones apart) */
  leads: number;
  /** bids that counted in the rankings (at or over the floor, grade met) */
  bids: number;
  /** leads whose ping answer offered a price (a direct post: a bid to post to) */
  offers: number;
  offer_rate: number;
  /** the prices offered, summed */
  offered: number;
  posted: number;
  /** leads sold (to one buyer or more) */
  sold: number;
  /** sold / leads */
  fill: number;
  /** what buyers paid */
  revenue: number;
  /** what sellers were paid */
  payout: number;
  margin: number;
  /** per buyer: eligible, bids ranked, wins (held first), leads bought, spend, cap hits, and its share of the leads sold */
  buyers: Record<string, { eligible: number; bids: number; wins: number; sold: number; spend: number; cap_hits: number; win_share: number }>;
  sellers: Record<string, { leads: number; offers: number; sold: number; revenue: number; payout: number }>;
  /** leads not judged, by why */
  skipped: Record<string, number>;
  /**
   * The part of the figures above that rests on an estimate (never mixed in unsaid): leads whose
   * outcome used one, their sales, revenue and payout; bids drawn for buyers never pinged live
   * (`unobserved`: how many leads each had no recorded answer for) and posts drawn from accept rates.
   */
  estimated: { leads: number; sold: number; revenue: number; payout: number; bids: number; posts: number; unobserved: Record<string, number> };
}

/** A lead's way under one version. */
export interface LeadPath {
  winner: string | null;
  offer: number | null;
  sold: { buyer: string; price: number; payout: number }[];
  cap_hits: string[];
  estimated: boolean;
}

/** A lead whose outcome differs between the two versions, with both paths. */
export interface ChangedLead {
  lead_id: string;
  seller: string;
  at: string;
  live: LeadPath;
  draft: LeadPath;
}

export interface ReplayComparison {
  /** leads replayed */
  pings: number;
  live: ReplayTotals;
  draft: ReplayTotals;
  /** the leads whose winner, offer or sales changed, oldest first, at most `maxChanged` */
  changed: ChangedLead[];
  changed_count: number;
}

const pathOf = (r: ReplayedLead): LeadPath => ({
  winner: r.winner,
  offer: r.offerMicros === null ? null : fromMicros(r.offerMicros),
  sold: r.sales.map((s) => ({ buyer: s.buyer, price: fromMicros(s.priceMicros), payout: fromMicros(s.payoutMicros) })),
  cap_hits: r.capHits,
  estimated: r.estimated,
});

const sameSales = (a: ReplayedLead, b: ReplayedLead) =>
  a.sales.length === b.sales.length && a.sales.every((s, i) => s.buyer === b.sales[i]!.buyer && s.priceMicros === b.sales[i]!.priceMicros && s.payoutMicros === b.sales[i]!.payoutMicros);

/**
 * Recorded leads, oldest first, replayed under the live version and under a draft side by side,
 * each in its own market (caps and turns counted as it goes): the two accounts, and the leads
 * whose outcome the draft changes.
 */
export class ReplayComparer {
  private readonly live = new Tally();
  private readonly draft = new Tally();
  private readonly changed: ChangedLead[] = [];
  private changedCount = 0;
  private count = 0;

  constructor(
    private readonly liveMarket: ReplayMarket,
    private readonly draftMarket: ReplayMarket,
    private readonly maxChanged = 100,
  ) {}

  async add(lead: RecordedLead): Promise<void> {
    this.count++;
    const a = await replayLead(this.liveMarket, lead);
    const b = await replayLead(this.draftMarket, lead);
    this.live.add(lead, a);
    this.draft.add(lead, b);
    if (a.winner !== b.winner || a.offerMicros !== b.offerMicros || !sameSales(a, b) || a.skipped !== b.skipped) {
      this.changedCount++;
      if (this.changed.length < this.maxChanged) this.changed.push({ lead_id: lead.leadId, seller: lead.seller, at: new Date(lead.at).toISOString(), live: pathOf(a), draft: pathOf(b) });
    }
  }

  result(): ReplayComparison {
    return { pings: this.count, live: this.live.totals(), draft: this.draft.totals(), changed: this.changed, changed_count: this.changedCount };
  }
}
