import { z } from 'zod';
import { toMicros } from '../money.js';
import type { Bid, Pass, PassKind } from './transport.js';

/** The most a bid may be, in the seller API's decimals. */
const MAX_BID = 1_000_000;

/** The native buyer protocol's replies. Anything that does not parse is a BAD_REPLY pass. */
export const PingReply = z.union([
  z.object({
    bid: z.number().finite().nonnegative().max(MAX_BID),
    bid_id: z.string().max(128).optional(),
    /** what the buyer pays for the lead if it is sold shared (to several buyers); its bid when absent */
    shared_bid: z.number().finite().nonnegative().max(MAX_BID).optional(),
  }),
  z.object({ pass: z.literal(true), reason: z.string().max(256).optional() }),
]);

export const PostReply = z.object({
  accepted: z.boolean(),
  redirect_url: z.url().max(2048).optional(),
  reason: z.string().max(256).optional(),
});

export function pass(kind: PassKind, ms: number, reason?: string): Pass {
  return { kind: 'pass', pass: kind, reason, ms };
}

/**
 * A native ping reply read into a bid or a pass (BAD_REPLY when it is neither), `ms` after the
 * ping. The common reply, a plain bid in range, is taken without zod's machinery: the same check
 * by hand, and every other shape goes through the schema, which stays the reference (a test holds
 * the two to the same answers). A reply is read per buyer per auction, so this is hot.
 */
export function readPingReply(reply: unknown, ms: number): Bid | Pass {
  if (typeof reply === 'object' && reply !== null) {
    const o = reply as Record<string, unknown>;
    const bid = o.bid;
    if (typeof bid === 'number' && Number.isFinite(bid) && bid >= 0 && bid <= MAX_BID && o.bid_id === undefined && o.shared_bid === undefined && o.pass === undefined) {
      const bidMicros = toMicros(bid);
      return bidMicros > 0 ? { kind: 'bid', bidMicros, bidId: undefined, ms } : pass('NO_BID', ms);
    }
  }
  const r = PingReply.safeParse(reply);
  if (!r.success) return pass('BAD_REPLY', ms);
  if ('pass' in r.data) return pass('NO_BID', ms, r.data.reason);
  const bidMicros = toMicros(r.data.bid);
  if (bidMicros <= 0) return pass('NO_BID', ms);
  return { kind: 'bid', bidMicros, bidId: r.data.bid_id, ...(r.data.shared_bid !== undefined ? { sharedBidMicros: toMicros(r.data.shared_bid) } : {}), ms };
}
