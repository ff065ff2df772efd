import { z } from 'zod';

/**
 * Where a value of the buyer's request comes from: a field of Gavel's native message
 * (`lead.zip`, `ping_id`, `bid_id`, `price`, `tmax_ms`, `campaign`, `test`, `score`, `grade`),
 * a fact of the lead the native message does not carry (`seller`, `sub_id`, `lead_id`,
 * `ping_received_at`/`_ms`, and in a post `post_sent_at`/`_ms`: src/buyers/templates), or a
 * constant, then optional transforms in order.
 */
export const TRANSFORMS = ['upper', 'lower', 'trim', 'digits', 'yes_no', 'one_zero', 'true_false', 'number', 'string'] as const;
export const Source = z.union([
  z.string().min(1).max(128),
  z.strictObject({
    from: z.string().min(1).max(128).optional(),
    value: z.union([z.string(), z.number(), z.boolean()]).optional(),
    transform: z.array(z.enum(TRANSFORMS)).max(8).default([]),
    /** a lookup table applied after the transforms (CA → California); values not in it pass unchanged */
    map: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
    /** when the source is missing */
    default: z.union([z.string(), z.number(), z.boolean()]).optional(),
  }).refine((x) => (x.from === undefined) !== (x.value === undefined), 'either from (a field of the message) or value (a constant)'),
]);
export type Source = z.infer<typeof Source>;

/**
 * A request in the buyer's own shape. `fields` maps each output name to a source; a dotted
 * output name nests (`Contact.Phone`) in JSON and XML. body: json, form (URL-encoded), xml
 * (under `root`), or none (`method: GET`, the fields in the query string).
 */
export const RequestTemplate = z.strictObject({
  method: z.enum(['POST', 'GET']).default('POST'),
  body: z.enum(['json', 'form', 'xml', 'none']).default('json'),
  root: z.string().regex(/^[A-Za-z_][\w.-]*$/).default('request'),
  fields: z.record(z.string().min(1).max(128), Source),
});
export type RequestTemplate = z.infer<typeof RequestTemplate>;

/**
 * How to read one value out of a reply: `json` (a path: `result.price`, `bids[0].amount`),
 * `xpath` (a path of element names from the root, `/Response/Price`, or an attribute,
 * `/Response/@status`), or `regex` (its first group, else the whole match), on the raw text.
 * With `equals`, the value read becomes true when it equals that (case-insensitive), else false.
 */
const Reader = z
  .strictObject({
    json: z.string().min(1).max(256).optional(),
    xpath: z.string().regex(/^(\/[A-Za-z_][\w.-]*)+(\/@[A-Za-z_][\w.-]*)?$/, 'like /Response/Result or /Response/@status').optional(),
    regex: z.string().min(1).max(512).optional(),
    equals: z.union([z.string(), z.number(), z.boolean()]).optional(),
  })
  .refine((r) => [r.json, r.xpath, r.regex].filter((x) => x !== undefined).length === 1, 'exactly one of json, xpath, regex')
  .refine((r) => {
    try {
      if (r.regex !== undefined) new RegExp(r.regex);
      return true;
    } catch {
      return false;
    }
  }, 'not a valid regular expression');
export type Reader = z.infer<typeof Reader>;

/** A ping reply read into the native shape: a bid (with its id), or no bid. */
export const PingReplyRules = z.strictObject({ bid: Reader, bid_id: Reader.optional(), reason: Reader.optional() });
/** A post reply: accepted (true/false, usually with `equals`), its reason and redirect. */
export const PostReplyRules = z.strictObject({ accepted: Reader, reason: Reader.optional(), redirect_url: Reader.optional() });

/** A buyer that speaks its own format instead of the native protocol. */
export const BuyerFormat = z.strictObject({
  ping: RequestTemplate.optional(),
  ping_reply: PingReplyRules.optional(),
  post: RequestTemplate,
  post_reply: PostReplyRules,
});
export type BuyerFormat = z.infer<typeof BuyerFormat>;
