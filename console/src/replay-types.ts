import type { z } from 'zod';
import type { ReplayAnswer as ReplayAnswerSchema } from '../../src/versions/admin-schemas.js';

/**
 * The answer of POST /v1/admin/drafts/{id}/replay as the draft's replay step reads it: the
 * server's own schema's type (src/versions/admin-schemas.ts), so the page cannot drift from it
 * (types only: the bundle drops them). Money is in the API's decimals.
 */
export type ReplayAnswer = z.infer<typeof ReplayAnswerSchema>;
/** one version's account of the leads replayed */
export type ReplayTotals = ReplayAnswer['live'];
export type BuyerTotals = ReplayTotals['buyers'][string];
export type SellerTotals = ReplayTotals['sellers'][string];
/** a lead whose outcome the draft changes, with its path under each */
export type ChangedLead = ReplayAnswer['changed'][number];
export type LeadPath = ChangedLead['live'];
