import type { TemplatedApp } from 'uWebSockets.js';
import { z } from 'zod';
import { GavelError } from '../core/codes.js';
import { durationMs } from '../core/duration.js';
import { DraftBody, KeyBody, PublishBody, ReplayBody, RollbackBody, RotateBody } from '../versions/admin-schemas.js';
import type { RuntimeSource } from '../config/live-runtime.js';
import type { Logger } from '../telemetry/logger.js';
import type { ConfigControl, Published } from '../versions/config-control.js';
import type { ConfigVersion } from '../versions/config-versions.js';
import { deleteItem, isSection, putItem, setActive, type Section } from '../versions/document-edits.js';
import { addKey, keyIdOfKey, listKeys, newKey, revokeKey, rotateKey } from '../versions/key-edits.js';
import { documentYaml, importYaml } from '../versions/yaml-io.js';
import { jsonRoute, type Caller, type RouteAnswer, type RouteCall } from './admin-route.js';
import { replayDraft, type RecordedTraffic } from './draft-replay.js';

/** a configuration document, as JSON or YAML, fits in this */
const MAX_DOCUMENT = 1024 * 1024;

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (!r.success) throw new GavelError('INVALID_REQUEST', undefined, r.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message })));
  return r.data;
}

function positive(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new GavelError('INVALID_REQUEST', undefined, [{ path: what, message: 'a positive whole number' }]);
  return n;
}

function section(text: string): Section {
  if (!isSection(text)) throw new GavelError('NOT_FOUND', `No section "${text}": campaigns, buyers or sellers`);
  return text;
}

/** who did it, for the versions' authors and the audit log: the operator key's name */
const who = (caller: Caller) => (caller.kind === 'admin' ? caller.name : caller.kind);

const ok = (body: unknown, status = 200): RouteAnswer => ({ status, body });
const published = (p: Published): RouteAnswer => ok({ ...versionHead(p.version), live_here: p.live_here });
const versionHead = (v: ConfigVersion) => ({ version: v.version, author: v.author, comment: v.comment, published_at: new Date(v.published_at).toISOString() });
const asked = (call: RouteCall, v: ConfigVersion): RouteAnswer =>
  call.query.get('format') === 'yaml' ? { status: 200, text: documentYaml(v.document), contentType: 'application/yaml' } : ok({ ...versionHead(v), document: v.document });

/**
 * The admin API, on the operator listener, for operator keys only (README, "The admin API"):
 * the live configuration and its versions, drafts (whole, or one campaign, buyer or seller at a
 * time), validate, diff, publish, rollback, pause and resume, keys, the audit log, and which
 * version each process runs. Every write is a new version, published through `control`, so it
 * has an author, a comment and a place in the audit log, and reaches every process within a second.
 * A draft may be replayed on the recorded traffic first (`traffic`: the lead index and the traces).
 */
export function attachAdminApi(app: TemplatedApp, live: RuntimeSource, control: ConfigControl, log: Logger, traffic: RecordedTraffic): void {
  const route = (method: 'get' | 'post' | 'put' | 'del', path: string, params: number, handler: (call: RouteCall) => Promise<RouteAnswer>) =>
    jsonRoute(app, 'operator', method, path, params, live, log, handler, MAX_DOCUMENT);
  const versions = control.versions;

  route('get', '/v1/admin/config', 0, async (call) => asked(call, await versions.live()));
  route('get', '/v1/admin/versions', 0, async ({ query }) => ok({ versions: (await versions.history(Math.min(positive(query.get('limit') ?? '50', 'limit'), 1000))).map(versionHead) }));
  route('get', '/v1/admin/versions/:n', 1, async (call) => asked(call, await versions.version(positive(call.params[0]!, 'version'))));
  route('get', '/v1/admin/versions/:n/diff', 1, async ({ params }) => ok({ changes: await versions.diff({ version: positive(params[0]!, 'version') }) }));
  route('post', '/v1/admin/versions/:n/rollback', 1, async ({ caller, params, body }) => {
    const n = positive(params[0]!, 'version');
    const b = parse(RollbackBody, body);
    return published(await control.rollback(n, who(caller), b.comment || `rollback to version ${n}`, { restart: b.restart }));
  });

  route('get', '/v1/admin/drafts', 0, async () => ok({ drafts: (await versions.listDrafts()).map((d) => ({ ...d, updated_at: new Date(d.updated_at).toISOString() })) }));
  route('post', '/v1/admin/drafts', 0, async ({ caller, body }) => {
    // no body (or an empty one): a draft of the live version
    const empty = body === undefined || (typeof body === 'object' && body !== null && Object.keys(body).length === 0);
    const document = empty ? undefined : documentOf(parse(DraftBody, body));
    return ok(await versions.createDraft(document, who(caller)), 201);
  });
  route('get', '/v1/admin/drafts/:id', 1, async ({ params }) => ok(await versions.getDraft(params[0]!)));
  route('put', '/v1/admin/drafts/:id', 1, async ({ caller, params, body }) => ok(await versions.updateDraft(params[0]!, documentOf(parse(DraftBody, body)), who(caller))));
  route('del', '/v1/admin/drafts/:id', 1, async ({ caller, params }) => {
    await versions.deleteDraft(params[0]!, who(caller));
    return ok({ deleted: params[0] });
  });
  route('put', '/v1/admin/drafts/:id/:section/:item', 3, async ({ caller, params, body }) => {
    const draft = await versions.getDraft(params[0]!);
    const document = structuredClone(draft.document) as Record<string, unknown>;
    putItem(document, section(params[1]!), params[2]!, body);
    return ok(await versions.updateDraft(draft.id, document, who(caller)));
  });
  route('del', '/v1/admin/drafts/:id/:section/:item', 3, async ({ caller, params }) => {
    const draft = await versions.getDraft(params[0]!);
    const document = structuredClone(draft.document) as Record<string, unknown>;
    deleteItem(document, section(params[1]!), params[2]!);
    return ok(await versions.updateDraft(draft.id, document, who(caller)));
  });
  route('post', '/v1/admin/drafts/:id/validate', 1, async ({ params }) => {
    const problems = await versions.validateDraft(params[0]!);
    return ok({ valid: problems.length === 0, problems });
  });
  route('get', '/v1/admin/drafts/:id/diff', 1, async ({ params }) => ok({ changes: await versions.diff({ draft: params[0]! }) }));
  route('post', '/v1/admin/drafts/:id/replay', 1, async ({ params, body }) => {
    const b = parse(ReplayBody, body);
    const from = Date.parse(b.from);
    const to = Date.parse(b.to);
    if (!(from < to)) throw new GavelError('INVALID_REQUEST', undefined, [{ path: 'to', message: 'after from' }]);
    return ok(await replayDraft(versions, live.current().runtime, traffic, params[0]!, from, to, b.limit));
  });
  route('post', '/v1/admin/drafts/:id/publish', 1, async ({ caller, params, body }) => {
    const b = parse(PublishBody, body);
    return published(await control.publish(params[0]!, who(caller), b.comment, { force: b.force, restart: b.restart }));
  });

  for (const [verb, active] of [
    ['pause', false],
    ['resume', true],
  ] as const) {
    route('post', `/v1/admin/:section/:id/${verb}`, 2, async ({ caller, params }) => {
      const s = section(params[0]!);
      const id = params[1]!;
      return published(await control.change(who(caller), `${verb} ${s.slice(0, -1)} ${id}`, (doc) => setActive(doc, s, id, active)));
    });
  }

  route('get', '/v1/admin/keys', 0, async () => ok({ keys: listKeys((await versions.live()).document as Record<string, unknown>) }));
  route('post', '/v1/admin/keys', 0, async ({ caller, body }) => {
    const b = parse(KeyBody, body);
    if (b.party !== 'operator' && b.id === undefined) throw new GavelError('INVALID_REQUEST', undefined, [{ path: 'id', message: `the ${b.party}'s id` }]);
    if (b.party === 'operator' && b.name === undefined) throw new GavelError('INVALID_REQUEST', undefined, [{ path: 'name', message: "an operator key's name (the audit log says who by it)" }]);
    const key = newKey();
    const p = await control.change(who(caller), `key issued for ${b.party}${b.id !== undefined ? ` ${b.id}` : ''}${b.name !== undefined ? ` (${b.name})` : ''}`, (doc) =>
      addKey(doc, b.party, b.id, b.name, key, new Date()),
    );
    // the key is in this answer and nowhere else: only its hash is stored
    return ok({ key, key_id: keyIdOfKey(key), party: b.party, id: b.id ?? b.name, config_version: p.version.version, live_here: p.live_here }, 201);
  });
  route('post', '/v1/admin/keys/:key_id/rotate', 1, async ({ caller, params, body }) => {
    const b = parse(RotateBody, body);
    const key = newKey();
    const now = new Date();
    const expires = new Date(now.getTime() + durationMs(b.overlap));
    let holder: { party: string; id: string | null } = { party: '', id: null };
    const p = await control.change(who(caller), `key ${params[0]} rotated (overlap ${b.overlap})`, (doc) => void (holder = rotateKey(doc, params[0]!, key, now, expires)));
    return ok({ key, key_id: keyIdOfKey(key), party: holder.party, id: holder.id, old_key_id: params[0], old_expires_at: expires.toISOString(), config_version: p.version.version, live_here: p.live_here }, 201);
  });
  route('del', '/v1/admin/keys/:key_id', 1, async ({ caller, params }) => {
    let revoked: unknown = null;
    const p = await control.change(who(caller), `key ${params[0]} revoked`, (doc) => void (revoked = revokeKey(doc, params[0]!)));
    return ok({ revoked, config_version: p.version.version, live_here: p.live_here });
  });

  route('get', '/v1/admin/audit', 0, async ({ query }) =>
    ok({ audit: (await versions.audit(Math.min(positive(query.get('limit') ?? '100', 'limit'), 1000))).map((a) => ({ ...a, at: new Date(a.at).toISOString() })) }),
  );
  route('get', '/v1/admin/processes', 0, async () => ok({ ...(await control.processes()), this_process: control.version }));
}

function documentOf(b: z.infer<typeof DraftBody>): unknown {
  return 'yaml' in b ? importYaml(b.yaml) : b.document;
}
