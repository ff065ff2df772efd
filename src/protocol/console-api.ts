/**
 * What the console's own feeds send the browser (GET /v1/console/market, /v1/console/campaigns)
 * and what the lead index lists: zod schemas, which the published document is generated from,
 * and their types, which the server that writes them and the pages that read them (console/src,
 * by type-only imports: no zod in the bundle) share, so the two cannot drift.
 */
import { z } from 'zod';

const share = z.number().min(0).max(1).nullable();

/** One buyer's last second (its bid and win rates: the last 30 seconds). Rates are shares (0..1), null when there was nothing to divide. */
export const BuyerSampleSchema = z.object({
  buyer: z.string(),
  pings_per_s: z.number(),
  bid_rate: share.meta({ description: 'bids of the pings it answered, over the last 30 seconds' }),
  win_rate: share.meta({ description: 'posts it won of its bids, over the last 30 seconds' }),
  latency_p50_ms: z.number().nullable().meta({ description: "the bucket bound its replies' median fell under" }),
  timeouts: z.int(),
  breaker: z.enum(['closed', 'half-open', 'open', 'none']),
});
export type BuyerSample = z.infer<typeof BuyerSampleSchema>;

/** What the console's live market page shows, each second. */
export const MarketSampleSchema = z.object({
  at: z.string(),
  pings_per_s: z.number(),
  fill: share.meta({ description: 'pings answered with a bid, of all pings in the last second' }),
  pings_total: z.number(),
  sold_total: z.number(),
  auction_p50_ms: z.number().nullable(),
  auction_p99_ms: z.number().nullable(),
  buyers: z.array(BuyerSampleSchema),
});
export type MarketSample = z.infer<typeof MarketSampleSchema>;

/**
 * The first run's demo market, when `npm start` runs one: the console labels it so a newcomer
 * does not take a designed failure (a buyer always late) for a fault.
 */
export const DemoInfoSchema = z.object({
  seller: z.string().meta({ description: "the seller whose key sends the demo's leads" }),
  every_ms: z.number().meta({ description: 'a lead every this many ms' }),
  buyers: z.array(z.object({ id: z.string(), role: z.string().meta({ description: 'what the simulated buyer is made to do' }) })),
});
export type DemoInfo = z.infer<typeof DemoInfoSchema>;

/** GET /v1/console/campaigns: the live campaigns' deadlines, and the demo when one runs. */
export const ConsoleFactsSchema = z.object({
  campaigns: z.array(z.object({ id: z.string(), tmax_ms: z.number(), max_tmax_ms: z.number(), post_tmax_ms: z.number() })),
  demo: DemoInfoSchema.nullable(),
});
export type ConsoleFacts = z.infer<typeof ConsoleFactsSchema>;

/** One traced call as the lead index keeps it (src/trace/lead-index.ts), and as the operator lists it. */
export interface LeadSummary {
  lead_id: string;
  phase: string;
  at: string;
  seller: string;
  campaign: string;
  /** the buyers pinged, ranked or posted to */
  buyers: string[];
  /** the buyer that bought it, if one did */
  sold_to: string | null;
  /** the answer's status, and its reason when there is one: bid, sold, no_bid/NO_ELIGIBLE_BUYERS... */
  outcome: string;
}
