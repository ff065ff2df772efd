import { z } from 'zod';

/**
 * What Gavel posts to a party that asked to be told (src/notify/postbacks.ts): a seller's
 * postback of its lead's final result, a buyer's notice of a lead it bid on and lost. One schema
 * for the code and the published document, so neither drifts.
 */
export const LeadResult = z.object({
  event_id: z.string().meta({ description: 'unique per result and receiver: a receiver that sees it twice (a retry after a lost answer) drops the second' }),
  type: z.enum(['lead.sold', 'lead.rejected', 'lead.returned', 'lead.lost']),
  lead_id: z.string(),
  price: z.number().optional().meta({ description: 'lead.sold: what the seller is paid; lead.returned: the payout clawed back' }),
  reason: z.string().optional().meta({ description: "lead.rejected: the post's reason code; lead.returned: the buyer's reason; lead.lost: OUTBID, POST_REJECTED or NOT_SOLD" }),
  buyers: z.int().positive().optional().meta({ description: 'lead.sold, shared: how many buyers bought it' }),
  bid: z.number().optional().meta({ description: "lead.lost: the buyer's own bid" }),
  clearing_price: z.number().nullable().optional().meta({ description: 'lead.lost: the least price paid for the lead; null when no one bought it' }),
  test: z.boolean().optional().meta({ description: 'lead.lost: whether it was a test lead' }),
  at: z.iso.datetime().meta({ description: 'when the result came' }),
});
export type LeadResult = z.infer<typeof LeadResult>;

/**
 * A copy of a lead a buyer bought, posted to its second URL (its `webhook`, src/delivery): signed
 * as notices are, the whole lead or (`body: id`) its id, price and time alone.
 */
export const LeadBought = z.object({
  event_id: z.string().meta({ description: 'lead.bought:<lead id>: the same at every try; a receiver that sees it twice drops the second' }),
  type: z.literal('lead.bought'),
  lead_id: z.string(),
  campaign: z.string(),
  price: z.number().meta({ description: 'what the buyer pays for it' }),
  grade: z.string().nullable().meta({ description: "the lead's score grade, null when it was not scored" }),
  test: z.boolean(),
  at: z.iso.datetime().meta({ description: 'when the buyer accepted it' }),
  lead: z.record(z.string(), z.unknown()).optional().meta({ description: 'every field of the lead, personal ones included; absent with body: id' }),
});
export type LeadBought = z.infer<typeof LeadBought>;

/** The header every notice is signed in; the receiver recomputes it with the shared secret. */
export const SIGNATURE_HEADER = 'x-gavel-signature';
export const SIGNATURE_SCHEME = 't=<ms>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>';
