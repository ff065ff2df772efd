/**
 * The admin API's part of the OpenAPI document: every route of src/front/admin-api.ts, on the
 * operator listener, with its bodies and answers generated from src/versions/admin-schemas.ts (the
 * schemas the routes validate with) and the error codes each answers.
 */
import type { z } from 'zod';
import type { Code } from '../core/codes.js';
import { Codes } from '../core/codes.js';
import * as S from '../versions/admin-schemas.js';
import { EndExperimentBody, ExperimentReportSchema } from '../versions/experiment-schemas.js';
import { answerSchema, ref, requestSchema, SERVERS, type PathGroup } from './spec-parts.js';

const json = (schema: z.ZodType, io: 'input' | 'output') => (io === 'input' ? requestSchema(schema) : answerSchema(schema));

/** the components this group adds: each schema by name */
function adminSchemas(): Record<string, unknown> {
  return {
    AdminDraftBody: json(S.DraftBody, 'input'),
    AdminPublishBody: json(S.PublishBody, 'input'),
    AdminRollbackBody: json(S.RollbackBody, 'input'),
    AdminKeyBody: json(S.KeyBody, 'input'),
    AdminRotateBody: json(S.RotateBody, 'input'),
    AdminVersionHead: json(S.VersionHead, 'output'),
    AdminVersion: json(S.VersionWhole, 'output'),
    AdminPublished: json(S.Published, 'output'),
    AdminDraft: json(S.Draft, 'output'),
    AdminDraftHead: json(S.DraftHead, 'output'),
    AdminProblems: json(S.Problems, 'output'),
    AdminChanges: json(S.Changes, 'output'),
    AdminKey: json(S.KeyListingSchema, 'output'),
    AdminKeyIssued: json(S.KeyIssued, 'output'),
    AdminKeyRotated: json(S.KeyRotated, 'output'),
    AdminKeyRevoked: json(S.KeyRevoked, 'output'),
    AdminAuditEntry: json(S.AuditEntry, 'output'),
    AdminProcesses: json(S.ProcessesAnswer, 'output'),
    AdminReplayBody: json(S.ReplayBody, 'input'),
    AdminReplay: json(S.ReplayAnswer, 'output'),
    AdminExperimentReport: json(ExperimentReportSchema, 'output'),
    AdminEndExperimentBody: json(EndExperimentBody, 'input'),
  };
}

const body = (name: string, required = true) => ({ required, content: { 'application/json': { schema: ref(name) } } });
const ok = (description: string, schema: unknown, status = '200') => ({ [status]: { description, content: { 'application/json': { schema } } } });

/** each error status a route answers, with the codes that travel under it */
function errors(codes: Code[]): Record<string, unknown> {
  const all: Code[] = ['UNAUTHORIZED', 'FORBIDDEN', 'INTERNAL', ...codes];
  const byStatus = new Map<number, Code[]>();
  for (const c of all) byStatus.set(Codes[c].status, [...(byStatus.get(Codes[c].status) ?? []), c]);
  return Object.fromEntries(
    [...byStatus].map(([status, cs]) => [String(status), { description: cs.map((c) => `${c}: ${Codes[c].message}`).join('\n\n'), content: { 'application/json': { schema: ref('Error') } } }]),
  );
}

const WRITE: Code[] = ['CONFIG_READ_ONLY', 'INVALID_REQUEST', 'MALFORMED_BODY', 'BODY_TOO_LARGE'];
const PUBLISH: Code[] = [...WRITE, 'DRAFT_INVALID', 'RESTART_REQUIRED', 'DRAFT_STALE'];

function op(summary: string, responses: Record<string, unknown>, codes: Code[], extra: Record<string, unknown> = {}) {
  return {
    tags: ['admin'],
    summary,
    description: `${summary}. Served on the operator listener (server.operator), with an operator key.`,
    servers: [SERVERS.operator],
    security: [{ bearer: [] }],
    ...extra,
    responses: { ...responses, ...errors(codes) },
  };
}

const param = (name: string, description: string, schema: unknown = { type: 'string' }) => ({ name, in: 'path', required: true, description, schema });
const format = { name: 'format', in: 'query', required: false, description: '`yaml`: the document as YAML (application/yaml)', schema: { type: 'string', enum: ['yaml'] } };
const limit = { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000 } };
const versionOrYaml = { description: 'The version', content: { 'application/json': { schema: ref('AdminVersion') }, 'application/yaml': { schema: { type: 'string' } } } };

function paths(): Record<string, Record<string, unknown>> {
  const n = param('n', 'a version number', { type: 'integer', minimum: 1 });
  const id = param('id', "a draft's id");
  const section = param('section', 'which list', { type: 'string', enum: ['campaigns', 'buyers', 'sellers'] });
  const keyId = param('key_id', "a key's id (GET /v1/admin/keys)");
  const all: Record<string, Record<string, unknown>> = {
    '/v1/admin/config': { get: op('The live configuration version', { '200': versionOrYaml }, ['VERSION_NOT_FOUND'], { parameters: [format] }) },
    '/v1/admin/versions': { get: op('Versions, newest first, without their documents', ok('Versions', { type: 'object', properties: { versions: { type: 'array', items: ref('AdminVersionHead') } } }), ['INVALID_REQUEST'], { parameters: [limit] }) },
    '/v1/admin/versions/{n}': { get: op('One version', { '200': versionOrYaml }, ['VERSION_NOT_FOUND', 'INVALID_REQUEST'], { parameters: [n, format] }) },
    '/v1/admin/versions/{n}/diff': { get: op('What publishing version n again would change in the live one', ok('Changes', ref('AdminChanges')), ['VERSION_NOT_FOUND', 'INVALID_REQUEST'], { parameters: [n] }) },
    '/v1/admin/versions/{n}/rollback': { post: op("Publish version n's document again, as a new version", ok('Published', ref('AdminPublished')), [...PUBLISH, 'VERSION_NOT_FOUND'], { parameters: [n], requestBody: body('AdminRollbackBody', false) }) },
    '/v1/admin/drafts': {
      get: op('Every draft, newest first, without its document', ok('Drafts', { type: 'object', properties: { drafts: { type: 'array', items: ref('AdminDraftHead') } } }), []),
      post: op('A new draft: of a document, or (no body) of the live version', ok('The draft', ref('AdminDraft'), '201'), [...WRITE, 'VERSION_NOT_FOUND', 'DRAFT_INVALID'], { requestBody: body('AdminDraftBody', false) }),
    },
    '/v1/admin/drafts/{id}': {
      get: op('A draft', ok('The draft', ref('AdminDraft')), ['DRAFT_NOT_FOUND'], { parameters: [id] }),
      put: op("Replace a draft's document", ok('The draft', ref('AdminDraft')), [...WRITE, 'DRAFT_NOT_FOUND', 'DRAFT_INVALID'], { parameters: [id], requestBody: body('AdminDraftBody') }),
      delete: op('Delete a draft', ok('Deleted', { type: 'object', properties: { deleted: { type: 'string' } } }), [...WRITE, 'DRAFT_NOT_FOUND'], { parameters: [id] }),
    },
    '/v1/admin/drafts/{id}/{section}/{item}': {
      put: op('Put one campaign, buyer or seller into a draft by id (in its place, or added)', ok('The draft', ref('AdminDraft')), [...WRITE, 'DRAFT_NOT_FOUND', 'NOT_FOUND'], {
        parameters: [id, section, param('item', "the item's id")],
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', description: 'the campaign, buyer or seller as the config file writes it (its id may be left out)' } } } },
      }),
      delete: op('Take one campaign, buyer or seller out of a draft', ok('The draft', ref('AdminDraft')), [...WRITE, 'DRAFT_NOT_FOUND', 'NOT_FOUND', 'NOT_PAUSABLE'], { parameters: [id, section, param('item', "the item's id")] }),
    },
    '/v1/admin/drafts/{id}/validate': { post: op('Every problem of a draft, with its path', ok('Problems', ref('AdminProblems')), ['DRAFT_NOT_FOUND'], { parameters: [id] }) },
    '/v1/admin/drafts/{id}/diff': { get: op('What publishing the draft would change in the live version', ok('Changes', ref('AdminChanges')), ['DRAFT_NOT_FOUND'], { parameters: [id] }) },
    '/v1/admin/drafts/{id}/replay': {
      post: op('Replay the draft on recorded traffic: the pings received in a time range judged again under live and under the draft, side by side (reads only)', ok('Live and the draft, and the pings whose outcome changed', ref('AdminReplay')), ['INVALID_REQUEST', 'DRAFT_NOT_FOUND', 'DRAFT_INVALID', 'STORE_UNAVAILABLE'], { parameters: [id], requestBody: body('AdminReplayBody') }),
    },
    '/v1/admin/drafts/{id}/publish': { post: op('Publish a draft: live in every process within a second', ok('Published', ref('AdminPublished')), [...PUBLISH, 'DRAFT_NOT_FOUND'], { parameters: [id], requestBody: body('AdminPublishBody', false) }) },
    '/v1/admin/keys': {
      get: op('Every key: ids, parties, names, times; never a key or a whole hash', ok('Keys', { type: 'object', properties: { keys: { type: 'array', items: ref('AdminKey') } } }), ['VERSION_NOT_FOUND']),
      post: op('Issue a key: shown in the answer once, stored as its hash', ok('The key', ref('AdminKeyIssued'), '201'), [...PUBLISH], { requestBody: body('AdminKeyBody') }),
    },
    '/v1/admin/keys/{key_id}/rotate': { post: op('A new key for the same party; the old one works until the overlap ends', ok('The new key', ref('AdminKeyRotated'), '201'), [...PUBLISH, 'KEY_NOT_FOUND'], { parameters: [keyId], requestBody: body('AdminRotateBody', false) }) },
    '/v1/admin/keys/{key_id}': { delete: op('Revoke a key: refused in every process within a second', ok('Revoked', ref('AdminKeyRevoked')), [...PUBLISH, 'KEY_NOT_FOUND', 'LAST_OPERATOR_KEY'], { parameters: [keyId] }) },
    '/v1/admin/audit': { get: op('Every change, newest first', ok('Audit log', { type: 'object', properties: { audit: { type: 'array', items: ref('AdminAuditEntry') } } }), ['INVALID_REQUEST'], { parameters: [limit] }) },
    '/v1/admin/experiments/{campaign}': {
      get: op(
        "A campaign's A/B test: per arm its leads, fill, revenue, payout and margin per lead with 95% intervals, and each arm against the control (the first): the difference of fill (two-proportion z-test) and of margin per lead (Welch's t-test), p-values and significance at 0.05",
        ok('The report', ref('AdminExperimentReport')),
        ['NO_EXPERIMENT', 'LEDGER_UNAVAILABLE'],
        { parameters: [param('campaign', "the campaign's id")] },
      ),
    },
    '/v1/admin/campaigns/{id}/experiment/end': {
      post: op("End a campaign's A/B test: one new version from the live one, where the campaign takes the chosen arm's overrides and loses its experiment", ok('Published', ref('AdminPublished')), [...PUBLISH, 'NO_EXPERIMENT', 'UNKNOWN_ARM'], {
        parameters: [param('id', "the campaign's id")],
        requestBody: body('AdminEndExperimentBody'),
      }),
    },
    '/v1/admin/processes': { get: op('Which version each process runs, and whether all agree with the live one', ok('Processes', ref('AdminProcesses')), []) },
  };
  for (const verb of ['pause', 'resume'] as const) {
    all[`/v1/admin/{section}/{item}/${verb}`] = {
      post: op(`${verb === 'pause' ? 'Pause' : 'Resume'} a buyer, a seller or a campaign: one call, one version`, ok('Published', ref('AdminPublished')), [...PUBLISH, 'NOT_PAUSABLE', 'NOT_FOUND'], {
        parameters: [section, param('item', "the buyer's, seller's or campaign's id")],
      }),
    };
  }
  return all;
}

/** The admin API: configuration versions, drafts, publish, rollback, pauses, keys, audit, processes. */
export function adminPaths(): PathGroup {
  return {
    tag: { name: 'admin', description: "The operator's admin API: the configuration as versions, live in every process within a second (README, Live configuration and the admin API)" },
    paths: paths(),
    schemas: adminSchemas(),
  };
}
