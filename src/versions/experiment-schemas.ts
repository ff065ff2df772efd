/**
 * The A/B test routes' bodies and answers as zod schemas (src/front/experiments-api.ts): the
 * route validates its body with them, and the OpenAPI document's admin group is generated from
 * them (src/spec/admin-paths.ts).
 */
import { z } from 'zod';

const interval = z.object({ low: z.number(), high: z.number() }).nullable().meta({ description: '95% interval; null when there is too little to compute one' });

export const EndExperimentBody = z.strictObject({
  arm: z.string().min(1).max(64).meta({ description: "the arm whose overrides the campaign takes (the control's: none)" }),
  comment: z.string().max(500).default('').meta({ description: "the version's comment (default: which test ended and which arm was published)" }),
});

const ArmReportSchema = z.object({
  name: z.string(),
  share: z.int().min(1).max(100).meta({ description: "the arm's share of the campaign's leads, in percent" }),
  overrides: z.record(z.string(), z.unknown()).meta({ description: 'what the arm sets instead of the campaign, as the configuration writes it ({} for a control)' }),
  leads: z.int().min(0).meta({ description: 'leads run under the arm: admitted pings and direct posts, test leads and duplicates left out' }),
  sold: z.int().min(0).meta({ description: 'leads sold, to one buyer or more' }),
  fill: z.number().nullable().meta({ description: 'sold / leads' }),
  fill_ci: interval.meta({ description: 'Wilson score interval of the fill, 95%' }),
  sales: z.int().min(0).meta({ description: 'sales: a lead a shared tier sold to three buyers is three' }),
  revenue: z.number(),
  payout: z.number(),
  margin: z.number(),
  margin_per_lead: z.number().nullable().meta({ description: "margin / leads (an unsold lead's margin is 0)" }),
  margin_per_lead_ci: interval.meta({ description: "Student's t interval of the margin per lead, 95%" }),
  vs_control: z
    .object({
      fill: z.object({ difference: z.number(), z: z.number(), p: z.number(), significant: z.boolean() }).nullable().meta({ description: 'two-proportion z-test (pooled), two-sided; null when there is nothing to test' }),
      margin_per_lead: z.object({ difference: z.number(), t: z.number(), df: z.number(), p: z.number(), significant: z.boolean() }).nullable().meta({ description: "Welch's t-test, two-sided; null when there is nothing to test" }),
    })
    .nullable()
    .meta({ description: "this arm less the control (the first arm); null for the control" }),
});

export const ExperimentReportSchema = z.object({
  campaign: z.string(),
  experiment: z.string().meta({ description: "the test's id: its leads and sales are counted under it" }),
  running_since: z.object({ version: z.int().min(1), published_at: z.iso.datetime() }).nullable().meta({ description: 'the configuration version that started the test' }),
  control: z.string().meta({ description: 'the first arm: every other is compared with it' }),
  alpha: z.number().meta({ description: 'a difference with a p-value under it is significant' }),
  significant: z.boolean().meta({ description: "some arm's fill or margin per lead differs from the control's at p < alpha" }),
  arms: z.array(ArmReportSchema),
});
