import { describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import type { Gavel } from '../../src/gavel.js';
import { startBuyer, type Handler, type TestBuyer } from '../support/buyer-server.js';
import { openApiDocument } from '../../src/spec/openapi-document.js';
import { admin, documentedProblems, startEmbeddedExchange, startVersionedExchange } from '../support/admin-api.js';
import { ADMIN_KEY, call, dropSchema, fullLead, pingLead, SELLER_KEY, startExchange, stopExchange, testConfig, testSchema } from '../support/exchange.js';
import { stopAfterEach } from '../support/stop-after.js';

const stops = stopAfterEach();
async function buyer(onPing: Handler = () => ({ body: { bid: 10 } })): Promise<TestBuyer> {
  const b = await startBuyer(onPing);
  stops.push(() => b.close());
  return b;
}
async function versioned(config: ConfigInput): Promise<Gavel> {
  const schema = testSchema();
  const { g } = await startVersionedExchange(config, schema);
  stops.push(async () => {
    await stopExchange(g);
    await dropSchema(schema);
  });
  return g;
}
const ping = (g: Gavel, key = SELLER_KEY) => call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) }, { authorization: `Bearer ${key}` });

describe('the admin API on the embedded default, started as npm start starts it', () => {
  it('edits, publishes, pauses and rolls back in the process: the versions are its own memory', async () => {
    const a = await buyer(() => ({ body: { bid: 7 } }));
    const b = await buyer(() => ({ body: { bid: 9 } }));
    const { g, close } = await startEmbeddedExchange(testConfig([{ id: 'a', url: a.url }, { id: 'b', url: b.url }]));
    stops.push(close, () => stopExchange(g));
    expect((await admin(g, 'GET', '/v1/admin/config')).body).toMatchObject({ version: 1, author: 'file' });
    expect((await ping(g)).body).toMatchObject({ price: 7.2 });
    expect((await admin(g, 'POST', '/v1/admin/buyers/b/pause')).body).toMatchObject({ version: 2, live_here: true });
    expect((await ping(g)).body).toMatchObject({ price: 5.6 });
    const draft = await admin(g, 'POST', '/v1/admin/drafts', {});
    expect(draft.status).toBe(201);
    const doc = draft.body.document as { campaigns: { floor: number }[] };
    doc.campaigns[0]!.floor = 8;
    expect((await admin(g, 'PUT', `/v1/admin/drafts/${draft.body.id}`, { document: doc })).status).toBe(200);
    expect((await admin(g, 'POST', `/v1/admin/drafts/${draft.body.id}/publish`, { comment: 'floor 8' })).body).toMatchObject({ version: 3, live_here: true });
    // a's 7 is under the floor now, and b is paused
    expect((await ping(g)).body).toMatchObject({ status: 'no_bid' });
    expect((await admin(g, 'POST', '/v1/admin/versions/1/rollback', { comment: 'back' })).body).toMatchObject({ version: 4, live_here: true });
    expect((await ping(g)).body).toMatchObject({ price: 7.2 });
    expect((await admin(g, 'GET', '/v1/admin/versions')).body.versions.map((v: { version: number }) => v.version)).toEqual([4, 3, 2, 1]);
  });
});

describe('the admin API on a file configuration (GAVEL_CONFIG_STORE=file, or Redis without PostgreSQL: read-only)', () => {
  it('reads the configuration, refuses every write with CONFIG_READ_ONLY, and serves operator keys only', async () => {
    const g = await startExchange(testConfig([]), 'memory');
    stops.push(() => stopExchange(g));
    const live = await admin(g, 'GET', '/v1/admin/config');
    expect(live.status).toBe(200);
    expect(live.body).toMatchObject({ version: 1, author: 'file', document: { campaigns: [{ id: 'auto' }] } });
    const yaml = await admin(g, 'GET', '/v1/admin/versions/1?format=yaml');
    expect(yaml.type).toBe('application/yaml');
    expect(yaml.text).toMatch(/^campaigns:/m);
    for (const [method, path] of [
      ['POST', '/v1/admin/drafts'],
      ['POST', '/v1/admin/buyers/x/pause'],
      ['POST', '/v1/admin/versions/1/rollback'],
      ['POST', '/v1/admin/keys'],
    ] as const) {
      const r = await admin(g, method, path, path.endsWith('keys') ? { party: 'seller', id: 'pub1' } : {});
      expect([path, r.status, r.body.error.code]).toEqual([path, 409, 'CONFIG_READ_ONLY']);
    }
    expect((await admin(g, 'GET', '/v1/admin/processes')).body).toMatchObject({ live: 1, this_process: 1, agree: true });
    expect((await admin(g, 'GET', '/v1/admin/config', undefined, null)).body.error.code).toBe('UNAUTHORIZED');
    expect((await admin(g, 'GET', '/v1/admin/config', undefined, SELLER_KEY)).body.error.code).toBe('FORBIDDEN');
    // the operator's API is not on the public listener at all
    expect((await fetch(`http://127.0.0.1:${g.port}/v1/admin/config`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).status).toBe(404);
  });
});

describe('the admin API and its published document', () => {
  it('every admin route the OpenAPI document lists is one the operator listener serves, for the documented method', async () => {
    const g = await startExchange(testConfig([]), 'memory');
    stops.push(() => stopExchange(g));
    // every answer in these tests is checked against the document by admin(); the check itself can fail
    expect(documentedProblems('GET', '/v1/admin/processes', 200, { live: 'one' }, 'application/json')).not.toBeNull();
    expect(documentedProblems('GET', '/v1/admin/processes', 418, {}, 'application/json')).toEqual(['GET /v1/admin/processes: status 418 is not documented']);
    expect(documentedProblems('POST', '/v1/admin/nothing', 200, {}, 'application/json')).toEqual(['POST /v1/admin/nothing: not in the published document']);
    expect(documentedProblems('GET', '/v1/admin/processes', 200, { live: 1, processes: [], agree: true, this_process: 1 }, 'application/json')).toBeNull();
    const doc = openApiDocument() as { paths: Record<string, Record<string, unknown>> };
    const admin_ = Object.entries(doc.paths).filter(([path]) => path.startsWith('/v1/admin/'));
    expect(admin_.length).toBeGreaterThan(15);
    for (const [path, item] of admin_) {
      const concrete = path.replace('{n}', '1').replace('{section}', 'buyers').replace(/\{[a-z_]+\}/g, 'x');
      for (const method of Object.keys(item)) {
        const r = await admin(g, method.toUpperCase(), concrete, method === 'get' || method === 'delete' ? undefined : {});
        // served: whatever it answers (read-only refusals, unknown ids), never "no such route"
        expect([method, path, r.status === 404 && r.body.error.code === 'NOT_FOUND']).toEqual([method, path, false]);
      }
    }
  });
});

describe('the admin API on PostgreSQL versions (real ports, real Redis and PostgreSQL)', () => {
  it('edits a draft one buyer at a time, diffs, refuses an invalid one with its paths, publishes live at once, and rolls back', async () => {
    const a = await buyer(() => ({ body: { bid: 7 } }));
    const b = await buyer(() => ({ body: { bid: 9 } }));
    const g = await versioned(testConfig([{ id: 'a', url: a.url }]));

    const draft = await admin(g, 'POST', '/v1/admin/drafts');
    expect(draft.status).toBe(201);
    expect(draft.body).toMatchObject({ base_version: 1, author: 'admin_key' });
    const id = draft.body.id as string;
    const put = await admin(g, 'PUT', `/v1/admin/drafts/${id}/buyers/b`, { campaigns: ['auto'], ping_url: `${b.url}/ping`, post_url: `${b.url}/post`, timeout_ms: 100 });
    expect(put.status).toBe(200);
    const diff = await admin(g, 'GET', `/v1/admin/drafts/${id}/diff`);
    expect(diff.body.changes).toEqual([{ path: 'buyers[id=b]', after: expect.objectContaining({ id: 'b', timeout_ms: 100 }) }]);

    // a broken buyer: every problem with its path, and publishing it is refused with the same
    await admin(g, 'PUT', `/v1/admin/drafts/${id}/buyers/broken`, { campaigns: ['nowhere'], ping_url: 'not a url' });
    const invalid = await admin(g, 'POST', `/v1/admin/drafts/${id}/validate`);
    expect(invalid.body.valid).toBe(false);
    expect(invalid.body.problems.map((p: { path: string }) => p.path).sort()).toEqual(['buyers[2].campaigns[0]', 'buyers[2].ping_url', 'buyers[2].post_url']);
    const refused = await admin(g, 'POST', `/v1/admin/drafts/${id}/publish`, { comment: 'with a broken buyer' });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('DRAFT_INVALID');
    expect(refused.body.error.details.length).toBeGreaterThan(0);
    expect((await ping(g)).body).toMatchObject({ status: 'bid', price: 5.6 }); // still version 1: a alone

    expect((await admin(g, 'DELETE', `/v1/admin/drafts/${id}/buyers/broken`)).status).toBe(200);
    expect((await admin(g, 'POST', `/v1/admin/drafts/${id}/validate`)).body).toEqual({ valid: true, problems: [] });
    const published = await admin(g, 'POST', `/v1/admin/drafts/${id}/publish`, { comment: 'add buyer b' });
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({ version: 2, author: 'admin_key', comment: 'add buyer b', live_here: true });
    expect((await ping(g)).body).toMatchObject({ status: 'bid', price: 7.2 }); // b's 9 wins at once
    expect((await (await fetch(`http://127.0.0.1:${g.port}/ready`)).json()).config_version).toBe(2);

    const back = await admin(g, 'POST', '/v1/admin/versions/1/rollback', { comment: 'b misbehaves' });
    expect(back.body).toMatchObject({ version: 3, comment: 'b misbehaves', live_here: true });
    expect((await ping(g)).body).toMatchObject({ status: 'bid', price: 5.6 });
    const history = await admin(g, 'GET', '/v1/admin/versions');
    expect(history.body.versions.map((v: { version: number }) => v.version)).toEqual([3, 2, 1]);
    const audit = await admin(g, 'GET', '/v1/admin/audit');
    expect(audit.body.audit.map((a: { what: string }) => a.what).slice(0, 3)).toEqual(['rollback', 'publish', 'draft.update']);
    expect(audit.body.audit[0]).toMatchObject({ who: 'admin_key', detail: { from: 1, version: 3 } });
  });

  it('pauses and resumes a buyer, a seller and a campaign in one call each, live at once', async () => {
    const a = await buyer(() => ({ body: { bid: 7 } }));
    const b = await buyer(() => ({ body: { bid: 9 } }));
    const g = await versioned(testConfig([{ id: 'a', url: a.url }, { id: 'b', url: b.url }]));
    expect((await ping(g)).body).toMatchObject({ price: 7.2 });

    const paused = await admin(g, 'POST', '/v1/admin/buyers/b/pause');
    expect(paused.body).toMatchObject({ version: 2, comment: 'pause buyer b', live_here: true });
    const before = b.pings.length;
    expect((await ping(g)).body).toMatchObject({ price: 5.6 });
    expect(b.pings.length).toBe(before); // a paused buyer is not even pinged
    await admin(g, 'POST', '/v1/admin/buyers/b/resume');
    expect((await ping(g)).body).toMatchObject({ price: 7.2 });

    await admin(g, 'POST', '/v1/admin/sellers/pub1/pause');
    const sellerPaused = await ping(g);
    expect([sellerPaused.status, sellerPaused.body.error.code]).toEqual([403, 'SELLER_PAUSED']);
    await admin(g, 'POST', '/v1/admin/sellers/pub1/resume');
    await admin(g, 'POST', '/v1/admin/campaigns/auto/pause');
    const campaignPaused = await ping(g);
    expect([campaignPaused.status, campaignPaused.body.error.code]).toEqual([409, 'CAMPAIGN_PAUSED']);
    await admin(g, 'POST', '/v1/admin/campaigns/auto/resume');
    expect((await ping(g)).body).toMatchObject({ status: 'bid' });

    const unknown = await admin(g, 'POST', '/v1/admin/buyers/nobody/pause');
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'NOT_PAUSABLE']);
    // resumed means as written: the document is back to version 1's
    expect((await admin(g, 'GET', '/v1/admin/versions/1/diff')).body.changes).toEqual([]);
  });

  it('issues keys shown once and stored hashed, rotates them with an overlap, revokes them, and names the operator in the audit log', async () => {
    const g = await versioned(testConfig([{ id: 'a', url: 'http://127.0.0.1:9' }]));
    const issued = await admin(g, 'POST', '/v1/admin/keys', { party: 'seller', id: 'pub1' });
    expect(issued.status).toBe(201);
    const key = issued.body.key as string;
    expect(key).toMatch(/^gvl_[A-Za-z0-9_-]{43}$/);
    expect((await ping(g, key)).status).toBe(200); // live at once
    const live = await admin(g, 'GET', '/v1/admin/config');
    expect(JSON.stringify(live.body.document)).not.toContain(key); // only its hash is kept
    const listed = await admin(g, 'GET', '/v1/admin/keys');
    expect(listed.body.keys).toEqual(expect.arrayContaining([expect.objectContaining({ key_id: issued.body.key_id, party: 'seller', id: 'pub1', expires_at: null })]));
    expect(JSON.stringify(listed.body)).not.toMatch(/sha256:/);

    const rotated = await admin(g, 'POST', `/v1/admin/keys/${issued.body.key_id}/rotate`, { overlap: '1h' });
    expect(rotated.status).toBe(201);
    expect((await ping(g, rotated.body.key)).status).toBe(200);
    expect((await ping(g, key)).status).toBe(200); // the old one still works during the overlap
    expect(Date.parse(rotated.body.old_expires_at) - Date.now()).toBeGreaterThan(3_500_000);
    const revoked = await admin(g, 'DELETE', `/v1/admin/keys/${issued.body.key_id}`);
    expect(revoked.status).toBe(200);
    expect((await ping(g, key)).body.error.code).toBe('UNAUTHORIZED');
    expect((await ping(g, rotated.body.key)).status).toBe(200);
    expect((await admin(g, 'DELETE', `/v1/admin/keys/${issued.body.key_id}`)).body.error.code).toBe('KEY_NOT_FOUND');

    // a buyer's key, issued for a buyer: it reads that buyer's own traces on the public listener at once
    const buyerKey = await admin(g, 'POST', '/v1/admin/keys', { party: 'buyer', id: 'a' });
    expect(buyerKey.status).toBe(201);
    const trace = await fetch(`http://127.0.0.1:${g.port}/v1/leads/no-such-lead`, { headers: { authorization: `Bearer ${buyerKey.body.key}` } });
    expect([trace.status, ((await trace.json()) as { error: { code: string } }).error.code]).toEqual([404, 'LEAD_NOT_FOUND']);
    expect((await admin(g, 'POST', '/v1/admin/keys', { party: 'buyer', id: 'nobody' })).body.error.code).toBe('INVALID_REQUEST');

    // a named operator key: what it publishes is signed with its name
    const alice = await admin(g, 'POST', '/v1/admin/keys', { party: 'operator', name: 'alice' });
    const paused = await admin(g, 'POST', '/v1/admin/sellers/pub1/pause', undefined, alice.body.key);
    expect(paused.body.author).toBe('alice');
    expect((await admin(g, 'GET', '/v1/admin/audit')).body.audit[0]).toMatchObject({ who: 'alice', what: 'publish' });
    // the original operator key revoked by alice; then alice's own, the last one, stays
    const adminKeyId = (await admin(g, 'GET', '/v1/admin/keys')).body.keys.find((k: { id: string }) => k.id === 'admin_key').key_id;
    expect((await admin(g, 'DELETE', `/v1/admin/keys/${adminKeyId}`, undefined, alice.body.key)).status).toBe(200);
    expect((await admin(g, 'GET', '/v1/admin/config')).body.error.code).toBe('UNAUTHORIZED');
    const last = await admin(g, 'DELETE', `/v1/admin/keys/${alice.body.key_id}`, undefined, alice.body.key);
    expect([last.status, last.body.error.code]).toEqual([409, 'LAST_OPERATOR_KEY']);
  });

  it('refuses a stale draft and a restart-only change unless told, with codes that say why', async () => {
    const g = await versioned(testConfig([]));
    const first = (await admin(g, 'POST', '/v1/admin/drafts')).body.id as string;
    const second = (await admin(g, 'POST', '/v1/admin/drafts')).body.id as string;
    expect((await admin(g, 'POST', `/v1/admin/drafts/${first}/publish`, {})).status).toBe(200);
    const stale = await admin(g, 'POST', `/v1/admin/drafts/${second}/publish`, {});
    expect([stale.status, stale.body.error.code]).toEqual([409, 'DRAFT_STALE']);
    expect((await admin(g, 'POST', `/v1/admin/drafts/${second}/publish`, { force: true })).status).toBe(200);

    const doc = (await admin(g, 'GET', '/v1/admin/config')).body.document;
    const draft = await admin(g, 'POST', '/v1/admin/drafts', { document: { ...doc, server: { ...doc.server, max_body_bytes: 9999 } } });
    const restart = await admin(g, 'POST', `/v1/admin/drafts/${draft.body.id}/publish`, {});
    expect([restart.status, restart.body.error.code]).toEqual([409, 'RESTART_REQUIRED']);
    expect(restart.body.error.message).toMatch(/server/);
    const forced = await admin(g, 'POST', `/v1/admin/drafts/${draft.body.id}/publish`, { restart: true });
    // published, but this process keeps the version it runs until it restarts: the processes list shows the gap
    expect(forced.body).toMatchObject({ version: 4, live_here: false });
    expect((await admin(g, 'GET', '/v1/admin/processes')).body).toMatchObject({ live: 4, this_process: 3, agree: false });

    const bad = await admin(g, 'POST', '/v1/admin/drafts', { document: doc, extra: 1 });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'INVALID_REQUEST']);
    expect((await admin(g, 'GET', '/v1/admin/drafts/00000000-0000-0000-0000-000000000000')).body.error.code).toBe('DRAFT_NOT_FOUND');
    expect((await admin(g, 'GET', '/v1/admin/versions/99')).body.error.code).toBe('VERSION_NOT_FOUND');
  });
});
