import { readFileSync, statSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { GavelError } from '../core/codes.js';
import { loadConfigFile } from '../config/load-config.js';
import type { AuditRow, ConfigDraft, ConfigVersion, ConfigVersions, DiffSubject } from './config-versions.js';
import type { DiffEntry } from './json-diff.js';

function readOnly(): never {
  throw new GavelError('CONFIG_READ_ONLY');
}

/**
 * The configuration file as the only version (1), for an exchange with no PostgreSQL: everything
 * reads, every write is refused with CONFIG_READ_ONLY, which says what writes need.
 */
export class FileVersions implements ConfigVersions {
  readonly kind = 'file' as const;
  private current: ConfigVersion | undefined;

  /** a file's path, or a document already validated (the configuration a process was started with) */
  constructor(private readonly source: string | { document: unknown; label: string }) {}

  async start(): Promise<void> {
    if (typeof this.source !== 'string') {
      this.current = { version: 1, document: this.source.document, author: 'file', comment: this.source.label, published_at: Date.now() };
      return;
    }
    // the file is checked as at start (every problem at once, in a ConfigError); the version holds it as written
    loadConfigFile(this.source);
    this.current = {
      version: 1,
      document: parseYaml(readFileSync(this.source, 'utf8')),
      author: 'file',
      comment: this.source,
      published_at: statSync(this.source).mtimeMs,
    };
  }

  async close(): Promise<void> {}

  async live(): Promise<ConfigVersion> {
    if (!this.current) throw new Error('FileVersions: start() first');
    return this.current;
  }

  async liveVersion(): Promise<number> {
    return this.current ? 1 : 0;
  }

  async version(n: number): Promise<ConfigVersion> {
    if (n !== 1) throw new GavelError('VERSION_NOT_FOUND', `No configuration version ${n}: the file is version 1`);
    return this.live();
  }

  async history(limit: number): Promise<ConfigVersion[]> {
    return limit > 0 ? [await this.live()] : [];
  }

  createDraft(): Promise<ConfigDraft> {
    return Promise.resolve().then(readOnly);
  }

  updateDraft(): Promise<ConfigDraft> {
    return Promise.resolve().then(readOnly);
  }

  async getDraft(id: string): Promise<ConfigDraft> {
    throw new GavelError('DRAFT_NOT_FOUND', `No configuration draft ${JSON.stringify(id)}: a file configuration has none`);
  }

  async listDrafts(): Promise<never[]> {
    return [];
  }

  deleteDraft(): Promise<void> {
    return Promise.resolve().then(readOnly);
  }

  async validateDraft(id: string): Promise<never> {
    return this.getDraft(id) as Promise<never>;
  }

  async diff(subject: DiffSubject): Promise<DiffEntry[]> {
    if ('draft' in subject) await this.getDraft(subject.draft);
    else await this.version(subject.version);
    return [];
  }

  publish(): Promise<ConfigVersion> {
    return Promise.resolve().then(readOnly);
  }

  rollback(): Promise<ConfigVersion> {
    return Promise.resolve().then(readOnly);
  }

  async audit(): Promise<AuditRow[]> {
    return [];
  }

  seedIfEmpty(): Promise<boolean> {
    return Promise.resolve().then(readOnly);
  }
}
