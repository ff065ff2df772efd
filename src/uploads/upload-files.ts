import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UploadFormat } from './upload-rows.js';
import type { OutcomeCounts } from './upload-outcomes.js';

export type UploadState = 'queued' | 'running' | 'done';

/** What an upload is: written once when it is received, and again when it is done. */
export interface UploadMeta {
  id: string;
  seller: string;
  campaign: string;
  format: UploadFormat;
  /** given to every row's envelope */
  sub_id?: string;
  test: boolean;
  bytes: number;
  created_at: string;
  state: UploadState;
  finished_at?: string;
}

/** Where a running upload is: written by the process that runs it, read by the others. */
export interface UploadProgress extends OutcomeCounts {
  state: UploadState;
  /** rows read from the file so far (all of them once done) */
  rows_read: number;
  updated_at: string;
}

/** An upload's id: `up_` and 16 random URL-safe characters, so it can name its own directory. */
export const UPLOAD_ID = /^up_[A-Za-z0-9_-]{16}$/;

export const newUploadId = (): string => `up_${randomBytes(12).toString('base64url')}`;

/**
 * The directory of uploads: `server.uploads.dir`, or one under the system's temp dir named for
 * the store (`scope`: `embedded`, or a digest of the Redis and its prefix), so two exchanges on one
 * machine never run each other's uploads, while the processes of one exchange share theirs.
 */
export function uploadsRoot(dir: string | undefined, scope: string): string {
  return dir ?? join(tmpdir(), `gavel-uploads-${scope}`);
}

/**
 * The files of one upload, in a directory of its own: `source` (the file as sent), `meta.json`,
 * `results.csv` (one line per row done, in row order: the truth of how far it went),
 * `progress.json` (counts for other processes to read) and `running` (the rows whose calls had
 * started and not ended: which rows were running when a process died).
 */
export class UploadFiles {
  constructor(readonly root: string) {}

  dirOf(id: string): string {
    return join(this.root, id);
  }
  source(id: string): string {
    return join(this.root, id, 'source');
  }
  results(id: string): string {
    return join(this.root, id, 'results.csv');
  }
  running(id: string): string {
    return join(this.root, id, 'running');
  }

  /** a body being received, before it is judged: beside the uploads, never listed as one */
  incoming(id: string): string {
    return join(this.root, `.incoming-${id}`);
  }

  /** an upload refused or cut short: its body and its directory, if made */
  async discard(id: string): Promise<void> {
    await rm(this.incoming(id), { force: true });
    await this.remove(id);
  }

  async make(id: string): Promise<void> {
    await mkdir(this.dirOf(id), { recursive: true });
  }

  async writeMeta(meta: UploadMeta): Promise<void> {
    await writeJson(join(this.root, meta.id, 'meta.json'), meta);
  }

  async readMeta(id: string): Promise<UploadMeta | null> {
    return readJson<UploadMeta>(join(this.root, id, 'meta.json'));
  }

  async writeProgress(id: string, p: UploadProgress): Promise<void> {
    await writeJson(join(this.root, id, 'progress.json'), p);
  }

  async readProgress(id: string): Promise<UploadProgress | null> {
    return readJson<UploadProgress>(join(this.root, id, 'progress.json'));
  }

  /** Every upload with its meta; a directory without one (a receipt cut short) is listed with null. */
  async list(): Promise<{ id: string; meta: UploadMeta | null; mtimeMs: number }[]> {
    const names = await readdir(this.root).catch(() => [] as string[]);
    const out: { id: string; meta: UploadMeta | null; mtimeMs: number }[] = [];
    for (const id of names) {
      if (!UPLOAD_ID.test(id)) continue;
      const info = await stat(this.dirOf(id)).catch(() => null);
      if (info === null) continue;
      out.push({ id, meta: await this.readMeta(id), mtimeMs: info.mtimeMs });
    }
    return out;
  }

  /** Bodies whose receipt a crash cut short, older than `ms`: removed. */
  async removeStaleIncoming(ms: number): Promise<void> {
    const names = await readdir(this.root).catch(() => [] as string[]);
    for (const name of names) {
      if (!name.startsWith('.incoming-')) continue;
      const path = join(this.root, name);
      const info = await stat(path).catch(() => null);
      if (info !== null && Date.now() - info.mtimeMs > ms) await rm(path, { force: true });
    }
  }

  async remove(id: string): Promise<void> {
    await rm(this.dirOf(id), { recursive: true, force: true });
  }
}

/** Written whole or not at all: a reader (another process) never sees half a file. */
async function writeJson(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, JSON.stringify(value));
  await rename(tmp, path);
}

async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return null;
  }
}
