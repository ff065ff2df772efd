import { z } from 'zod';
import { toMicros } from '../core/money.js';
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

/** a number a bid may be: finite, from 0 to MAX_BID */
const inRange = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= MAX_BID;

/**
 * A native ping reply read into a bid or a pass (BAD_REPLY when it is neither), `ms` after the
 * ping. The common replies, a bid in range (with its bid id and shared bid, if any) and a plain
 * pass, are taken without zod's machinery: the same checks by hand, and every other shape goes
 * through the schema, which stays the reference (a test holds the two to the same answers). A
 * reply is read per buyer per auction, so this is hot: through zod, a socket buyer's reply cost
 * about 800 bytes of garbage.
 */
export function readPingReply(reply: unknown, ms: number): Bid | Pass {
  if (typeof reply === 'object' && reply !== null) {
    const o = reply as Record<string, unknown>;
    const { bid, bid_id: bidId, shared_bid: shared } = o;
    if (inRange(bid) && o.pass === undefined && (bidId === undefined || (typeof bidId === 'string' && bidId.length <= 128)) && (shared === undefined || inRange(shared))) {
      const bidMicros = toMicros(bid);
      if (bidMicros <= 0) return pass('NO_BID', ms);
      const out: Bid = { kind: 'bid', bidMicros, bidId, ms };
      if (shared !== undefined) out.sharedBidMicros = toMicros(shared);
      return out;
    }
    const reason = o.reason;
    if (o.pass === true && bid === undefined && (reason === undefined || (typeof reason === 'string' && reason.length <= 256))) return pass('NO_BID', ms, reason);
  }
  const r = PingReply.safeParse(reply);
  if (!r.success) return pass('BAD_REPLY', ms);
  if ('pass' in r.data) return pass('NO_BID', ms, r.data.reason);
  const bidMicros = toMicros(r.data.bid);
  if (bidMicros <= 0) return pass('NO_BID', ms);
  return { kind: 'bid', bidMicros, bidId: r.data.bid_id, ...(r.data.shared_bid !== undefined ? { sharedBidMicros: toMicros(r.data.shared_bid) } : {}), ms };
}
