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

/** The envelope namespaces of SOAP 1.1 and 1.2. */
export const SOAP_ENVELOPE = { '1.1': 'http://schemas.xmlsoap.org/soap/envelope/', '1.2': 'http://www.w3.org/2003/05/soap-envelope' } as const;

/** an XML name with an optional prefix, `v:SubmitLead` */
const QNAME = /^(?:[A-Za-z_][\w.-]*:)?[A-Za-z_][\w.-]*$/;
const prefixOf = (qname: string): string | null => (qname.includes(':') ? qname.slice(0, qname.indexOf(':')) : null);
const Prefix = z.string().regex(/^[A-Za-z_][\w.-]*$/, 'a namespace prefix, like v').refine((p) => !/^xml/i.test(p), 'prefixes starting with xml are reserved');
/** prefix → namespace URI */
const Namespaces = z.record(Prefix, z.string().min(1).max(512));

/**
 * A SOAP request: the envelope of `version` around the template's fields (`root` in the Body),
 * with `action` as 1.1's SOAPAction header or 1.2's content-type parameter. `namespace` is the
 * default one of `root` and its unprefixed fields (an ASMX service's `http://tempuri.org/`);
 * `namespaces` declares the prefixes names may use (`v:SubmitLead`, `v:Contact.v:Phone`).
 */
export const SoapOptions = z.strictObject({
  version: z.enum(['1.1', '1.2']).default('1.1'),
  // a header value and a quoted parameter: no quote, no backslash, no control character
  action: z.string().max(512).regex(/^[^"\\\u0000-\u001f\u007f]*$/, 'no quotes, backslashes or control characters'),
  namespace: z.string().min(1).max(512).optional(),
  namespaces: Namespaces.default({}),
});
export type SoapOptions = z.infer<typeof SoapOptions>;

/**
 * A request in the buyer's own shape. `fields` maps each output name to a source; a dotted
 * output name nests (`Contact.Phone`) in JSON, XML and SOAP. body: json, form (URL-encoded), xml
 * (under `root`), soap (`root` inside a SOAP envelope: the `soap` block), or none (`method:
 * GET`, the fields in the query string).
 */
export const RequestTemplate = z
  .strictObject({
    method: z.enum(['POST', 'GET']).default('POST'),
    body: z.enum(['json', 'form', 'xml', 'soap', 'none']).default('json'),
    root: z.string().regex(QNAME, 'an XML name, like SubmitLead or v:SubmitLead').default('request'),
    soap: SoapOptions.optional(),
    fields: z.record(z.string().min(1).max(128), Source),
  })
  .superRefine((t, ctx) => {
    if ((t.body === 'soap') !== (t.soap !== undefined)) ctx.addIssue({ code: 'custom', path: ['soap'], message: t.body === 'soap' ? 'body: soap needs its soap block (version, action)' : 'a soap block goes with body: soap' });
    if (t.body === 'soap' && t.method !== 'POST') ctx.addIssue({ code: 'custom', path: ['method'], message: 'a SOAP request is a POST' });
    if (t.body !== 'xml' && t.body !== 'soap') return;
    const declared = t.soap?.namespaces ?? {};
    const soapPrefix = declared.soap;
    if (t.soap !== undefined && soapPrefix !== undefined && soapPrefix !== SOAP_ENVELOPE[t.soap.version]) {
      ctx.addIssue({ code: 'custom', path: ['soap', 'namespaces', 'soap'], message: `the envelope's own prefix: ${SOAP_ENVELOPE[t.soap.version]} in SOAP ${t.soap.version}` });
    }
    // every element name is written as it is: one that is not an XML name, or whose prefix is undeclared, would send a document the buyer cannot read
    const check = (qname: string, path: (string | number)[]) => {
      if (!QNAME.test(qname)) return ctx.addIssue({ code: 'custom', path, message: `${JSON.stringify(qname)} is not an XML name` });
      const p = prefixOf(qname);
      if (p !== null && t.body === 'xml') ctx.addIssue({ code: 'custom', path, message: 'prefixed names are for body: soap, whose soap block declares them' });
      else if (p !== null && p !== 'soap' && declared[p] === undefined) ctx.addIssue({ code: 'custom', path, message: `prefix ${p} is not in soap.namespaces` });
    };
    check(t.root, ['root']);
    for (const name of Object.keys(t.fields)) for (const part of name.split('.')) check(part, ['fields', name]);
  });
export type RequestTemplate = z.infer<typeof RequestTemplate>;

/**
 * How to read one value out of a reply: `json` (a path: `result.price`, `bids[0].amount`),
 * `xpath` (a path of element names from the root, `/Response/Price`, or an attribute,
 * `/Response/@status`; a prefixed name, `/s:Envelope/s:Body/v:Result`, is matched by the
 * namespace URI its reply rules' `namespaces` give the prefix, whatever prefix the reply uses),
 * or `regex` (its first group, else the whole match), on the raw text.
 * With `equals`, the value read becomes true when it equals that (case-insensitive), else false.
 */
const STEP = '(?:[A-Za-z_][\\w.-]*:)?[A-Za-z_][\\w.-]*';
const Reader = z
  .strictObject({
    json: z.string().min(1).max(256).optional(),
    xpath: z.string().max(512).regex(new RegExp(`^(/${STEP})+(/@${STEP})?$`), 'like /Response/Result, /Response/@status or /s:Envelope/s:Body/v:Result').optional(),
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

/** every prefix of the rules' xpaths is declared in their `namespaces` (`xml:` is the spec's own) */
function prefixesDeclared(rules: { namespaces: Record<string, string> } & Record<string, unknown>, ctx: z.RefinementCtx): void {
  for (const [key, r] of Object.entries(rules)) {
    const xpath = (r as Reader | undefined)?.xpath;
    if (key === 'namespaces' || xpath === undefined) continue;
    for (const step of xpath.split('/').slice(1)) {
      const p = prefixOf(step.replace(/^@/, ''));
      if (p !== null && p !== 'xml' && rules.namespaces[p] === undefined) ctx.addIssue({ code: 'custom', path: [key, 'xpath'], message: `prefix ${p} is not in namespaces` });
    }
  }
}

/** A ping reply read into the native shape: a bid (with its id), or no bid. `namespaces`: the prefixes of its xpaths. */
export const PingReplyRules = z
  .strictObject({ bid: Reader, bid_id: Reader.optional(), reason: Reader.optional(), namespaces: Namespaces.default({}) })
  .superRefine(prefixesDeclared);
/** A post reply: accepted (true/false, usually with `equals`), its reason and redirect. `namespaces`: the prefixes of its xpaths. */
export const PostReplyRules = z
  .strictObject({ accepted: Reader, reason: Reader.optional(), redirect_url: Reader.optional(), namespaces: Namespaces.default({}) })
  .superRefine(prefixesDeclared);

/** A buyer that speaks its own format instead of the native protocol. */
export const BuyerFormat = z.strictObject({
  ping: RequestTemplate.optional(),
  ping_reply: PingReplyRules.optional(),
  post: RequestTemplate,
  post_reply: PostReplyRules,
});
export type BuyerFormat = z.infer<typeof BuyerFormat>;
