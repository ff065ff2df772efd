/**
 * The admin API's bodies and answers as zod schemas: the routes validate with the bodies, and the
 * published OpenAPI document is generated from all of them (src/spec/admin-paths.ts), so the two
 * cannot drift.
 */
import { z } from 'zod';
import { DURATION } from '../core/duration.js';

const isoTime = z.iso.datetime();

/** a configuration document: what the YAML or JSON file holds (validated when a draft is validated or published) */
export const ConfigDocumentSchema = z.record(z.string(), z.unknown()).meta({ description: 'A configuration document, as the YAML/JSON config file holds it' });

export const DraftBody = z.union([z.strictObject({ document: ConfigDocumentSchema }), z.strictObject({ yaml: z.string().meta({ description: 'the document as YAML (or JSON) text' }) })]);
export const PublishBody = z.strictObject({
  comment: z.string().max(500).default(''),
  /** publish although another version went live since the draft was made */
  force: z.boolean().default(false).meta({ description: 'publish although another version went live since the draft was made (else 409 DRAFT_STALE)' }),
  /** publish a change that needs every process restarted (RESTART_REQUIRED otherwise) */
  restart: z.boolean().default(false).meta({ description: 'publish a change that only takes effect when each process restarts (else 409 RESTART_REQUIRED)' }),
});
export const RollbackBody = PublishBody.omit({ force: true });
export const KeyBody = z.strictObject({
  party: z.enum(['operator', 'seller', 'buyer']),
  id: z.string().min(1).max(64).optional().meta({ description: "the seller's or buyer's id (required for them)" }),
  name: z.string().min(1).max(64).optional().meta({ description: "the key's name (required for an operator key: the audit log says who by it)" }),
});
export const RotateBody = z.strictObject({ overlap: z.string().regex(DURATION, 'a duration: 30s, 15m, 24h, 7d').default('24h').meta({ description: 'how long the old key keeps working' }) });

export const VersionHead = z.object({ version: z.int().min(1), author: z.string(), comment: z.string(), published_at: isoTime });
export const VersionWhole = VersionHead.extend({ document: ConfigDocumentSchema });
export const Published = VersionHead.extend({ live_here: z.boolean().meta({ description: 'true once the process that answered runs it; every other process follows within a second' }) });
export const Draft = z.object({ id: z.uuid(), document: ConfigDocumentSchema, base_version: z.int().nullable(), author: z.string(), updated_at: z.number().meta({ description: 'epoch ms' }) });
export const DraftHead = Draft.omit({ document: true }).extend({ updated_at: isoTime });
export const Problems = z.object({ valid: z.boolean(), problems: z.array(z.object({ path: z.string(), message: z.string() })) });
export const Changes = z.object({ changes: z.array(z.object({ path: z.string(), before: z.unknown().optional(), after: z.unknown().optional() })) });
export const KeyListingSchema = z.object({
  key_id: z.string().meta({ description: "the first 12 hex digits of the key's SHA-256" }),
  party: z.enum(['operator', 'seller', 'buyer']),
  id: z.string().nullable(),
  name: z.string().nullable(),
  issued_at: isoTime.nullable(),
  expires_at: isoTime.nullable(),
  in_clear: z.boolean(),
});
export const KeyIssued = z.object({
  key: z.string().meta({ description: 'the key itself: shown in this answer only, stored as its hash' }),
  key_id: z.string(),
  party: z.enum(['operator', 'seller', 'buyer']),
  id: z.string().nullable().optional(),
  config_version: z.int(),
  live_here: z.boolean(),
});
export const KeyRotated = KeyIssued.extend({ old_key_id: z.string(), old_expires_at: isoTime });
export const KeyRevoked = z.object({ revoked: KeyListingSchema, config_version: z.int(), live_here: z.boolean() });
export const AuditEntry = z.object({ id: z.int(), at: isoTime, who: z.string(), what: z.enum(['seed', 'draft.create', 'draft.update', 'draft.delete', 'publish', 'rollback']), detail: z.record(z.string(), z.unknown()) });
export const ProcessesAnswer = z.object({
  live: z.int(),
  processes: z.array(z.object({ id: z.string(), version: z.int(), at: z.number().meta({ description: 'epoch ms of its last report' }) })),
  agree: z.boolean(),
  this_process: z.int(),
});

/** POST /v1/admin/drafts/{id}/replay: the recorded leads received from `from` to `to` replayed under live and the draft */
export const ReplayBody = z.strictObject({
  from: isoTime.meta({ description: 'the first receipt time of the leads replayed' }),
  to: isoTime.meta({ description: 'the end of the range' }),
  limit: z.int().min(1).max(10_000_000).default(1_000_000).meta({ description: 'the most leads replayed, oldest first' }),
});
const count = z.int().min(0);
const ReplayTotalsSchema = z.object({
  leads: count.meta({ description: 'leads judged (skipped ones apart)' }),
  bids: count.meta({ description: 'bids that counted in the rankings (at or over the floor, grade met)' }),
  offers: count.meta({ description: 'leads whose answer offered a price' }),
  offer_rate: z.number(),
  offered: z.number().meta({ description: 'the prices offered to the sellers, summed' }),
  posted: count,
  sold: count.meta({ description: 'leads sold, to one buyer or more' }),
  fill: z.number().meta({ description: 'sold / leads' }),
  revenue: z.number().meta({ description: 'what buyers paid' }),
  payout: z.number().meta({ description: 'what sellers were paid' }),
  margin: z.number(),
  buyers: z.record(
    z.string(),
    z.object({ eligible: count, bids: count, wins: count.meta({ description: 'leads it was held for first' }), sold: count, spend: z.number(), cap_hits: count, win_share: z.number().meta({ description: 'its share of the leads sold' }) }),
  ),
  sellers: z.record(z.string(), z.object({ leads: count, offers: count, sold: count, revenue: z.number(), payout: z.number() })),
  skipped: z.record(z.string(), count).meta({ description: 'leads not judged, by why: UNKNOWN_CAMPAIGN, UNKNOWN_SELLER, CAMPAIGN_PAUSED, SELLER_PAUSED' }),
  estimated: z
    .object({ leads: count, sold: count, revenue: z.number(), payout: z.number(), bids: count, posts: count, unobserved: z.record(z.string(), count) })
    .meta({ description: 'the part of the figures that rests on an estimate: leads whose outcome used one, their sales, revenue and payout; bids drawn for buyers never pinged live (unobserved: leads per buyer with no recorded answer); posts drawn from accept rates' }),
});
const ReplayPath = z.object({
  winner: z.string().nullable(),
  offer: z.number().nullable(),
  sold: z.array(z.object({ buyer: z.string(), price: z.number(), payout: z.number() })),
  cap_hits: z.array(z.string()),
  estimated: z.boolean(),
});
export const ReplayAnswer = z.object({
  draft: z.string(),
  from: isoTime,
  to: isoTime,
  leads: count.meta({ description: 'leads received in the range' }),
  pings: count.meta({ description: 'leads replayed: those recorded with their fields (trace.record_fields)' }),
  not_recorded: count.meta({ description: 'leads of the range recorded without their fields: not replayed' }),
  truncated: z.boolean().meta({ description: 'the range held more leads than the limit: the oldest `limit` were replayed' }),
  live: ReplayTotalsSchema,
  draft_totals: ReplayTotalsSchema,
  changed: z.array(z.object({ lead_id: z.string(), seller: z.string(), at: isoTime, live: ReplayPath, draft: ReplayPath })).meta({ description: 'the leads whose winner, offer or sales the draft changes, oldest first, at most 100' }),
  changed_count: count,
});
