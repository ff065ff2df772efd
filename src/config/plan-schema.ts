import { z } from 'zod';
import { id, money } from './field-schema.js';

export const METHODS = ['highest_bid', 'priority', 'round_robin', 'weighted', 'fixed_price'] as const;
export type Method = (typeof METHODS)[number];

/**
 * One tier of a campaign's distribution plan. Methods: highest_bid (best bid first), priority
 * (a waterfall: the first buyer in the listed order that bids), round_robin and weighted (the
 * next buyer in turn among those that bid, the turn shared by every Gavel process), fixed_price
 * (buyers with a `price` that take a lead without a ping). `sell: shared` sells the lead to up
 * to `max_buyers` buyers of the tier, each paying its own price.
 */
export const Tier = z.strictObject({
  name: id,
  method: z.enum(METHODS).default('highest_bid'),
  /** the tier's buyers, in priority order; absent: every buyer of the campaign no other tier names */
  buyers: z.array(id).min(1).max(1000).optional(),
  /** weighted: a buyer's share of the leads is its weight over the sum (3 and 1: three quarters and a quarter) */
  weights: z.record(id, z.int().min(1).max(10_000)).optional(),
  sell: z.enum(['exclusive', 'shared']).default('exclusive'),
  max_buyers: z.int().min(2).max(20).default(3),
});
export type Tier = z.infer<typeof Tier>;

/** A margin: a share of the price (0.2: the seller is paid 80%), or a fixed amount taken off it (parsed to micros). */
export const Margin = z.union([z.number().min(0).max(1), z.strictObject({ fixed: money })]);
export type Margin = z.infer<typeof Margin>;

/**
 * How a winner's price is set. second_price: the winner pays the next bid of its tier plus
 * `increment` (the floor when no bid follows), never more than its own bid; max_price caps
 * any price paid.
 */
export const Pricing = z.strictObject({
  second_price: z.strictObject({ increment: money.prefault(0.01) }).optional(),
  max_price: money.optional(),
});
export type Pricing = z.infer<typeof Pricing>;
