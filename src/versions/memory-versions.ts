import { randomUUID } from 'node:crypto';
import { GavelError } from '../core/codes.js';
import type { AuditRow, ConfigDocument, ConfigDraft, ConfigVersion, ConfigVersions, DiffSubject, PublishOptions } from './config-versions.js';
import { jsonDiff, type DiffEntry } from './json-diff.js';
import { validateDocument } from './validate-document.js';

/**
 * The configuration's versions in this process, for the embedded default: one process, no
 * PostgreSQL, and still the whole admin API and the console's configuration pages (drafts,
 * publish, history, rollback, keys). Kept as PostgreSQL keeps them, with the same rules and
 * codes, but only until the process stops: the next start begins again from the file, and says
 * so in its log. A document is copied in and out, so nothing outside changes a version.
 */
export class MemoryVersions implements ConfigVersions {
  readonly kind = 'memory' as const;
  private readonly versions: ConfigVersion[] = [];
  private liveNumber = 0;
  private readonly drafts = new Map<string, ConfigDraft>();
  private readonly log: AuditRow[] = [];

  async start(): Promise<void> {}
  async close(): Promise<void> {}

  async live(): Promise<ConfigVersion> {
    if (this.liveNumber === 0) throw new GavelError('VERSION_NOT_FOUND', 'No configuration version was published yet');
    return this.version(this.liveNumber);
  }

  async liveVersion(): Promise<number> {
    return this.liveNumber;
  }

  async version(n: number): Promise<ConfigVersion> {
    const v = this.versions[n - 1];
    if (v === undefined) throw new GavelError('VERSION_NOT_FOUND', `No configuration version ${n}`);
    return { ...v, document: copy(v.document) };
  }

  async history(limit: number): Promise<ConfigVersion[]> {
    return this.versions
      .slice(-Math.max(0, limit))
      .reverse()
      .map((v) => ({ ...v, document: copy(v.document) }));
  }

  async createDraft(document: ConfigDocument | undefined, author: string): Promise<ConfigDraft> {
    const base = this.liveNumber === 0 ? undefined : this.versions[this.liveNumber - 1]!;
    if (document === undefined && base === undefined) throw new GavelError('VERSION_NOT_FOUND', 'No live version to make a draft of');
    const draft: ConfigDraft = { id: randomUUID(), document: copy(document ?? base!.document), base_version: base?.version ?? null, author, updated_at: Date.now() };
    this.drafts.set(draft.id, draft);
    this.record(author, 'draft.create', { draft: draft.id, base_version: draft.base_version });
    return { ...draft, document: copy(draft.document) };
  }

  async updateDraft(id: string, document: ConfigDocument, author: string): Promise<ConfigDraft> {
    const d = this.find(id);
    Object.assign(d, { document: copy(document), author, updated_at: Date.now() });
    this.record(author, 'draft.update', { draft: id });
    return { ...d, document: copy(d.document) };
  }

  async getDraft(id: string): Promise<ConfigDraft> {
    const d = this.find(id);
    return { ...d, document: copy(d.document) };
  }

  async listDrafts(): Promise<Omit<ConfigDraft, 'document'>[]> {
    return [...this.drafts.values()].sort((a, b) => b.updated_at - a.updated_at).map(({ document: _, ...rest }) => rest);
  }

  async deleteDraft(id: string, author: string): Promise<void> {
    this.find(id);
    this.drafts.delete(id);
    this.record(author, 'draft.delete', { draft: id });
  }

  async validateDraft(id: string): Promise<ReturnType<typeof validateDocument>> {
    return validateDocument(this.find(id).document);
  }

  async diff(subject: DiffSubject): Promise<DiffEntry[]> {
    const doc = 'draft' in subject ? this.find(subject.draft).document : (await this.version(subject.version)).document;
    return jsonDiff(this.liveNumber === 0 ? {} : this.versions[this.liveNumber - 1]!.document, doc);
  }

  async publish(draftId: string, author: string, comment: string, opts: PublishOptions = {}): Promise<ConfigVersion> {
    // no await before the version is written: one process, so this is the publish's whole lock
    const draft = this.find(draftId);
    const problems = validateDocument(draft.document);
    if (problems.length > 0) throw new GavelError('DRAFT_INVALID', undefined, problems);
    const liveNow = this.liveNumber === 0 ? null : this.liveNumber;
    if (!opts.force && draft.base_version !== liveNow) {
      throw new GavelError('DRAFT_STALE', `The draft was made from version ${draft.base_version ?? 'none'}; version ${liveNow ?? 'none'} is live now`);
    }
    opts.check?.(draft.document);
    const v = this.publishDocument(draft.document, author, comment);
    this.drafts.delete(draftId);
    this.record(author, 'publish', { version: v.version, draft: draftId, base_version: draft.base_version, forced: opts.force === true, comment });
    return v;
  }

  async rollback(n: number, author: string, comment: string, opts: Pick<PublishOptions, 'check'> = {}): Promise<ConfigVersion> {
    const old = this.versions[n - 1];
    if (old === undefined) throw new GavelError('VERSION_NOT_FOUND', `No configuration version ${n}`);
    const problems = validateDocument(old.document);
    if (problems.length > 0) throw new GavelError('DRAFT_INVALID', `Version ${n} does not validate any more`, problems);
    opts.check?.(old.document);
    const v = this.publishDocument(old.document, author, comment);
    this.record(author, 'rollback', { version: v.version, from: n, comment });
    return v;
  }

  async audit(limit: number): Promise<AuditRow[]> {
    return this.log.slice(-Math.max(0, limit)).reverse();
  }

  async seedIfEmpty(document: ConfigDocument, author: string): Promise<boolean> {
    const problems = validateDocument(document);
    if (problems.length > 0) throw new GavelError('DRAFT_INVALID', 'The configuration to seed from does not validate', problems);
    if (this.versions.length > 0) return false;
    const v = this.publishDocument(document, author, 'seeded from the configuration file');
    this.record(author, 'seed', { version: v.version });
    return true;
  }

  private publishDocument(document: unknown, author: string, comment: string): ConfigVersion {
    const v: ConfigVersion = { version: this.versions.length + 1, document: copy(document), author, comment, published_at: Date.now() };
    this.versions.push(v);
    this.liveNumber = v.version;
    return { ...v, document: copy(v.document) };
  }

  private find(id: string): ConfigDraft {
    const d = this.drafts.get(id);
    if (d === undefined) throw new GavelError('DRAFT_NOT_FOUND', `No configuration draft ${JSON.stringify(id)}`);
    return d;
  }

  private record(who: string, what: AuditRow['what'], detail: Record<string, unknown>): void {
    this.log.push({ id: this.log.length + 1, at: Date.now(), who, what, detail });
  }
}

function copy<T>(document: T): T {
  return structuredClone(document);
}
