import Mustache from 'mustache';
import { z } from 'zod';
import { httpUrl } from './field-schema.js';

/** A template as written: a logic-less mustache one ({{lead.first_name}}, {{price}}), checked for unclosed tags at load. */
const template = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .superRefine((t, ctx) => {
      try {
        Mustache.parse(t);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: `not a template: ${(e as Error).message}` });
      }
    });

/**
 * Each lead the buyer bought, as an e-mail through the operator's relay (the config's `smtp`):
 * to up to `smtp.max_recipients` addresses, its subject and body made from templates of the
 * lead's fields (src/delivery/lead-view.ts says what they can name). No body template: a text
 * body listing every field of the lead.
 */
export const BuyerEmail = z.strictObject({
  to: z.array(z.email()).min(1).max(100),
  subject: template(998),
  text: template(100_000).optional(),
  /** values are HTML-escaped in this one ({{{triple}}} is refused: a lead's field is never markup) */
  html: template(100_000)
    .refine((t) => !/\{\{\{|\{\{&/.test(t), 'values are always escaped here: no {{{ }}} or {{& }}')
    .optional(),
  /** tries before the e-mail is given up; waits double from 1 s, at most 5 min (as postbacks) */
  max_attempts: z.int().min(1).max(50).default(12),
});
export type BuyerEmail = z.infer<typeof BuyerEmail>;

/**
 * A copy of each lead the buyer bought, posted to a second URL of its own (its CRM, beside the
 * URL it is posted to for the sale), signed as postbacks are: the whole lead, or its id alone.
 */
export const BuyerWebhook = z.strictObject({
  url: httpUrl,
  body: z.enum(['lead', 'id']).default('lead'),
  /** the HMAC-SHA256 key of x-gavel-signature; absent: the buyer's loss_notices secret */
  secret: z.string().min(16, 'at least 16 characters').optional(),
  max_attempts: z.int().min(1).max(50).default(12),
});
export type BuyerWebhook = z.infer<typeof BuyerWebhook>;
