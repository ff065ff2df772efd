import type { ScorePools } from './auction/stage-parts.js';
import type { Runtime } from './config/runtime.js';
import type { ScorePool } from './scoring/score-pool.js';
import type { Scoring } from './scoring/scoring-schema.js';
import { SwapRefused } from './live-buyers.js';

/** Every campaign's scoring of a configuration, as the pool's threads take it (workerData). */
export function scoringOf(runtime: Runtime): Record<string, Scoring> {
  return Object.fromEntries([...runtime.campaigns.values()].flatMap((c) => (c.scoring === null ? [] : [[c.id, c.scoring]])));
}

/** A pool for these campaigns' scoring; its threads are not started yet. */
export type OpenPool = (scoring: Readonly<Record<string, Scoring>>) => ScorePool;

/** A pool made and warmed for a version not yet live: `commit` makes it that version's, `abandon` closes it. */
export interface PreparedScoring {
  /** the pool the version will score on: null when none of its campaigns scores leads */
  readonly pool: ScorePool | null;
  /** true when `pool` was made for this version (its scoring differs from the running one's) */
  readonly fresh: boolean;
  readonly shape: string;
}

/**
 * The scoring pool of each configuration version. A pool's threads load their campaigns' models
 * once, when they start, so a version whose scoring differs gets a pool of its own, built and
 * warmed off the hot path before the swap (`prepare`), and registered for that version's runtime
 * in the same synchronous step as the swap (`commit`). A lead reads the pool of the runtime it
 * runs on (`of`), so a lead running at a swap scores on its own version's pool; the replaced pool
 * is closed once no lead can still be using it (the grace the caller gives: the longest a lead runs).
 * A version whose scoring is the same as the running one's shares its pool: no thread restarts.
 */
export class LiveScoring implements ScorePools {
  private readonly pools = new WeakMap<Runtime, ScorePool | null>();
  private current: ScorePool | null;
  private shape: string;
  private readonly retired = new Set<ScorePool>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(
    runtime: Runtime,
    prepared: PreparedScoring,
    private readonly open: OpenPool,
  ) {
    this.current = prepared.pool;
    this.shape = prepared.shape;
    this.pools.set(runtime, prepared.pool);
  }

  /** At start: the first version's pool, its threads warm before the first lead. */
  static async start(runtime: Runtime, open: OpenPool): Promise<LiveScoring> {
    const prepared = await warmPool(scoringOf(runtime), open);
    return new LiveScoring(runtime, prepared, open);
  }

  /** the pool a lead of this runtime scores on; null: its version scores no campaign (or it is not one this process ran) */
  of(runtime: Runtime): ScorePool | null {
    return this.pools.get(runtime) ?? null;
  }

  /** the pool of the version live now (metrics, shutdown) */
  get live(): ScorePool | null {
    return this.current;
  }

  /**
   * Before a swap, off the hot path: the pool `next` will score on, its threads started and its
   * models loaded. The running pool when `next`'s scoring is the same. Throws SwapRefused,
   * the new pool closed, when its threads cannot load the models: nothing has changed then.
   */
  async prepare(next: Runtime): Promise<PreparedScoring> {
    const scoring = scoringOf(next);
    const shape = JSON.stringify(scoring);
    if (shape === this.shape) return { pool: this.current, fresh: false, shape };
    let prepared: PreparedScoring;
    try {
      prepared = await warmPool(scoring, this.open);
    } catch (e) {
      throw new SwapRefused(`this version cannot go live: ${(e as Error).message}`);
    }
    // the process began to stop while the threads loaded: no one would close this pool
    if (this.closed) {
      await prepared.pool?.close();
      throw new SwapRefused('this version cannot go live: the process is stopping');
    }
    return prepared;
  }

  /**
   * In the swap's synchronous step, before the runtime goes live: `next` scores on the prepared
   * pool from its first lead; the pool it replaces is closed after `graceMs`.
   */
  commit(next: Runtime, prepared: PreparedScoring, graceMs: number): void {
    this.pools.set(next, prepared.pool);
    if (!prepared.fresh) return;
    const old = this.current;
    this.current = prepared.pool;
    this.shape = prepared.shape;
    if (old === null) return;
    this.retired.add(old);
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.retired.delete(old);
      void old.close();
    }, graceMs);
    t.unref();
    this.timers.add(t);
  }

  /** A prepared pool whose swap did not happen after all. */
  async abandon(prepared: PreparedScoring): Promise<void> {
    if (prepared.fresh && prepared.pool !== null && prepared.pool !== this.current) await prepared.pool.close();
  }

  /** the pools retired by swaps and not closed yet (tests) */
  get retiring(): number {
    return this.retired.size;
  }

  private closed = false;

  /** At shutdown: the live pool and the retired ones still open. */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const all = [...this.retired, ...(this.current === null ? [] : [this.current])];
    this.retired.clear();
    await Promise.all(all.map((p) => p.close()));
  }
}

/** A pool for `scoring`, every thread started with its models compiled; closed again if they cannot load. */
async function warmPool(scoring: Record<string, Scoring>, open: OpenPool): Promise<PreparedScoring> {
  const shape = JSON.stringify(scoring);
  if (Object.keys(scoring).length === 0) return { pool: null, fresh: true, shape };
  const pool = open(scoring);
  try {
    await pool.warm();
  } catch (e) {
    await pool.close().catch(() => undefined);
    throw new Error(`the scoring pool's threads could not load the campaigns' models (${(e as Error).message})`);
  }
  return { pool, fresh: true, shape };
}
