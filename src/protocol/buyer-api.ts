import { z } from 'zod';

/**
 * What Gavel sends a buyer in its native protocol: a ping, and the post of the full lead to the
 * winner. The hot path writes these messages by hand, once per auction (src/auction/auction-round.ts,
 * post-loop.ts), so these schemas are the published contract rather than a parser; the contract
 * test checks every message its buyer receives against them. The buyer's replies are the
 * schemas Gavel reads them with (src/buyers/buyer-replies.ts).
 */
export const BuyerPing = z.object({
  ping_id: z.string().meta({ description: "the lead's id in this auction; the post carries it again" }),
  campaign: z.string(),
  test: z.boolean().meta({ description: "the seller's test flag: a test lead is no money" }),
  lead: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).meta({ description: "the campaign's ping fields only: never a personal (pii) one" }),
  tmax_ms: z.number().meta({ description: "the time this buyer has to answer: min(its timeout_ms, the auction's time left less the response margin)" }),
});

export const BuyerPost = z.object({
  ping_id: z.string(),
  bid_id: z.string().nullable().meta({ description: "the buyer's own bid id, as it gave it (null when it gave none)" }),
  price: z.number().meta({ description: "the buyer's own bid: what it pays if it accepts" }),
  test: z.boolean(),
  tmax_ms: z.number().meta({ description: 'the time the buyer has to answer the post' }),
  score: z.number().nullable().meta({ description: "the lead's score (0 to 1), or null when its campaign does not score or the score was not ready in time" }),
  grade: z.string().nullable(),
  lead: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).meta({ description: 'every field of the lead, personal ones included' }),
});
