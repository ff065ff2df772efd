/**
 * What the console's own feeds send the browser (GET /v1/console/market, /v1/console/leads): plain
 * types with no runtime, imported by the server that writes them and by the pages that read them
 * (console/src), so the two cannot drift.
 */

/** One buyer's last second. Rates are shares (0..1), null when there was nothing to divide. */
export interface BuyerSample {
  buyer: string;
  pings_per_s: number;
  bid_rate: number | null;
  win_rate: number | null;
  latency_p50_ms: number | null;
  timeouts: number;
  breaker: 'closed' | 'half-open' | 'open' | 'none';
}

/** What the console's live market page shows, each second. */
export interface MarketSample {
  at: string;
  pings_per_s: number;
  /** pings answered with a bid, of all pings in the window */
  fill: number | null;
  pings_total: number;
  sold_total: number;
  auction_p50_ms: number | null;
  auction_p99_ms: number | null;
  buyers: BuyerSample[];
}

/**
 * The first run's demo market, when `npm start` runs one: the console labels it so a newcomer
 * does not take a designed failure (a buyer always late) for a fault.
 */
export interface DemoInfo {
  /** the seller whose key sends the demo's leads */
  seller: string;
  /** a lead every this many ms */
  every_ms: number;
  /** each simulated buyer and what it is made to do */
  buyers: { id: string; role: string }[];
}

/** GET /v1/console/campaigns: the live campaigns' deadlines, and the demo when one runs. */
export interface ConsoleFacts {
  campaigns: { id: string; tmax_ms: number; max_tmax_ms: number; post_tmax_ms: number }[];
  demo: DemoInfo | null;
}

/** One recent trace segment, as the console's lead list shows it. */
export interface LeadSummary {
  lead_id: string;
  phase: string;
  at: string;
  seller: string;
  campaign: string;
  /** the buyers pinged (a ping) or posted to (a post) */
  buyers: string[];
  /** the buyer that bought it, if one did */
  sold_to: string | null;
  /** the answer's status, and its reason when there is one: bid, sold, no_bid/NO_ELIGIBLE_BUYERS... */
  outcome: string;
}
