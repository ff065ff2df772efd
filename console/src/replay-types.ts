/**
 * The answer of POST /v1/admin/drafts/{id}/replay as the draft's replay step reads it (README,
 * "Live configuration and the admin API"): the recorded leads of a range judged under the live
 * version and under the draft, side by side, and the leads whose outcome the draft changes.
 * Money is in the API's decimals.
 */
export interface ReplayAnswer {
  draft: string;
  from: string;
  to: string;
  /** leads found in the range */
  leads: number;
  /** of them, recorded without their fields: not replayed */
  not_recorded: number;
  /** leads replayed */
  pings: number;
  live: ReplayTotals;
  draft_totals: ReplayTotals;
  /** oldest first, at most 100 */
  changed: ChangedLead[];
  changed_count: number;
}

export interface BuyerTotals {
  eligible: number;
  bids: number;
  wins: number;
  sold: number;
  spend: number;
  cap_hits: number;
  win_share: number;
}

export interface SellerTotals {
  leads: number;
  offers: number;
  sold: number;
  revenue: number;
  payout: number;
}

/** The part of a side's figures that rests on an estimate (a bid or a post outcome the recorded traffic does not hold). */
export interface EstimatedTotals {
  leads: number;
  sold: number;
  revenue: number;
  payout: number;
  bids: number;
  posts: number;
  /** per buyer eligible under the version but never pinged live: leads with no recorded answer of its */
  unobserved: Record<string, number>;
}

export interface ReplayTotals {
  leads: number;
  offers: number;
  offer_rate: number;
  offered: number;
  posted: number;
  sold: number;
  /** sold / leads */
  fill: number;
  revenue: number;
  payout: number;
  margin: number;
  buyers: Record<string, BuyerTotals>;
  sellers: Record<string, SellerTotals>;
  /** leads not judged, by code */
  skipped: Record<string, number>;
  estimated: EstimatedTotals;
}

export interface LeadPath {
  winner: string | null;
  offer: number | null;
  sold: { buyer: string; price: number; payout: number }[];
  cap_hits: string[];
  estimated: boolean;
}

export interface ChangedLead {
  lead_id: string;
  seller: string;
  at: string;
  live: LeadPath;
  draft: LeadPath;
}
