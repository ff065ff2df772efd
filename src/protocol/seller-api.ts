import { z } from 'zod';

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

export type PingAnswer =
  | { status: 'bid'; ping_id: string; price: number; expires_at: string; bids: number }
  | { status: 'no_bid'; ping_id: string; reason: 'NO_BID' | 'NO_ELIGIBLE_BUYER' | 'CAP_REACHED' }
  | { status: 'duplicate'; reason: 'DUPLICATE' | 'RESUBMITTED' };

export type PostAnswer =
  /** `buyers`: how many bought it, for a lead sold in a shared tier; `price` is then the sum paid out */
  | { status: 'sold'; lead_id: string; price: number; redirect_url?: string; buyers?: number }
  | { status: 'rejected'; lead_id: string; reason: 'POST_REJECTED' | 'CAP_REACHED' | 'TIMEOUT' | 'POST_UNCONFIRMED' | 'DUPLICATE' | 'RESUBMITTED' | 'NO_BID' | 'NO_ELIGIBLE_BUYER'; message?: string };
