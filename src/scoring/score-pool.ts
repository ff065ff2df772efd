import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Piscina } from 'piscina';
import { ROOT } from '../core/paths.js';
import type { ScoreBatchResult, ScoreTask } from './score-batch.js';
import type { Grade, Scoring, ScoringPool } from './scoring-schema.js';

export type ScoreOutcome =
  | { kind: 'scored'; score: number; grade: Grade }
  /** saturated: the pool's queue was full; error: the worker failed; late: not back when the auction had to go on */
  | { kind: 'unscored'; reason: 'saturated' | 'error' | 'late' };

/** One lead's score on its way: `result` is set the moment it is known. */
export class ScoreTicket {
  result: ScoreOutcome | undefined;
  private resolve!: (o: ScoreOutcome) => void;
  readonly done = new Promise<ScoreOutcome>((r) => (this.resolve = r));
  constructor(
    readonly campaign: string,
    readonly startedAt: number,
  ) {}

  settle(outcome: ScoreOutcome): void {
    if (this.result !== undefined) return;
    this.result = outcome;
    this.resolve(outcome);
  }

  /** The score, waiting for it no later than `by` (performance.now() ms); past it, the auction goes on without. */
  by(by: number): ScoreOutcome | Promise<ScoreOutcome> {
    if (this.result !== undefined) return this.result;
    const wait = by - performance.now();
    if (wait <= 0) return { kind: 'unscored', reason: 'late' };
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ kind: 'unscored', reason: 'late' }), wait);
      void this.done.then((o) => {
        clearTimeout(timer);
        resolve(o);
      });
    });
  }
}

/** The built worker: tests and the server both run dist/ (tsc compiles workers/ with src/). */
export const SCORE_WORKER = join(ROOT, 'dist', 'workers', 'score-leads.js');

/**
 * The scoring pool: leads are gathered into batches (up to batch_size, or until batch_window_ms
 * after the first, or the end of this event-loop turn) and each batch is one message to a
 * worker thread, so thread messaging is paid per batch. Threads are started warm and kept.
 * A batch the pool cannot queue is not sent: its leads go unscored at once (saturated).
 */
export class ScorePool {
  private readonly pool: Piscina<ScoreTask, ScoreBatchResult>;
  private campaigns: string[] = [];
  private leads: Record<string, unknown>[] = [];
  private tickets: ScoreTicket[] = [];
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null;

  constructor(
    scoring: Readonly<Record<string, Scoring>>,
    private readonly settings: ScoringPool,
    private readonly onBatch: (size: number) => void = () => undefined,
    /** the worker's file: the built one but in tests of a worker that cannot load */
    worker: string = SCORE_WORKER,
  ) {
    this.pool = new Piscina({
      filename: worker,
      workerData: scoring,
      minThreads: settings.threads,
      maxThreads: settings.threads,
      idleTimeout: 60_000,
      maxQueue: settings.max_queue,
    });
  }

  score(campaign: string, lead: Record<string, unknown>): ScoreTicket {
    const ticket = new ScoreTicket(campaign, performance.now());
    this.campaigns.push(campaign);
    this.leads.push(lead);
    this.tickets.push(ticket);
    if (this.tickets.length >= this.settings.batch_size) this.flush();
    else if (this.timer === null) {
      const window = this.settings.batch_window_ms;
      this.timer = window > 0 ? setTimeout(() => this.flush(), window) : setImmediate(() => this.flush());
    }
    return ticket;
  }

  private flush(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
      this.timer = null;
    }
    const tickets = this.tickets;
    if (tickets.length === 0) return;
    const task: ScoreTask = { campaigns: this.campaigns, leads: this.leads };
    this.campaigns = [];
    this.leads = [];
    this.tickets = [];
    if (this.pool.queueSize >= this.settings.max_queue) return unscored(tickets, 'saturated');
    this.onBatch(tickets.length);
    this.pool.run(task).then(
      (r) => {
        for (let i = 0; i < tickets.length; i++) {
          const grade = r.grades[i] as Grade | '-';
          tickets[i]!.settle(grade === '-' ? { kind: 'unscored', reason: 'error' } : { kind: 'scored', score: r.scores[i]!, grade });
        }
      },
      (e: Error) => unscored(tickets, e.message === 'Task queue is at limit' ? 'saturated' : 'error'),
    );
  }

  /**
   * Start every thread and have it compile its scorers before traffic: a cold thread takes
   * hundreds of milliseconds to load, and every lead of that time would go unscored (late).
   */
  async warm(): Promise<void> {
    const empty: ScoreTask = { campaigns: [], leads: [] };
    await Promise.all(Array.from({ length: this.settings.threads }, () => this.pool.run(empty)));
  }

  /** batches waiting for a thread */
  get queued(): number {
    return this.pool.queueSize;
  }

  async close(): Promise<void> {
    this.flush();
    await this.pool.destroy();
  }
}

function unscored(tickets: readonly ScoreTicket[], reason: 'saturated' | 'error'): void {
  for (const t of tickets) t.settle({ kind: 'unscored', reason });
}
