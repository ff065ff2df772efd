import { GavelError } from '../core/codes.js';
import type { Logger } from '../telemetry/logger.js';
import type { ConfigBus, ProcessReport } from './config-bus.js';
import type { ConfigDocument, ConfigVersion, ConfigVersions } from './config-versions.js';

export interface ConfigControlOptions {
  versions: ConfigVersions;
  bus: ConfigBus;
  /** this process's id in the reports */
  processId: string;
  /** the version this process started on */
  startedOn: number;
  /** make a version live in this process (compile, rebuild, swap); rejects with what refuses it, nothing changed */
  apply: (version: ConfigVersion) => Promise<void>;
  /** throws RESTART_REQUIRED when a valid document could not go live in the running processes */
  swappable: (document: ConfigDocument) => void;
  /** the backstop: the live version is read this often even when no notice comes */
  pollMs: number;
  log: Logger;
}

/** What a publish answers: the version, and whether this process runs it already. */
export interface Published {
  version: ConfigVersion;
  /** true once this process runs it; every other process follows within a second */
  live_here: boolean;
}

/** a one-call change (a pause, a key) retries this often when another publish slips in between */
const CHANGE_ATTEMPTS = 3;

/**
 * Keeps this process on the live version and publishes for the admin API. A notice on the bus
 * makes it read the live version at once; a poll every `pollMs` reads it anyway, so a lost notice
 * delays a change by a poll, never loses it. Reads are one at a time: a notice that arrives while
 * one runs makes it read again when it ends. A version this process cannot take (a restart-only
 * change published with `restart`) is logged once and left: the process keeps the version it runs,
 * and its report shows the gap (`GET /v1/admin/processes`).
 */
export class ConfigControl {
  private running: number;
  private refused = 0;
  private reading: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly o: ConfigControlOptions) {
    this.running = o.startedOn;
  }

  get versions(): ConfigVersions {
    return this.o.versions;
  }

  /** the version this process runs */
  get version(): number {
    return this.running;
  }

  async start(): Promise<void> {
    if (this.o.versions.kind === 'file') return void (await this.report());
    await this.o.bus.listen(() => void this.follow());
    this.timer = setInterval(() => void this.follow(), this.o.pollMs);
    this.timer.unref();
    await this.report();
  }

  /** Read the live version and take it if it is new; resolves when this process runs what was live when it was called. */
  follow(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.reading !== null) {
      this.again = true;
      return this.reading;
    }
    this.reading = (async () => {
      do {
        this.again = false;
        await this.readOnce();
      } while (this.again && !this.closed);
    })().finally(() => (this.reading = null));
    return this.reading;
  }

  private async readOnce(): Promise<void> {
    try {
      const n = await this.o.versions.liveVersion();
      if (n !== 0 && n !== this.running && n !== this.refused) {
        const v = await this.o.versions.version(n);
        try {
          await this.o.apply(v);
          this.running = n;
        } catch (e) {
          this.refused = n;
          this.o.log.error({ err: e, config_version: n, running: this.running }, `configuration version ${n} cannot go live in this process; it stays on version ${this.running}`);
        }
      }
    } catch (e) {
      this.o.log.warn({ err: e }, 'could not read the live configuration version (will try again)');
    }
    await this.report();
  }

  private async report(): Promise<void> {
    await this.o.bus.report({ id: this.o.processId, version: this.running, at: Date.now() }).catch(() => undefined);
  }

  /** Publish a draft (checked for what would need a restart unless `restart`), tell every process, and take it here. */
  async publish(draftId: string, who: string, comment: string, opts: { force?: boolean; restart?: boolean } = {}): Promise<Published> {
    const v = await this.o.versions.publish(draftId, who, comment, { force: opts.force === true, ...(opts.restart ? {} : { check: this.o.swappable }) });
    return this.spread(v);
  }

  /** Publish version `n` again as a new version. */
  async rollback(n: number, who: string, comment: string, opts: { restart?: boolean } = {}): Promise<Published> {
    const v = await this.o.versions.rollback(n, who, comment, opts.restart ? {} : { check: this.o.swappable });
    return this.spread(v);
  }

  /**
   * One call that makes a new version of the live one (a pause, a key issued): `edit` gets a copy
   * of the live document and changes it in place. Another publish slipping in between makes it
   * start again from the new live version.
   */
  async change(who: string, comment: string, edit: (document: Record<string, unknown>) => void): Promise<Published> {
    for (let attempt = 1; ; attempt++) {
      const draft = await this.o.versions.createDraft(undefined, who);
      const document = structuredClone(draft.document) as Record<string, unknown>;
      try {
        edit(document);
        await this.o.versions.updateDraft(draft.id, document, who);
        return await this.publish(draft.id, who, comment);
      } catch (e) {
        await this.o.versions.deleteDraft(draft.id, who).catch(() => undefined);
        if (!(e instanceof GavelError && e.code === 'DRAFT_STALE') || attempt >= CHANGE_ATTEMPTS) throw e;
      }
    }
  }

  /** every process that reported within the last 5 s, and the version live in the store */
  async processes(): Promise<{ live: number; processes: ProcessReport[]; agree: boolean }> {
    const [live, processes] = await Promise.all([this.o.versions.liveVersion(), this.o.bus.processes(Date.now(), 5000)]);
    return { live, processes, agree: processes.every((p) => p.version === live) };
  }

  private async spread(v: ConfigVersion): Promise<Published> {
    await this.o.bus.announce(v.version).catch((e: unknown) => this.o.log.warn({ err: e, config_version: v.version }, 'could not announce the new version (every process still reads it within a second)'));
    await this.follow();
    return { version: v, live_here: this.running === v.version };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) clearInterval(this.timer);
    await this.reading;
    await this.o.bus.close();
  }
}
