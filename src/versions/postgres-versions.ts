import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { GavelError } from '../core/codes.js';
import type { AuditRow, ConfigDocument, ConfigDraft, ConfigVersion, ConfigVersions, DiffSubject, PublishOptions } from './config-versions.js';
import { jsonDiff, type DiffEntry } from './json-diff.js';
import { inTransaction, runMigrations, SCHEMA_NAME } from '../ledger/run-migrations.js';
import { VERSIONS_MIGRATIONS } from './versions-migrations.js';
import { validateDocument } from './validate-document.js';

export interface PostgresVersionsOptions {
  url: string;
  /** the ledger's schema; default 'gavel' */
  schema?: string;
  /** default 2: the versions are read once a second and written by an operator */
  poolSize?: number;
}

type Q = Pick<pg.PoolClient, 'query'>;
interface VersionRow { version: number; document: unknown; author: string; comment: string; created_at: Date }
interface DraftRow { id: string; document: unknown; base_version: number | null; author: string; updated_at: Date }
interface AuditDbRow { id: string; at: Date; who: string; what: AuditRow['what']; detail: Record<string, unknown> }

const toVersion = (r: VersionRow): ConfigVersion => ({ version: r.version, document: r.document, author: r.author, comment: r.comment, published_at: r.created_at.getTime() });
const toDraft = (r: DraftRow): ConfigDraft => ({ id: r.id, document: r.document, base_version: r.base_version, author: r.author, updated_at: r.updated_at.getTime() });

/** The configuration's versions in the ledger's PostgreSQL schema, shared by every Gavel process pointed at it. */
export class PostgresVersions implements ConfigVersions {
  readonly kind = 'postgres' as const;
  readonly schema: string;
  private readonly pool: pg.Pool;
  private readonly t: { versions: string; live: string; drafts: string; audit: string };

  constructor(opts: PostgresVersionsOptions) {
    const schema = opts.schema ?? 'gavel';
    if (!SCHEMA_NAME.test(schema)) throw new Error(`PostgresVersions: schema ${JSON.stringify(schema)} must match ${SCHEMA_NAME}`);
    this.schema = schema;
    const q = `"${schema}"`;
    this.t = { versions: `${q}.config_versions`, live: `${q}.config_live`, drafts: `${q}.config_drafts`, audit: `${q}.config_audit` };
    this.pool = new pg.Pool({ connectionString: opts.url, max: opts.poolSize ?? 2, connectionTimeoutMillis: 5000, query_timeout: 30_000, keepAlive: true });
    // as for the ledger: an idle client whose server went away is dropped, never a crash
    this.pool.on('error', () => undefined);
  }

  async start(): Promise<void> {
    const c = await this.pool.connect();
    try {
      await runMigrations(c, this.schema, { table: 'config_schema_migrations', label: 'config', steps: VERSIONS_MIGRATIONS });
    } finally {
      c.release();
    }
  }

  private closing: Promise<void> | null = null;

  /** idempotent: the process that was handed the versions closes them at shutdown, whoever else does */
  close(): Promise<void> {
    return (this.closing ??= this.pool.end());
  }

  async live(): Promise<ConfigVersion> {
    const r = await this.pool.query<VersionRow>(`SELECT v.* FROM ${this.t.live} l JOIN ${this.t.versions} v USING (version)`);
    if (r.rows.length === 0) throw new GavelError('VERSION_NOT_FOUND', 'No configuration version was published yet');
    return toVersion(r.rows[0]!);
  }

  async liveVersion(): Promise<number> {
    const r = await this.pool.query<{ version: number }>(`SELECT version FROM ${this.t.live}`);
    return r.rows[0]?.version ?? 0;
  }

  version(n: number): Promise<ConfigVersion> {
    return this.findVersion(this.pool, n);
  }

  async history(limit: number): Promise<ConfigVersion[]> {
    const r = await this.pool.query<VersionRow>(`SELECT * FROM ${this.t.versions} ORDER BY version DESC LIMIT $1`, [limit]);
    return r.rows.map(toVersion);
  }

  async createDraft(document: ConfigDocument | undefined, author: string): Promise<ConfigDraft> {
    return this.tx(async (c) => {
      const live = await c.query<VersionRow>(`SELECT v.* FROM ${this.t.live} l JOIN ${this.t.versions} v USING (version)`);
      const base = live.rows[0];
      if (document === undefined && base === undefined) throw new GavelError('VERSION_NOT_FOUND', 'No live version to make a draft of');
      const r = await c.query<DraftRow>(
        `INSERT INTO ${this.t.drafts} (id, document, base_version, author) VALUES ($1, $2, $3, $4) RETURNING *`,
        [randomUUID(), JSON.stringify(document ?? base!.document), base?.version ?? null, author],
      );
      const draft = toDraft(r.rows[0]!);
      await this.log(c, author, 'draft.create', { draft: draft.id, base_version: draft.base_version });
      return draft;
    });
  }

  async updateDraft(id: string, document: ConfigDocument, author: string): Promise<ConfigDraft> {
    return this.tx(async (c) => {
      const r = await c.query<DraftRow>(`UPDATE ${this.t.drafts} SET document = $2, author = $3, updated_at = now() WHERE id = $1 RETURNING *`, [id, JSON.stringify(document), author]);
      if (r.rows.length === 0) throw draftNotFound(id);
      await this.log(c, author, 'draft.update', { draft: id });
      return toDraft(r.rows[0]!);
    });
  }

  getDraft(id: string): Promise<ConfigDraft> {
    return this.findDraft(this.pool, id, false);
  }

  async listDrafts(): Promise<Omit<ConfigDraft, 'document'>[]> {
    const r = await this.pool.query<Omit<DraftRow, 'document'>>(`SELECT id, base_version, author, updated_at FROM ${this.t.drafts} ORDER BY updated_at DESC`);
    return r.rows.map((d) => ({ id: d.id, base_version: d.base_version, author: d.author, updated_at: d.updated_at.getTime() }));
  }

  async deleteDraft(id: string, author: string): Promise<void> {
    await this.tx(async (c) => {
      const r = await c.query(`DELETE FROM ${this.t.drafts} WHERE id = $1`, [id]);
      if (r.rowCount === 0) throw draftNotFound(id);
      await this.log(c, author, 'draft.delete', { draft: id });
    });
  }

  async validateDraft(id: string): Promise<ReturnType<typeof validateDocument>> {
    return validateDocument((await this.getDraft(id)).document);
  }

  async diff(subject: DiffSubject): Promise<DiffEntry[]> {
    const doc = 'draft' in subject ? (await this.getDraft(subject.draft)).document : (await this.version(subject.version)).document;
    const live = (await this.liveVersion()) === 0 ? {} : (await this.live()).document;
    return jsonDiff(live, doc);
  }

  async publish(draftId: string, author: string, comment: string, opts: PublishOptions = {}): Promise<ConfigVersion> {
    return this.tx(async (c) => {
      await this.lock(c);
      const draft = await this.findDraft(c, draftId, true);
      const problems = validateDocument(draft.document);
      if (problems.length > 0) throw new GavelError('DRAFT_INVALID', undefined, problems);
      const live = await c.query<{ version: number }>(`SELECT version FROM ${this.t.live}`);
      const liveNow = live.rows[0]?.version ?? null;
      if (!opts.force && draft.base_version !== liveNow) {
        throw new GavelError('DRAFT_STALE', `The draft was made from version ${draft.base_version ?? 'none'}; version ${liveNow ?? 'none'} is live now`);
      }
      opts.check?.(draft.document);
      const v = await this.publishDocument(c, draft.document, author, comment);
      await c.query(`DELETE FROM ${this.t.drafts} WHERE id = $1`, [draftId]);
      await this.log(c, author, 'publish', { version: v.version, draft: draftId, base_version: draft.base_version, forced: opts.force === true, comment });
      return v;
    });
  }

  async rollback(n: number, author: string, comment: string, opts: Pick<PublishOptions, 'check'> = {}): Promise<ConfigVersion> {
    return this.tx(async (c) => {
      await this.lock(c);
      const old = await this.findVersion(c, n);
      // the schema may have moved on since that version: what publishes is what would start now
      const problems = validateDocument(old.document);
      if (problems.length > 0) throw new GavelError('DRAFT_INVALID', `Version ${n} does not validate any more`, problems);
      opts.check?.(old.document);
      const v = await this.publishDocument(c, old.document, author, comment);
      await this.log(c, author, 'rollback', { version: v.version, from: n, comment });
      return v;
    });
  }

  async audit(limit: number): Promise<AuditRow[]> {
    const r = await this.pool.query<AuditDbRow>(`SELECT * FROM ${this.t.audit} ORDER BY id DESC LIMIT $1`, [limit]);
    return r.rows.map((a) => ({ id: Number(a.id), at: a.at.getTime(), who: a.who, what: a.what, detail: a.detail }));
  }

  async seedIfEmpty(document: ConfigDocument, author: string): Promise<boolean> {
    const problems = validateDocument(document);
    if (problems.length > 0) throw new GavelError('DRAFT_INVALID', 'The configuration to seed from does not validate', problems);
    return this.tx(async (c) => {
      await this.lock(c);
      const any = await c.query(`SELECT 1 FROM ${this.t.versions} LIMIT 1`);
      if (any.rows.length > 0) return false;
      const v = await this.publishDocument(c, document, author, 'seeded from the configuration file');
      await this.log(c, author, 'seed', { version: v.version });
      return true;
    });
  }

  /** The next number and the live pointer, under the publish lock: two processes never publish one number, nor lose a version. */
  private async publishDocument(c: Q, document: unknown, author: string, comment: string): Promise<ConfigVersion> {
    const r = await c.query<VersionRow>(
      `INSERT INTO ${this.t.versions} (version, document, author, comment)
       SELECT coalesce(max(version), 0) + 1, $1, $2, $3 FROM ${this.t.versions} RETURNING *`,
      [JSON.stringify(document), author, comment],
    );
    const v = toVersion(r.rows[0]!);
    await c.query(
      `INSERT INTO ${this.t.live} (one, version, since) VALUES (true, $1, now())
       ON CONFLICT (one) DO UPDATE SET version = EXCLUDED.version, since = EXCLUDED.since`,
      [v.version],
    );
    return v;
  }

  /** Every publish of this schema, from any process, takes its turn: held to the transaction's end. */
  private lock(c: Q): Promise<unknown> {
    return c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`gavel-config-publish:${this.schema}`]);
  }

  private async log(c: Q, who: string, what: AuditRow['what'], detail: Record<string, unknown>): Promise<void> {
    await c.query(`INSERT INTO ${this.t.audit} (who, what, detail) VALUES ($1, $2, $3)`, [who, what, JSON.stringify(detail)]);
  }

  private async findVersion(c: Q, n: number): Promise<ConfigVersion> {
    const r = await c.query<VersionRow>(`SELECT * FROM ${this.t.versions} WHERE version = $1`, [n]);
    if (r.rows.length === 0) throw new GavelError('VERSION_NOT_FOUND', `No configuration version ${n}`);
    return toVersion(r.rows[0]!);
  }

  private async findDraft(c: Q, id: string, forUpdate: boolean): Promise<ConfigDraft> {
    const r = await c.query<DraftRow>(`SELECT * FROM ${this.t.drafts} WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
    if (r.rows.length === 0) throw draftNotFound(id);
    return toDraft(r.rows[0]!);
  }

  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      return await inTransaction(c, () => fn(c));
    } finally {
      c.release();
    }
  }
}

function draftNotFound(id: string): GavelError {
  return new GavelError('DRAFT_NOT_FOUND', `No configuration draft ${JSON.stringify(id)}`);
}
