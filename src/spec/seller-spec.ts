/**
 * A seller's own spec (GET /v1/spec): an OpenAPI 3.1 document of the seller API narrowed to the
 * campaigns this seller may send to, each with its real lead fields (types, patterns, lengths,
 * ranges, which are required, which go in a ping, which are personal), an example lead, its
 * deadlines and its dedup rules: the per-supplier docs lead-distribution platforms generate.
 * Made from the configuration live at the call, so a published change shows at once.
 */
import type { FieldSpec } from '../config/campaign-schema.js';
import type { Versioned } from '../config/live-runtime.js';
import type { CampaignRuntime, SellerRuntime } from '../config/runtime.js';
import { ErrorAnswer, LeadsAnswer, PingAnswer, PostAnswer } from '../protocol/seller-api.js';
import { exampleLead } from './example-lead.js';
import { answerSchema, errorAnswer, jsonAnswer, ref, SERVERS } from './spec-parts.js';

/** the field as JSON Schema, with what Gavel does with it in words and in x- keywords */
function fieldSchema(spec: FieldSpec): Record<string, unknown> {
  const where = spec.pii ? 'Personal: sent to the winning buyer in the post only; never in a ping, never in a log line.' : spec.ping ? 'Goes in the ping buyers bid on.' : 'Sent to the winning buyer in the post.';
  const base = { 'x-ping': spec.ping, 'x-pii': spec.pii };
  switch (spec.type) {
    case 'string':
      return { type: 'string', maxLength: spec.max_length, ...(spec.pattern !== undefined ? { pattern: spec.pattern } : {}), ...(spec.enum !== undefined ? { enum: spec.enum } : {}), description: where, ...base };
    case 'integer':
    case 'number':
      return { type: spec.type, ...(spec.min !== undefined ? { minimum: spec.min } : {}), ...(spec.max !== undefined ? { maximum: spec.max } : {}), description: where, ...base };
    case 'boolean':
      return { type: 'boolean', description: where, ...base };
    case 'phone':
      return { type: 'string', maxLength: 32, description: `A phone number: 10 to 15 digits once everything else is dropped (a leading US 1 of 11 digits too). ${where}`, 'x-format': 'phone', ...base };
    case 'email':
      return { type: 'string', format: 'email', maxLength: 254, description: `An email address, trimmed and lower-cased. ${where}`, ...base };
  }
}

function leadSchema(fields: Record<string, FieldSpec>, required: (f: FieldSpec) => boolean, description: string) {
  return {
    type: 'object',
    description,
    properties: Object.fromEntries(Object.entries(fields).map(([n, f]) => [n, fieldSchema(f)])),
    required: Object.entries(fields).filter(([, f]) => required(f)).map(([n]) => n),
    additionalProperties: false,
  };
}

const ms = (n: number) => (n % 86_400_000 === 0 ? `${n / 86_400_000}d` : n % 3_600_000 === 0 ? `${n / 3_600_000}h` : n % 60_000 === 0 ? `${n / 60_000}m` : n % 1000 === 0 ? `${n / 1000}s` : `${n}ms`);

function campaignFacts(c: CampaignRuntime, fields: Record<string, FieldSpec>) {
  return {
    tmax_ms: c.tmaxMs,
    max_tmax_ms: c.maxTmaxMs,
    post_tmax_ms: c.postTmaxMs,
    ping_ttl_ms: c.pingTtlMs,
    ping_fields: Object.keys(fields).filter((n) => fields[n]!.ping),
    pii_fields: Object.keys(fields).filter((n) => fields[n]!.pii),
    required_fields: Object.keys(fields).filter((n) => fields[n]!.required),
    dedup: c.dedup.map((r) => ({ fields: r.fields, match: r.match, window: ms(r.windowMs), scope: r.scope })),
  };
}

function campaignText(id: string, f: ReturnType<typeof campaignFacts>): string {
  const dedup =
    f.dedup.length === 0
      ? 'No dedup rule: the same consumer may be sent again.'
      : f.dedup
          .map((r) =>
            r.scope === 'buyer'
              ? `A buyer that bought a lead matching on ${r.match} of ${r.fields.join(', ')} within ${r.window} is left out of its auction.`
              : `A lead matching an earlier one (${r.scope === 'global' ? 'of any campaign under a global rule' : 'of this campaign'}) on ${r.match} of ${r.fields.join(', ')} within ${r.window} is a DUPLICATE, whatever became of the first.`,
          )
          .join(' ');
  return (
    `Campaign ${id}. A ping is answered within tmax_ms: ${f.tmax_ms} ms unless you ask for another, at most ${f.max_tmax_ms} ms. ` +
    `A bid stands for ${ms(f.ping_ttl_ms)}: post the full lead before its expires_at. A post or a direct post is answered within ${f.post_tmax_ms} ms. ` +
    `Ping fields: ${f.ping_fields.join(', ') || 'none'}. Personal fields (never in a ping): ${f.pii_fields.join(', ') || 'none'}. Required in the full lead: ${f.required_fields.join(', ') || 'none'}. ${dedup}`
  );
}

export function sellerSpec(now: Versioned, seller: SellerRuntime) {
  const { runtime } = now;
  const byId = new Map(runtime.data.campaigns.map((c) => [c.id, c]));
  const campaigns = [...runtime.campaigns.values()].filter((c) => seller.campaigns === null || seller.campaigns.has(c.id));
  const schemas: Record<string, unknown> = {};
  const tags: { name: string; description: string }[] = [];
  const pingExamples: Record<string, unknown> = {};
  const postExamples: Record<string, unknown> = {};
  const leadsExamples: Record<string, unknown> = {};
  const campaignFactsById: Record<string, unknown> = {};
  for (const c of campaigns) {
    const fields = byId.get(c.id)!.fields;
    const facts = campaignFacts(c, fields);
    campaignFactsById[c.id] = facts;
    tags.push({ name: c.id, description: campaignText(c.id, facts) });
    const full = exampleLead(c.id, fields);
    const ping = Object.fromEntries(Object.entries(full).filter(([n]) => fields[n]!.ping));
    schemas[`${c.id}.PingLead`] = leadSchema(fields, (f) => f.required && f.ping, `A ping of campaign ${c.id}: its required ping fields; personal fields may come too, to be checked for duplicates, and are never sent to buyers.`);
    schemas[`${c.id}.Lead`] = leadSchema(fields, (f) => f.required, `The full lead of campaign ${c.id}, as a post or a direct post carries it.`);
    const envelope = (lead: string, description: string) => ({
      type: 'object',
      description,
      properties: {
        campaign: { const: c.id },
        lead: ref(`${c.id}.${lead}`),
        tmax_ms: { type: 'integer', minimum: 1, maximum: Math.min(60_000, c.maxTmaxMs), default: c.tmaxMs, description: `the auction's deadline in ms: ${c.tmaxMs} unless asked, at most ${c.maxTmaxMs}` },
        test: { type: 'boolean', default: false },
        sub_id: { type: 'string', maxLength: 128 },
      },
      required: ['campaign', 'lead'],
      additionalProperties: false,
    });
    schemas[`${c.id}.PingEnvelope`] = envelope('PingLead', `A ping of campaign ${c.id}`);
    schemas[`${c.id}.LeadsEnvelope`] = envelope('Lead', `A direct post of campaign ${c.id}`);
    // an example is published only when the campaign's own compiled schema takes it (a pattern's generated value might not)
    if (!c.schema.parseFull(full).ok || !c.schema.parsePing(ping).ok) continue;
    pingExamples[c.id] = { summary: `A ping of ${c.id}`, value: { campaign: c.id, lead: ping } };
    postExamples[c.id] = { summary: `The full lead of a ${c.id} ping`, value: { ping_id: '3f1c1a52-2b59-4a36-9d2f-6f1f0b8a7c11', lead: full } };
    leadsExamples[c.id] = { summary: `A full ${c.id} lead`, value: { campaign: c.id, lead: full } };
  }
  const oneOf = (suffix: string) => ({ oneOf: campaigns.map((c) => ref(`${c.id}.${suffix}`)) });
  schemas.PostEnvelope = {
    type: 'object',
    properties: { ping_id: { type: 'string', minLength: 1, maxLength: 128 }, lead: { description: "the full lead of the ping's campaign", ...oneOf('Lead') } },
    required: ['ping_id', 'lead'],
    additionalProperties: false,
  };
  schemas.PingAnswer = answerSchema(PingAnswer);
  schemas.PostAnswer = answerSchema(PostAnswer);
  schemas.LeadsAnswer = answerSchema(LeadsAnswer);
  schemas.Error = answerSchema(ErrorAnswer);
  const errors = {
    '400': errorAnswer('INVALID_REQUEST, INVALID_LEAD (every problem with its path, like lead.zip), UNKNOWN_CAMPAIGN, MALFORMED_BODY, PING_MISMATCH'),
    '401': errorAnswer('UNAUTHORIZED'),
    '413': errorAnswer('BODY_TOO_LARGE'),
    '415': errorAnswer('UNSUPPORTED_MEDIA_TYPE'),
    '422': errorAnswer('IDEMPOTENCY_KEY_REUSED'),
    '429': errorAnswer('RATE_LIMITED'),
    '503': errorAnswer('STORE_UNAVAILABLE or SHUTTING_DOWN: retry'),
  };
  const call = (summary: string, schema: unknown, examples: Record<string, unknown>, answer: string, extra: Record<string, unknown> = {}) => ({
    post: {
      summary,
      tags: campaigns.map((c) => c.id),
      security: [{ bearer: [] }],
      parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', minLength: 1, maxLength: 255 } }],
      requestBody: { required: true, content: { 'application/json': { schema, examples }, 'application/msgpack': { schema } } },
      responses: { '200': jsonAnswer('The answer', ref(answer)), ...errors, ...extra },
    },
  });
  return {
    openapi: '3.1.0',
    info: {
      title: `Gavel: the campaigns of seller ${seller.id}`,
      version: String(now.version),
      description: `The seller API for seller ${seller.id}, with the lead fields of each campaign it may send to (each campaign is a tag: its deadlines, its ping and personal fields, its dedup rules). Made from the configuration version ${now.version} live on this process when asked. The whole standard, error codes included, is GET /openapi.json.`,
    },
    servers: [SERVERS.public],
    tags,
    paths: {
      '/v1/ping': call('Ping: offer a partial lead to the buyers', oneOf('PingEnvelope'), pingExamples, 'PingAnswer'),
      '/v1/post': call('Post: the full lead of a ping that got a bid', ref('PostEnvelope'), postExamples, 'PostAnswer', { '404': errorAnswer('PING_EXPIRED'), '409': errorAnswer('ALREADY_POSTED') }),
      '/v1/leads': call('Direct post: auction and sell a full lead in one call', oneOf('LeadsEnvelope'), leadsExamples, 'LeadsAnswer'),
    },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } }, schemas },
    'x-gavel-config-version': now.version,
    'x-gavel-campaigns': campaignFactsById,
  };
}
