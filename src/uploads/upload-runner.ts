import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, readFile, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sellerRuntime, type Runtime, type SellerRuntime } from '../config/runtime.js';
import type { RuntimeSource } from '../config/live-runtime.js';
import type { FieldSpec } from '../config/campaign-schema.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import { UploadFiles, type UploadMeta, type UploadProgress, type UploadState } from './upload-files.js';
import type { UploadLeases } from './upload-leases.js';
import { count, cutToLastLine, outcomeOf, readOutcomes, resultLine, retryable, type OutcomeCounts, type RowAnswer, type RowOutcome } from './upload-outcomes.js';
import { uploadRows, type UploadRow } from './upload-rows.js';

/** The one call an uploaded row makes: a seller's direct post (src/front/seller-calls.ts `run`). */
export interface RowCalls {
  run(seller: SellerRuntime, route: 'leads', raw: unknown, receivedAt: number, bytes: number, idempotencyKey?: string, queuedMs?: number, leadId?: string): Promise<RowAnswer>;
}

export interface UploadRunnerParts {
  calls: RowCalls;
  live: RuntimeSource;
  leases: UploadLeases;
  /**
   * the store keeps a call's idempotency record when a process dies (Redis): a row that was
   * running then is run again under its key, and gets its first run's answer or the gates' verdict
   * on a repeat. The embedded store loses it with the process: such a row is UPLOAD_INTERRUPTED
   */
  durableCalls: boolean;
  log: Logger;
  /** counts of rows' outcomes and retries; none: not counted (tests) */
  metrics?: Pick<Metrics, 'uploadRows' | 'uploadRetries'>;
}

export interface UploadSettings {
  rate: number;
  inFlight: number;
  keepMs: number;
  root: string;
}

/** a lease lapses this long after its holder last renewed it (it renews three times as often) */
const LEASE_MS = 10_000;
/** how often the directory is looked at for uploads no process runs (another's, or a dead one's) */
const POLL_MS = 2000;
/** progress.json is rewritten at most this often while an upload runs */
const PROGRESS_MS = 500;
/** a call refused for a passing reason (overload, the store away) is tried again after this, doubling */
const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 5000;
/** a body or a directory left without its meta (a receipt cut short by a crash) is removed after this */
const ORPHAN_MS = 24 * 3600_000;

/** A row's lead id, derived from its upload and row: a row run again is the same lead (its dedup claims, its A/B arm, its trace). */
export function rowLeadId(upload: string, row: number): string {
  const h = createHash('sha256').update(`${upload}:${row}`).digest('hex');
  // shaped as a UUID (version 8: custom), like every other lead id
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A row's idempotency key: the seller's own namespace, which a row run again shares with its first run. */
const rowKey = (upload: string, row: number): string => `upload ${upload} row ${row}`;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The sellers of a version by id, built once per version. */
const sellersOf = new WeakMap<Runtime, Map<string, SellerRuntime>>();
function sellerOf(runtime: Runtime, id: string): SellerRuntime | undefined {
  let byId = sellersOf.get(runtime);
  if (byId === undefined) {
    byId = new Map(runtime.data.sellers.map((s) => [s.id, sellerRuntime(s)]));
    sellersOf.set(runtime, byId);
  }
  return byId.get(id);
}

function fieldsOf(runtime: Runtime, campaign: string): Readonly<Record<string, FieldSpec>> {
  return runtime.data.campaigns.find((c) => c.id === campaign)?.fields ?? {};
}

/** The upload this process runs now, as far as it has gone. */
interface Job {
  meta: UploadMeta;
  counts: OutcomeCounts;
  rowsRead: number;
  state: UploadState;
}

/**
 * Runs uploaded files' rows in the background, one upload at a time per process, oldest first:
 * each row a direct post of the uploading seller through the same path as `POST /v1/leads`, at
 * `rate` rows a second with at most `inFlight` running, so the live calls keep their deadlines.
 *
 * What survives a process killed mid-way, and how it resumes (README, Uploads): the results file
 * holds one line per row done (so a restart starts after them, reading the file again as a stream);
 * the `running` file holds the rows whose calls had started and not ended. Such a row runs again
 * under its idempotency key when the store kept it, and is UPLOAD_INTERRUPTED when it did not; a
 * row is never sold twice and never left without an outcome.
 */
export class UploadRunner {
  readonly files: UploadFiles;
  /** this process, as the holder of upload leases */
  private readonly owner = randomUUID();
  private job: Job | null = null;
  private stopping = false;
  private loop: Promise<void> | null = null;
  private wakeLoop: (() => void) | null = null;

  constructor(
    private readonly parts: UploadRunnerParts,
    private readonly settings: UploadSettings,
  ) {
    this.files = new UploadFiles(settings.root);
    // once, at start: a seller's body is written here from its first byte (src/front/uploads-api.ts)
    mkdirSync(settings.root, { recursive: true });
  }

  /** Start running: uploads left by a process that stopped are resumed, new ones picked up as they come. */
  start(): void {
    this.loop ??= this.run().catch((e: unknown) => this.parts.log.error({ err: e }, 'the upload runner stopped on an error'));
  }

  /** A new upload is in the directory: look now rather than at the next poll. */
  kick(): void {
    this.wakeLoop?.();
  }

  /** Stop taking rows; the rows running finish and are recorded, and the upload's lease is given back for another process. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.kick();
    await this.loop;
  }

  /** The live progress of an upload this process runs now, or null. */
  running(id: string): UploadProgress | null {
    const j = this.job;
    if (j === null || j.meta.id !== id) return null;
    return progressOf(j);
  }

  /** this process runs the uploads of its directory (embedded store): known once checked */
  private ownsDirectory = false;
  private refusedOnce = false;

  /**
   * The embedded store's leases live in one process's memory: a second embedded Gavel on the same
   * directory would run the same uploads. The directory is this process's while its pid, written
   * there, is alive; another's is refused, loudly, once there is an upload to run. Checked only
   * then, so exchanges that never take uploads never hear of it.
   */
  private async ownDirectory(): Promise<boolean> {
    if (this.ownsDirectory) return true;
    const path = join(this.settings.root, '.embedded-owner');
    const pid = Number(await readFile(path, 'utf8').catch(() => ''));
    if (pid > 0 && pid !== process.pid && alive(pid)) {
      if (!this.refusedOnce) this.parts.log.error({ dir: this.settings.root, pid }, 'UPLOADS NOT RUN: another Gavel on the embedded store (pid above) runs the uploads of this directory; give each its own server.uploads.dir');
      this.refusedOnce = true;
      return false;
    }
    await writeFile(path, String(process.pid));
    this.ownsDirectory = true;
    return true;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const next = await this.pick().catch((e: unknown) => {
        this.parts.log.error({ err: e, dir: this.settings.root }, 'the uploads directory could not be read');
        return null;
      });
      if (next !== null) {
        await this.runUpload(next).catch(async (e: unknown) => {
          this.parts.log.error({ err: e, upload: next.id }, 'an upload stopped on an error: it is taken up again');
          // not at once: an error that persists (a full disk) would otherwise spin
          await sleep(POLL_MS);
        });
        continue;
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, POLL_MS);
        this.wakeLoop = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wakeLoop = null;
    }
  }

  /** The oldest upload not done whose lease this process takes; done ones past their keep time are removed. */
  private async pick(): Promise<UploadMeta | null> {
    const all = await this.files.list();
    await this.files.removeStaleIncoming(ORPHAN_MS);
    const now = Date.now();
    const open: UploadMeta[] = [];
    for (const { id, meta, mtimeMs } of all) {
      if (meta === null) {
        if (now - mtimeMs > ORPHAN_MS) await this.files.remove(id);
      } else if (meta.state !== 'done') {
        open.push(meta);
      } else if (meta.finished_at !== undefined && now - Date.parse(meta.finished_at) > this.settings.keepMs) {
        await this.files.remove(id);
      }
    }
    open.sort((a, b) => a.created_at.localeCompare(b.created_at));
    if (open.length > 0 && !this.parts.durableCalls && !(await this.ownDirectory())) return null;
    for (const meta of open) {
      if (this.stopping) return null;
      if (await this.parts.leases.take(meta.id, this.owner, LEASE_MS)) return meta;
    }
    return null;
  }

  private async runUpload(meta: UploadMeta): Promise<void> {
    const { files } = this;
    const { id } = meta;
    const resultsPath = files.results(id);
    await cutToLastLine(resultsPath);
    const { counts, done } = await doneSoFar(resultsPath);
    const wasRunning = new Set(await readRunning(files.running(id)));
    const job: Job = { meta, counts, rowsRead: 0, state: 'running' };
    this.job = job;
    if (meta.state !== 'running') {
      meta.state = 'running';
      await files.writeMeta(meta);
    }
    let lost = false;
    const renew = setInterval(() => {
      this.parts.leases.take(id, this.owner, LEASE_MS).then(
        (held) => {
          if (!held) lost = true;
        },
        // the store away: the lease may lapse; rows stop being taken until it answers again
        () => (lost = true),
      );
    }, LEASE_MS / 3);
    let progressAt = 0;
    const writeProgress = async (force: boolean) => {
      const now = performance.now();
      if (!force && now - progressAt < PROGRESS_MS) return;
      progressAt = now;
      await files.writeProgress(id, progressOf(job)).catch(() => undefined);
    };
    const results = await open(resultsPath, 'a');
    const running = await RunningRows.open(files.running(id), new Set([...wasRunning].filter((row) => !done.has(row))));
    const inFlight = new Set<Promise<void>>();
    let writes: Promise<unknown> = Promise.resolve();
    /** a row's outcome appended, then the row no longer counted as running */
    const record = (o: RowOutcome): Promise<void> => {
      const written = writes.then(async () => {
        await results.write(resultLine(o));
        count(job.counts, o);
        this.parts.metrics?.uploadRows.inc({ outcome: o.outcome });
        await running.remove(o.row);
      });
      writes = written.catch(() => undefined);
      return written;
    };
    const interval = 1000 / this.settings.rate;
    let nextAt = performance.now();
    let complete = false;
    try {
      const runtime = this.parts.live.current().runtime;
      complete = true;
      for await (const r of uploadRows(files.source(id), meta.format, fieldsOf(runtime, meta.campaign))) {
        job.rowsRead = r.row;
        if (done.has(r.row)) continue;
        if (this.stopping || lost) {
          complete = false;
          break;
        }
        if (r.problems !== undefined) {
          await record({ row: r.row, lead_id: rowLeadId(id, r.row), outcome: 'invalid', code: 'UPLOAD_BAD_ROW', problems: r.problems });
        } else if (wasRunning.has(r.row) && !this.parts.durableCalls) {
          await record({ row: r.row, lead_id: rowLeadId(id, r.row), outcome: 'rejected', code: 'UPLOAD_INTERRUPTED' });
        } else {
          while (inFlight.size >= this.settings.inFlight) await Promise.race(inFlight);
          const wait = nextAt - performance.now();
          if (wait > 1) await sleep(wait);
          nextAt = Math.max(nextAt, performance.now()) + interval;
          if (this.stopping || lost) {
            complete = false;
            break;
          }
          await running.add(r.row);
          const p: Promise<void> = this.runRow(meta, r, wasRunning.has(r.row)).then(
            (o) => (o === null ? running.remove(r.row) : record(o)),
          ).then(
            () => void inFlight.delete(p),
            (e: unknown) => {
              inFlight.delete(p);
              throw e;
            },
          );
          inFlight.add(p);
          // its failure (the disk) ends the upload at the next wait on the rows in flight, never as an unhandled rejection meanwhile
          p.catch(() => undefined);
        }
        void writeProgress(false);
      }
      await Promise.all(inFlight);
      await writes;
      // a row given up on while stopping has no outcome yet: the upload is not done
      if (complete) complete = job.counts.done >= job.rowsRead;
      if (complete) {
        job.state = 'done';
        meta.state = 'done';
        meta.finished_at = new Date().toISOString();
      }
    } finally {
      clearInterval(renew);
      await Promise.allSettled(inFlight);
      await writes;
      await results.close();
      await running.close();
      await writeProgress(true);
      if (job.state === 'done') await files.writeMeta(meta);
      this.job = null;
      await this.parts.leases.release(id, this.owner).catch(() => undefined);
    }
  }

  /**
   * One row's direct post; null when the process stops while the call is refused for a passing
   * reason (the row runs again later). `again`: the row was running when a process died.
   */
  private async runRow(meta: UploadMeta, r: UploadRow & { lead: Record<string, unknown> }, again: boolean): Promise<RowOutcome | null> {
    const leadId = rowLeadId(meta.id, r.row);
    const env: Record<string, unknown> = { campaign: meta.campaign, lead: r.lead, test: meta.test };
    if (meta.sub_id !== undefined) env.sub_id = meta.sub_id;
    const bytes = Buffer.byteLength(JSON.stringify(r.lead));
    let backoff = RETRY_FIRST_MS;
    for (;;) {
      const seller = sellerOf(this.parts.live.current().runtime, meta.seller);
      // the seller was removed from the configuration since: its rows are refused as its calls would be
      if (seller === undefined) return { row: r.row, lead_id: leadId, outcome: 'rejected', code: 'UNAUTHORIZED' };
      const result = await this.parts.calls.run(seller, 'leads', env, performance.now(), bytes, rowKey(meta.id, r.row), 0, leadId);
      if (!retryable(result)) {
        const o = outcomeOf(r.row, leadId, result);
        // its first run got past the gates before the process died, and may have sold it: the seller is told where to look
        if (again && (o.code === 'RESUBMITTED' || o.code === 'DUPLICATE')) o.problems = [{ path: '(row)', message: `this row was running when a process stopped and was run again: its first run may have sold it (GET /v1/leads/${leadId})` }];
        return o;
      }
      if (this.stopping) return null;
      this.parts.metrics?.uploadRetries.inc();
      await sleep(backoff);
      backoff = Math.min(RETRY_MAX_MS, backoff * 2);
    }
  }
}

/** Whether a process of this id runs (one of another user counts: it answers EPERM). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function progressOf(j: Job): UploadProgress {
  return { ...j.counts, rejected: { ...j.counts.rejected }, state: j.state, rows_read: Math.max(j.rowsRead, j.counts.done), updated_at: new Date().toISOString() };
}

/**
 * The rows done so far, from the results file: as a count up to the first row not done, and the
 * few done past it (rows run side by side end out of order), so what is held stays small however
 * long the file is.
 */
async function doneSoFar(path: string): Promise<{ counts: OutcomeCounts; done: { has(row: number): boolean } }> {
  const past = new Set<number>();
  let upTo = 0;
  const { counts } = await readOutcomes(path, (row) => {
    past.add(row);
    while (past.delete(upTo + 1)) upTo++;
  });
  return { counts, done: { has: (row) => row <= upTo || past.has(row) } };
}

/** The rows of the `running` file: those whose calls had started and not ended. */
async function readRunning(path: string): Promise<number[]> {
  const fh = await open(path, 'r').catch(() => null);
  if (fh === null) return [];
  try {
    const text = (await fh.readFile('utf8')).trim();
    return text === '' ? [] : text.split(/\s+/).map(Number).filter((n) => Number.isInteger(n) && n > 0);
  } finally {
    await fh.close();
  }
}

/**
 * The rows running now, kept on disk: rewritten in place before a row's call starts and after its
 * outcome is written, so a process killed at any point leaves the rows whose fate it did not record.
 * Rows found there at the start stay listed until they are settled.
 */
class RunningRows {
  private constructor(
    private readonly fh: FileHandle,
    private readonly rows: Set<number>,
  ) {}

  static async open(path: string, carried: ReadonlySet<number>): Promise<RunningRows> {
    const fh = await open(path, 'a+').then(async (f) => {
      await f.close();
      return open(path, 'r+');
    });
    const r = new RunningRows(fh, new Set(carried));
    r.width = (await fh.stat()).size;
    return r;
  }

  private chain: Promise<unknown> = Promise.resolve();
  /** the longest text written: a shorter one is padded to it with spaces, so no kill leaves a stale tail that reads as a row */
  private width = 0;

  private write(): Promise<void> {
    const text = `${[...this.rows].join(' ')}\n`;
    this.width = Math.max(this.width, text.length);
    const buf = Buffer.from(text.padEnd(this.width, ' '));
    const done = this.chain.then(async () => {
      await this.fh.write(buf, 0, buf.length, 0);
    });
    this.chain = done.catch(() => undefined);
    return done;
  }

  add(row: number): Promise<void> {
    this.rows.add(row);
    return this.write();
  }

  remove(row: number): Promise<void> {
    if (!this.rows.delete(row)) return Promise.resolve();
    return this.write();
  }

  async close(): Promise<void> {
    await this.chain;
    await this.fh.close();
  }
}
