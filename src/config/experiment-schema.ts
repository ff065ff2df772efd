import { z } from 'zod';
import { id, money } from './field-schema.js';
import { Margin, Pricing, Tier } from './plan-schema.js';

/** the most arms a test splits its traffic into: past six, each arm's share is too thin to read */
export const MAX_ARMS = 6;

/**
 * One arm of a campaign's A/B test: its share of the campaign's leads (in percent) and what it
 * sells them under. What an arm leaves out is the campaign's own (an arm with no override is the
 * control). A `pricing` given replaces the campaign's pricing whole.
 */
export const ExperimentArm = z.strictObject({
  name: id,
  share: z.int().min(1).max(100),
  floor: money.optional(),
  distribution: z.array(Tier).min(1).max(20).optional(),
  pricing: Pricing.optional(),
  margin: Margin.optional(),
  rank_by: z.enum(['bid', 'expected_value']).optional(),
});
export type ExperimentArm = z.infer<typeof ExperimentArm>;

/**
 * A campaign's A/B test: its leads split between the arms by share, each lead's arm decided by
 * its id alone (src/config/experiment-arm.ts), so a ping and its post see one arm. The id names
 * the test in the ledger: leads and sales are counted per (campaign, test id, arm).
 */
export const Experiment = z
  .strictObject({
    id,
    arms: z.array(ExperimentArm).min(2).max(MAX_ARMS),
  })
  .superRefine((e, ctx) => {
    const total = e.arms.reduce((sum, a) => sum + a.share, 0);
    if (total !== 100) ctx.addIssue({ code: 'custom', path: ['arms'], message: `the arms' shares sum to ${total}, not 100` });
    const seen = new Set<string>();
    e.arms.forEach((a, i) => {
      if (seen.has(a.name)) ctx.addIssue({ code: 'custom', path: ['arms', i, 'name'], message: `duplicate arm name "${a.name}"` });
      seen.add(a.name);
    });
  });
export type Experiment = z.infer<typeof Experiment>;
