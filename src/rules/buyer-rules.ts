import { z } from 'zod';
import { compileFilter, FilterSchema } from './filter.js';
import { compileSchedule, ScheduleSchema } from './schedule.js';

const ids = z.array(z.string().min(1).max(128)).max(10_000);
/** Lists of ids a party takes or refuses; `allow` given: only those; `block`: never those. */
export const AllowBlock = z.strictObject({ allow: ids.optional(), block: ids.optional() });
export type AllowBlock = z.infer<typeof AllowBlock>;

/** What a buyer's config may say about which leads it takes (src/config/buyer-schema.ts adds these to Buyer). */
export const buyerRuleShape = {
  /** a condition tree on lead fields (src/rules/filter.ts) */
  filters: FilterSchema.optional(),
  schedule: ScheduleSchema.optional(),
  sellers: AllowBlock.optional(),
  sub_ids: AllowBlock.optional(),
  /** test leads ("test": true) go only to buyers that say so; they never count against caps or money */
  accepts_test: z.boolean().default(false),
};

/** Why a buyer's own rules leave it out of a lead (each a reason code in src/core/codes.ts). */
export type RuleRefusal = 'TEST_LEAD' | 'SELLER_BLOCKED' | 'SUB_ID_BLOCKED' | 'BUYER_BLOCKED' | 'CLOSED' | 'FILTERED';

export interface LeadContext {
  seller: string;
  /** the seller's own list of buyers it sells to or refuses */
  sellerBuyers: AllowBlock | undefined;
  subId: string | undefined;
  test: boolean;
  lead: Readonly<Record<string, unknown>>;
  /** whether the lead can carry a field at this stage: at a ping, only the ping fields */
  known(field: string): boolean;
  /** wall-clock ms */
  now: number;
}

function allows(list: AllowBlock | undefined, id: string | undefined): boolean {
  if (list === undefined) return true;
  if (list.block !== undefined && id !== undefined && list.block.includes(id)) return false;
  return list.allow === undefined || (id !== undefined && list.allow.includes(id));
}

/**
 * A buyer's rules as one function: null when it may take the lead, else why not. `unknown`
 * filters pass here: they are judged again on the full lead at the post. Cheap first, so the
 * usual refusal costs least.
 */
export function compileBuyerRules(
  buyer: string,
  rules: { filters?: z.infer<typeof FilterSchema>; schedule?: z.infer<typeof ScheduleSchema>; sellers?: AllowBlock; sub_ids?: AllowBlock; accepts_test: boolean },
  timezone: string,
): (ctx: LeadContext) => RuleRefusal | null {
  const filter = rules.filters === undefined ? null : compileFilter(rules.filters);
  const open = rules.schedule === undefined ? null : compileSchedule(rules.schedule, timezone);
  return (ctx) => {
    if (ctx.test && !rules.accepts_test) return 'TEST_LEAD';
    if (!allows(rules.sellers, ctx.seller)) return 'SELLER_BLOCKED';
    if (!allows(ctx.sellerBuyers, buyer)) return 'BUYER_BLOCKED';
    if (rules.sub_ids !== undefined && !allows(rules.sub_ids, ctx.subId)) return 'SUB_ID_BLOCKED';
    if (open !== null && !open(ctx.now)) return 'CLOSED';
    if (filter !== null && filter(ctx.lead, ctx.known) === 'fail') return 'FILTERED';
    return null;
  };
}
