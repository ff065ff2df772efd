import type { Runtime } from '../config/runtime.js';
import type { AcceptStore } from '../store/store.js';
import { decayed, recorded, type AcceptRecord, type PostOutcome } from '../store/accept-record.js';

const ALL = '*';

/**
 * Each buyer's chance of accepting a post, learned from Gavel's own post outcomes: written to
 * the store as they happen (so every process learns from all), read back by each process every
 * `refresh` into a local table, so ranking by expected value costs no store call. A buyer's
 * chance for a grade leans on its chance over all grades until the grade has posts of its own,
 * and that on the configured prior until the buyer has posts at all.
 */
export class AcceptRates {
  private readonly table = new Map<string, Map<string, AcceptRecord>>();
  private timer: NodeJS.Timeout | null = null;
  private readonly settings: Runtime['acceptRate'];

  constructor(
    runtime: Runtime,
    private readonly store: AcceptStore,
    /** the buyers whose chances ranking reads (more are added by `track`) */
    buyers: readonly string[],
    private readonly onError: (op: string) => void,
  ) {
    this.settings = runtime.acceptRate;
    this.buyers = new Set(buyers);
  }

  private readonly buyers: Set<string>;
  private started = false;

  start(): void {
    this.started = true;
    if (this.buyers.size === 0 || this.timer !== null) return;
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.settings.refreshMs);
    this.timer.unref();
  }

  /**
   * Buyers a configuration swap ranks by expected value that were not tracked yet: read from the
   * store from now on like those known at start. Until their records are read, and while they
   * have none, their chance is the prior, as it is for a buyer known at start with no posts.
   */
  track(buyers: Iterable<string>): void {
    const added = [...buyers].filter((b) => !this.buyers.has(b));
    if (added.length === 0) return;
    for (const b of added) this.buyers.add(b);
    if (!this.started) return;
    if (this.timer === null) this.start();
    else void this.refresh(added);
  }

  /** the buyers whose records are read back from the store */
  get tracked(): ReadonlySet<string> {
    return this.buyers;
  }

  /** Read what every process recorded; a store that fails keeps the table as it was. */
  async refresh(buyers: Iterable<string> = this.buyers): Promise<void> {
    await Promise.all(
      [...buyers].map((b) =>
        this.store.acceptRecords(b).then(
          (records) => void this.table.set(b, records),
          () => this.onError('accept_rates'),
        ),
      ),
    );
  }

  /** P(the buyer accepts a post of a lead of this grade), now; grade null: the lead was not scored. */
  chance(buyer: string, grade: string | null, now: number): number {
    const { prior, priorWeight: w, halfLifeMs } = this.settings;
    const records = this.table.get(buyer);
    const rate = (r: AcceptRecord | undefined, base: number) => {
      if (r === undefined) return base;
      const d = decayed(r, now, halfLifeMs);
      return (d.accepts + w * base) / (d.posts + w);
    };
    const all = rate(records?.get(ALL), prior);
    return grade === null ? all : rate(records?.get(grade), all);
  }

  /** A post's outcome (or a return): in the local table at once, and in the store for every process. */
  record(buyer: string, grade: string | null, outcome: PostOutcome, now: number): Promise<void> {
    const grades = grade === null ? [ALL] : [grade, ALL];
    let records = this.table.get(buyer);
    if (records === undefined) this.table.set(buyer, (records = new Map()));
    for (const g of grades) records.set(g, recorded(records.get(g), outcome, now, this.settings.halfLifeMs));
    return this.store.recordPostOutcome(buyer, grades, outcome, now, this.settings.halfLifeMs).catch(() => this.onError('accept_rate'));
  }

  close(): void {
    this.started = false;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
