import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MemoryVersions } from '../../src/versions/memory-versions.js';
import { PostgresLedger } from '../../src/ledger/postgres-ledger.js';
import type { ConfigVersions } from '../../src/versions/config-versions.js';
import { FileVersions } from '../../src/versions/file-versions.js';
import { openVersions } from '../../src/versions/open-versions.js';
import { ConfigError, parseConfig } from '../../src/config/load-config.js';
import { ROOT } from '../../src/core/paths.js';
import { PostgresVersions } from '../../src/versions/postgres-versions.js';
import { documentYaml, exportYaml, importYaml } from '../../src/versions/yaml-io.js';
import { PG_URL, testConfig } from '../support/test-config.js';
import { closePgAdmin, pgAdmin } from '../support/pg-admin.js';

const open: { close(): Promise<void> }[] = [];
const schemas = new Set<string>();
const dirs: string[] = [];

function freshSchema(): string {
  const s = `t_${randomBytes(8).toString('hex')}`;
  schemas.add(s);
  return s;
}

/** A store on `schema` with a pool of its own, as another Gavel process would have. */
async function store(schema: string): Promise<PostgresVersions> {
  await pgAdmin();
  const s = new PostgresVersions({ url: PG_URL, schema });
  open.push(s);
  await s.start();
  return s;
}

afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  const drop = [...schemas];
  schemas.clear();
  if (drop.length > 0) {
    const pool = await pgAdmin();
    for (const s of drop) await pool.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  }
});

afterAll(closePgAdmin);

const doc = (floor = 1.0): Record<string, unknown> => testConfig([{ id: 'b1', url: 'http://127.0.0.1:9' }], { floor }, 'test:versions:') as Record<string, unknown>;

/** `doc` with the one campaign's fields replaced */
function withCampaign(d: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const [c] = d.campaigns as Record<string, unknown>[];
  return { ...d, campaigns: [{ ...c, ...over }] };
}

/** Both writable stores keep the same rules: PostgreSQL, and the embedded default's memory. */
describe.each([
  ['in PostgreSQL', () => store(freshSchema())],
  ['in memory (the embedded default)', async (): Promise<ConfigVersions> => new MemoryVersions()],
] as const)('config versions %s', (_, make) => {
  it('a draft is validated, diffed and published, and goes live; an invalid one is refused with its paths', async () => {
    const s = await make();
    expect(await s.liveVersion()).toBe(0);
    await expect(s.live()).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' });
    expect(await s.seedIfEmpty(doc(), 'ops')).toBe(true);

    const draft = await s.createDraft(undefined, 'alice');
    expect(draft.base_version).toBe(1);
    expect(draft.document).toEqual(doc());

    await s.updateDraft(draft.id, withCampaign(doc(), { tmax_ms: -5, margin: 'much' }), 'alice');
    const problems = await s.validateDraft(draft.id);
    expect(problems.map((p) => p.path).sort()).toEqual(['campaigns[0].margin', 'campaigns[0].tmax_ms']);
    expect(problems.every((p) => p.message.length > 0)).toBe(true);
    await expect(s.publish(draft.id, 'alice', 'broken')).rejects.toMatchObject({ code: 'DRAFT_INVALID', details: problems });
    expect(await s.liveVersion()).toBe(1);

    await s.updateDraft(draft.id, doc(2.5), 'alice');
    expect(await s.validateDraft(draft.id)).toEqual([]);
    expect(await s.diff({ draft: draft.id })).toEqual([{ path: 'campaigns[id=auto].floor', before: 1, after: 2.5 }]);

    const v2 = await s.publish(draft.id, 'alice', 'floor up');
    expect(v2).toMatchObject({ version: 2, author: 'alice', comment: 'floor up', document: doc(2.5) });
    expect(await s.liveVersion()).toBe(2);
    expect((await s.live()).document).toEqual(doc(2.5));
    expect(await s.diff({ version: 1 })).toEqual([{ path: 'campaigns[id=auto].floor', before: 2.5, after: 1 }]);
    await expect(s.getDraft(draft.id)).rejects.toMatchObject({ code: 'DRAFT_NOT_FOUND' });
    expect((await s.history(10)).map((v) => v.version)).toEqual([2, 1]);
    expect((await s.history(1)).map((v) => v.version)).toEqual([2]);
  });

  it('a rollback publishes an earlier version again as a new version', async () => {
    const s = await make();
    await s.seedIfEmpty(doc(), 'ops');
    const d = await s.createDraft(doc(3), 'bob');
    await s.publish(d.id, 'bob', 'three');
    const v3 = await s.rollback(1, 'carol', 'back to one');
    expect(v3).toMatchObject({ version: 3, author: 'carol', comment: 'back to one', document: doc() });
    expect(await s.liveVersion()).toBe(3);
    expect((await s.version(2)).document).toEqual(doc(3));
    await expect(s.rollback(99, 'carol', 'no')).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' });
    await expect(s.version(99)).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' });
    expect(await s.liveVersion()).toBe(3);
  });

  it('every change lands in the audit log with who did it', async () => {
    const s = await make();
    await s.seedIfEmpty(doc(), 'ops');
    const d1 = await s.createDraft(undefined, 'alice');
    await s.updateDraft(d1.id, doc(2), 'alice');
    await s.publish(d1.id, 'alice', 'two');
    const d2 = await s.createDraft(undefined, 'bob');
    await s.deleteDraft(d2.id, 'bob');
    await expect(s.deleteDraft(d2.id, 'bob')).rejects.toMatchObject({ code: 'DRAFT_NOT_FOUND' });
    await s.rollback(1, 'carol', 'undo');
    const rows = (await s.audit(20)).reverse();
    expect(rows.map((r) => [r.who, r.what])).toEqual([
      ['ops', 'seed'],
      ['alice', 'draft.create'],
      ['alice', 'draft.update'],
      ['alice', 'publish'],
      ['bob', 'draft.create'],
      ['bob', 'draft.delete'],
      ['carol', 'rollback'],
    ]);
    expect(rows[3]!.detail).toMatchObject({ version: 2, draft: d1.id, base_version: 1, forced: false, comment: 'two' });
    expect(rows[6]!.detail).toMatchObject({ version: 3, from: 1 });
    expect(rows.every((r) => r.at > 0)).toBe(true);
    expect(await s.audit(2)).toHaveLength(2);
  });

});

describe('config versions in PostgreSQL', () => {
  it('a published version and the audit log cannot be changed, whoever connects', async () => {
    const schema = freshSchema();
    const s = await store(schema);
    await s.seedIfEmpty(doc(), 'ops');
    const pool = await pgAdmin();
    await expect(pool.query(`UPDATE "${schema}".config_versions SET comment = 'x'`)).rejects.toThrow(/append-only, UPDATE refused/);
    await expect(pool.query(`DELETE FROM "${schema}".config_versions`)).rejects.toThrow(/append-only, DELETE refused/);
    await expect(pool.query(`TRUNCATE "${schema}".config_versions CASCADE`)).rejects.toThrow(/append-only, TRUNCATE refused/);
    await expect(pool.query(`DELETE FROM "${schema}".config_audit`)).rejects.toThrow(/append-only, DELETE refused/);
    expect((await s.version(1)).comment).toBe('seeded from the configuration file');
  });

  it('of two drafts made from the same version and published at once from two processes, exactly one wins', async () => {
    const schema = freshSchema();
    const [a, b] = [await store(schema), await store(schema)];
    await a.seedIfEmpty(doc(), 'ops');
    const da = await a.createDraft(doc(2), 'alice');
    const db = await b.createDraft(doc(3), 'bob');
    const results = await Promise.allSettled([a.publish(da.id, 'alice', 'a'), b.publish(db.id, 'bob', 'b')]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.reason).toMatchObject({ code: 'DRAFT_STALE' });
    expect((await a.history(10)).map((v) => v.version)).toEqual([2, 1]);
    const loser = won[0] === results[0] ? db : da;
    // the refused draft is kept, and forcing it publishes it on top
    const forced = await b.publish(loser.id, 'bob', 'forced', { force: true });
    expect(forced.version).toBe(3);
    expect(await a.liveVersion()).toBe(3);
  });

  it('forced publishes at once from several processes take distinct numbers, none lost', async () => {
    const schema = freshSchema();
    const stores = [await store(schema), await store(schema), await store(schema)];
    await stores[0]!.seedIfEmpty(doc(), 'ops');
    const drafts = await Promise.all(stores.flatMap((s, i) => [1, 2].map((j) => s.createDraft(doc(10 * i + j), `op${i}`))));
    const published = await Promise.all(drafts.map((d, k) => stores[k % 3]!.publish(d.id, d.author, 'race', { force: true })));
    expect(published.map((v) => v.version).sort((x, y) => x - y)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(await stores[1]!.liveVersion()).toBe(Math.max(...published.map((v) => v.version)));
  });

  it('seeds an empty store once, however many processes start at once', async () => {
    const schema = freshSchema();
    const [a, b] = await Promise.all([store(schema), store(schema)]);
    const seeded = await Promise.all([a.seedIfEmpty(doc(), 'a'), b.seedIfEmpty(doc(2), 'b')]);
    expect(seeded.filter(Boolean)).toHaveLength(1);
    expect(await a.seedIfEmpty(doc(5), 'a')).toBe(false);
    expect((await a.history(10)).map((v) => v.version)).toEqual([1]);
    await expect(a.seedIfEmpty(withCampaign(doc(), { tmax_ms: -1 }), 'a')).rejects.toMatchObject({ code: 'DRAFT_INVALID' });
  });

  it('shares the schema with the ledger: both start on it, in either order', async () => {
    const schema = freshSchema();
    const ledger = new PostgresLedger({ url: PG_URL, schema });
    open.push(ledger);
    await Promise.all([ledger.start(), store(schema)]);
    expect(await (await store(schema)).seedIfEmpty(doc(), 'ops')).toBe(true);
  });

  it('a version round-trips through YAML', async () => {
    const s = await store(freshSchema());
    await s.seedIfEmpty(doc(), 'ops');
    const text = await exportYaml(s, 1);
    expect(text).toContain('campaigns:');
    expect(importYaml(text)).toEqual(doc());
    const d = await s.createDraft(importYaml(text), 'git');
    expect(await s.diff({ draft: d.id })).toEqual([]);
    expect(importYaml(JSON.stringify(doc()))).toEqual(doc());
    expect(() => importYaml('campaigns: [')).toThrow(expect.objectContaining({ code: 'DRAFT_INVALID' }));
  });
});

describe('config versions from a file', () => {
  async function fileStore(): Promise<{ s: ConfigVersions; path: string }> {
    const dir = mkdtempSync(join(tmpdir(), 'gavel-versions-'));
    dirs.push(dir);
    const path = join(dir, 'gavel.yaml');
    writeFileSync(path, documentYaml(doc()));
    const s = new FileVersions(path);
    await s.start();
    return { s, path };
  }

  it('reads the file as version 1', async () => {
    const { s, path } = await fileStore();
    expect(await s.liveVersion()).toBe(1);
    expect(await s.live()).toMatchObject({ version: 1, document: doc(), comment: path });
    expect((await s.history(5)).map((v) => v.version)).toEqual([1]);
    expect(await s.diff({ version: 1 })).toEqual([]);
    await expect(s.version(2)).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND' });
    await expect(s.getDraft('x')).rejects.toMatchObject({ code: 'DRAFT_NOT_FOUND' });
    expect(importYaml(await exportYaml(s, 1))).toEqual(doc());
  });

  it('refuses every write with CONFIG_READ_ONLY, saying what writes need', async () => {
    const { s } = await fileStore();
    const writes = [
      s.createDraft(doc(), 'ops'),
      s.updateDraft('x', doc(), 'ops'),
      s.deleteDraft('x', 'ops'),
      s.publish('x', 'ops', 'c'),
      s.rollback(1, 'ops', 'c'),
      s.seedIfEmpty(doc(), 'ops'),
    ];
    for (const w of writes) await expect(w).rejects.toMatchObject({ code: 'CONFIG_READ_ONLY', message: expect.stringMatching(/PostgreSQL.*DATABASE_URL/) });
    expect(await s.liveVersion()).toBe(1);
  });

  it('with PostgreSQL, seeds an empty store from the file at the first start only', async () => {
    const { path } = await fileStore();
    const schema = freshSchema();
    await pgAdmin();
    const first = await openVersions({ postgresUrl: PG_URL, schema, configPath: path });
    open.push(first);
    expect(first.kind).toBe('postgres');
    expect(await first.live()).toMatchObject({ version: 1, author: 'file', document: doc() });
    writeFileSync(path, documentYaml(doc(7)));
    const again = await openVersions({ postgresUrl: PG_URL, schema, configPath: path });
    open.push(again);
    expect((await again.history(10)).map((v) => v.version)).toEqual([1]);
    expect((await again.live()).document).toEqual(doc());
    const fileOnly = await openVersions({ postgresUrl: undefined, schema, configPath: path });
    expect(fileOnly.kind).toBe('file');
    expect((await fileOnly.live()).document).toEqual(doc(7));
  });

  it('an invalid file seeds nothing and says every problem with its path', async () => {
    const { path } = await fileStore();
    writeFileSync(path, documentYaml(withCampaign(doc(), { tmax_ms: -1 })));
    const schema = freshSchema();
    await pgAdmin();
    const err = await openVersions({ postgresUrl: PG_URL, schema, configPath: path }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([expect.stringMatching(/^campaigns\[0\]\.tmax_ms: /)]);
    const s = await store(schema);
    expect(await s.liveVersion()).toBe(0);
  });

  it('a model file named relative to the file is stored by its full path, so any process reads it wherever it started', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gavel-models-'));
    dirs.push(dir);
    copyFileSync(join(ROOT, 'test', 'fixtures', 'xgboost-dump.json'), join(dir, 'model.json'));
    const path = join(dir, 'gavel.yaml');
    writeFileSync(path, documentYaml(withCampaign(doc(), { scoring: { model: { type: 'trees', file: 'model.json', features: ['zip', 'zip', 'zip', 'zip'] } } })));
    const schema = freshSchema();
    await pgAdmin();
    const s = await openVersions({ postgresUrl: PG_URL, schema, configPath: path });
    open.push(s);
    const live = await s.live();
    const [campaign] = (live.document as { campaigns: { scoring: { model: { file: string } } }[] }).campaigns;
    expect(campaign!.scoring.model.file).toBe(join(dir, 'model.json'));
    // parsed as another process would, from the document alone
    expect(parseConfig(live.document).campaigns[0]!.scoring!.model).toMatchObject({ type: 'trees', dump: { format: 'xgboost' } });
  });
});

