import { z } from 'zod';
import { Codes, type Code } from '../core/codes.js';

/**
 * The seller API's request envelopes. The lead inside is checked afterwards against its
 * campaign's own compiled schema (src/config/lead-schema.ts), so the details of both speak of
 * paths like `lead.zip`.
 */
const leadObject = z
  .custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'must be an object')
  .check((ctx) => {
    // checked in place, not copied: z.record builds a new object by assignment, where a field
    // named __proto__ would set the copy's prototype instead of being refused as unknown
    const keys = Object.keys(ctx.value);
    if (keys.length > 200) ctx.issues.push({ code: 'custom', input: ctx.value, message: 'at most 200 fields' });
    for (const k of keys) if (k.length > 64) ctx.issues.push({ code: 'custom', input: k, path: [k], message: 'a field name is at most 64 characters' });
  });

export const PingEnvelope = z.strictObject({
  campaign: z.string().max(64),
  lead: leadObject,
  tmax_ms: z.int().min(1).max(60_000).optional(),
  test: z.boolean().default(false),
  sub_id: z.string().max(128).optional(),
});
export type PingEnvelope = z.infer<typeof PingEnvelope>;

export const PostEnvelope = z.strictObject({
  ping_id: z.string().min(1).max(128),
  lead: leadObject,
});
export type PostEnvelope = z.infer<typeof PostEnvelope>;

/** A direct post carries the same envelope as a ping, with the full lead in it. */
export const LeadsEnvelope = PingEnvelope;
export type LeadsEnvelope = z.infer<typeof LeadsEnvelope>;

/**
 * The answers, as zod schemas the published documents are generated from (src/spec); their
 * TypeScript types are inferred from them, so the code that builds an answer cannot drift from
 * what the document promises. The exchange never parses its own answers with these: they are
 * the contract, not a step of the hot path.
 */
const Price = z.number().nonnegative().meta({ description: 'what the seller is paid, in the currency unit (8.4 is 8.40)' });

export const PingBid = z.object({
  status: z.literal('bid'),
  ping_id: z.string().meta({ description: 'the id to post the full lead under (POST /v1/post), and the lead id of its trace' }),
  price: Price,
  expires_at: z.iso.datetime().meta({ description: 'the cap hold for this bid lasts until then: post before it' }),
  bids: z.int().nonnegative().meta({ description: 'how many buyers bid' }),
});
export const PingNoBid = z.object({
  status: z.literal('no_bid'),
  ping_id: z.string(),
  reason: z.enum(['NO_BID', 'NO_ELIGIBLE_BUYER', 'CAP_REACHED']),
});
export const PingDuplicate = z.object({
  status: z.literal('duplicate'),
  reason: z.enum(['DUPLICATE', 'RESUBMITTED']),
});
export const PingAnswer = z.discriminatedUnion('status', [PingBid, PingNoBid, PingDuplicate]);
export type PingAnswer = z.infer<typeof PingAnswer>;

export const PostSold = z.object({
  status: z.literal('sold'),
  lead_id: z.string(),
  price: Price,
  redirect_url: z.string().optional().meta({ description: "the buyer's page to send the consumer to, when it gave one" }),
  /** how many bought it, for a lead sold in a shared tier; `price` is then the sum paid out */
  buyers: z.int().positive().optional().meta({ description: 'how many buyers bought it, for a lead sold shared; price is then the sum paid out' }),
});
export const PostRejected = z.object({
  status: z.literal('rejected'),
  lead_id: z.string(),
  reason: z.enum(['POST_REJECTED', 'CAP_REACHED', 'TIMEOUT', 'POST_UNCONFIRMED', 'DUPLICATE', 'RESUBMITTED', 'NO_BID', 'NO_ELIGIBLE_BUYER']),
  message: z.string().optional().meta({ description: "the last buyer's own reason, when it gave one" }),
});
export const PostAnswer = z.discriminatedUnion('status', [PostSold, PostRejected]);
export type PostAnswer = z.infer<typeof PostAnswer>;

/** A direct post answers as a post does: the lead's final result. */
export const LeadsAnswer = PostAnswer;
export type LeadsAnswer = PostAnswer;

/** One problem with one field of a request (core/codes.ts's Detail). */
export const ErrorDetail = z.object({ path: z.string(), message: z.string() });

/** Every refusal, on every route: `{"error": {code, message, details?}}`; a refused ping or direct post whose campaign is known also names the lead id its trace is kept under. */
export const ErrorAnswer = z.object({
  error: z.object({
    code: z.enum(Object.keys(Codes) as [Code, ...Code[]]),
    message: z.string(),
    details: z.array(ErrorDetail).optional(),
  }),
  lead_id: z.string().optional(),
});
export type ErrorAnswer = z.infer<typeof ErrorAnswer>;
