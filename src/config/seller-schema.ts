import { z } from 'zod';
import { AllowBlock } from '../rules/buyer-rules.js';
import { clearKey, id, KeyEntry, money, Notify, rate } from './field-schema.js';
import { Margin } from './plan-schema.js';

export const Seller = z.strictObject({
  id,
  /** false: paused, its pings and direct posts are refused with SELLER_PAUSED (posts of earlier pings still finish) */
  active: z.boolean().default(true),
  /** one key in clear: accepted, with a warning at start; api_keys holds hashes */
  api_key: clearKey.optional(),
  /**
   * hashes; may be empty for a seller added before its first key is issued (the console adds a
   * seller, then the keys API issues its key): until then every call of it is 401
   */
  api_keys: z.array(KeyEntry).max(16).optional(),
  /** where the final result of each of this seller's leads is posted (sold, rejected, returned), signed with `secret` */
  postback: Notify.optional(),
  /** campaigns this seller may send to; all when absent */
  campaigns: z.array(id).optional(),
  /** pings (and direct posts) this seller may send into Gavel; over it: 429 RATE_LIMITED */
  rate_limit: rate.optional(),
  /** buyers this seller's leads may go to (allow) or never go to (block) */
  buyers: AllowBlock.optional(),
  /** this seller's own floor and margin, over the campaign's */
  floor: money.optional(),
  margin: Margin.optional(),
}).refine((s) => s.api_key !== undefined || s.api_keys !== undefined, { message: 'a seller needs api_keys (or api_key)', path: ['api_keys'] });
export type SellerConfig = z.infer<typeof Seller>;
