import { z } from 'zod';

/** The native buyer protocol's replies. Anything that does not parse is a BAD_REPLY pass. */
export const PingReply = z.union([
  z.object({
    bid: z.number().finite().nonnegative().max(1_000_000),
    bid_id: z.string().max(128).optional(),
    /** what the buyer pays for the lead if it is sold shared (to several buyers); its bid when absent */
    shared_bid: z.number().finite().nonnegative().max(1_000_000).optional(),
  }),
  z.object({ pass: z.literal(true), reason: z.string().max(256).optional() }),
]);

export const PostReply = z.object({
  accepted: z.boolean(),
  redirect_url: z.url().max(2048).optional(),
  reason: z.string().max(256).optional(),
});
