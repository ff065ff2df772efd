import type { Detail } from '../core/codes.js';
import type { DiffEntry } from './json-diff.js';

/** A configuration document as an operator writes it: what the YAML/JSON file holds, before defaults. */
export type ConfigDocument = unknown;

/** One published version: immutable once published. */
export interface ConfigVersion {
  version: number;
  document: ConfigDocument;
  author: string;
  comment: string;
  /** epoch ms */
  published_at: number;
}

export interface ConfigDraft {
  id: string;
  document: ConfigDocument;
  /** the live version it was made from (null: made while nothing was live) */
  base_version: number | null;
  author: string;
  /** epoch ms */
  updated_at: number;
}

export interface AuditRow {
  id: number;
  /** epoch ms */
  at: number;
  /** the operator key's name */
  who: string;
  what: 'seed' | 'draft.create' | 'draft.update' | 'draft.delete' | 'publish' | 'rollback';
  detail: Record<string, unknown>;
}

export interface PublishOptions {
  /** publish even when another version went live since the draft was made */
  force?: boolean;
  /** run on the valid document inside the publish, before anything is written: a throw refuses the publish */
  check?: (document: ConfigDocument) => void;
}

/** A draft by id, or a published version by number. */
export type DiffSubject = { draft: string } | { version: number };

/**
 * The configuration as versions: the role the admin API uses. Errors are GavelErrors with their
 * codes (CONFIG_READ_ONLY, DRAFT_NOT_FOUND, VERSION_NOT_FOUND, DRAFT_INVALID, DRAFT_STALE).
 */
export interface ConfigVersions {
  readonly kind: 'postgres' | 'memory' | 'file';
  start(): Promise<void>;
  close(): Promise<void>;
  /** the live version; VERSION_NOT_FOUND while nothing was ever published */
  live(): Promise<ConfigVersion>;
  /** just the live version's number (0: none), cheap enough for every process to poll each second */
  liveVersion(): Promise<number>;
  version(n: number): Promise<ConfigVersion>;
  /** newest first */
  history(limit: number): Promise<ConfigVersion[]>;
  /** a draft of `document`, or of the live version's document when it is omitted */
  createDraft(document: ConfigDocument | undefined, author: string): Promise<ConfigDraft>;
  updateDraft(id: string, document: ConfigDocument, author: string): Promise<ConfigDraft>;
  getDraft(id: string): Promise<ConfigDraft>;
  /** every draft, newest first, without their documents */
  listDrafts(): Promise<Omit<ConfigDraft, 'document'>[]>;
  deleteDraft(id: string, author: string): Promise<void>;
  /** every problem with its path, as at start; empty when the draft is valid */
  validateDraft(id: string): Promise<Detail[]>;
  /** what publishing the subject would change in the live version's document */
  diff(subject: DiffSubject): Promise<DiffEntry[]>;
  /**
   * Publish a draft as the next version and make it live, in one transaction; the draft is then
   * gone. Refused with DRAFT_INVALID (and its problems) when invalid, DRAFT_STALE when another
   * version went live since the draft was made, unless `force`.
   */
  publish(draftId: string, author: string, comment: string, opts?: PublishOptions): Promise<ConfigVersion>;
  /** publish version `n`'s document again, as a new version */
  rollback(n: number, author: string, comment: string, opts?: Pick<PublishOptions, 'check'>): Promise<ConfigVersion>;
  /** newest first */
  audit(limit: number): Promise<AuditRow[]>;
  /** publish `document` as version 1 when nothing was ever published; true when it did */
  seedIfEmpty(document: ConfigDocument, author: string): Promise<boolean>;
}
