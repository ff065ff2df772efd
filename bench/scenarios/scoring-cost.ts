import { performance } from 'node:perf_hooks';
import { compileCampaignScorers, scoreBatch } from '../../src/scoring/score-batch.js';
import { ScorePool } from '../../src/scoring/score-pool.js';
import { Scoring, type ScoringInput } from '../../src/scoring/scoring-schema.js';
import { pingLead } from '../support/leads.js';
import { percentile } from '../support/percentiles.js';
import { writeSyntheticXgboostDump } from '../support/synthetic-trees.js';

export interface ScoringCostSettings {
  /** leads scored per batch size */
  leads: number;
  batchSizes: number[];
  /** batches kept in flight to the pool */
  inFlight: number;
  trees: number;
  depth: number;
}

export interface ScoringCostRun {
  /** 0: scoreBatch called on this thread, no pool (the work itself) */
  batchSize: number;
  leadsPerSecond: number;
  /** wall time per lead with `inFlight` batches out */
  wallMicrosPerLead: number;
  /** main-thread busy time per lead (event loop utilisation): what scoring costs the auctions' thread */
  mainMicrosPerLead: number;
  /** from a batch's first lead submitted to its last score back */
  batchP50Ms: number;
  batchP99Ms: number;
}

/** Rules over each of the demo campaign's ping fields, one with negative points. */
const RULES: NonNullable<ScoringInput['rules']> = [
  { field: 'age', min: 25, max: 60, points: 20 },
  { field: 'state', in: ['CA', 'TX', 'FL'], points: 10 },
  { field: 'vehicle_year', min: 2015, points: 10 },
  { field: 'zip', matches: '^9', points: 5 },
  { field: 'age', max: 21, points: -10 },
];

/**
 * A scoring config like a real campaign's, as a config file gives it: five rules and a tree
 * ensemble that reads them too, its dump in a temporary file (absolute path, so a Gavel process
 * on this machine reads it wherever its own config file is).
 */
export function benchScoringInput(trees: number, depth: number): ScoringInput {
  const model = writeSyntheticXgboostDump(trees, depth);
  return { rules: [...RULES], model: { type: 'trees', file: model.file, features: model.features } };
}

/** "5 rules + 100 trees of depth 6": what benchScoringInput scores with, for the report. */
export function describeBenchScoring(s: { trees: number; depth: number }): string {
  return `${RULES.length} rules + ${s.trees} trees of depth ${s.depth}`;
}

/** The same, parsed (the dump read), as the worker pool is given it. */
export function benchScoring(trees: number, depth: number): Scoring {
  return Scoring.parse(benchScoringInput(trees, depth));
}

/**
 * What scoring costs per lead: first the work itself on this thread, then through the worker
 * pool (one thread, as a 2-core box runs it) at each batch size, `inFlight` batches out at once.
 */
export async function measureScoringCost(s: ScoringCostSettings): Promise<ScoringCostRun[]> {
  const scoring = { auto: benchScoring(s.trees, s.depth) };
  const leads = Array.from({ length: s.leads }, (_, i) => pingLead(i) as unknown as Record<string, unknown>);
  const runs: ScoringCostRun[] = [];

  const scorers = compileCampaignScorers(scoring);
  const campaigns = leads.map(() => 'auto');
  // a whole pass first, so the timed one runs optimised code; its scores check the pool's below
  const expected = scoreBatch(scorers, { campaigns, leads }).scores;
  const t0 = performance.now();
  scoreBatch(scorers, { campaigns, leads });
  const inThread = ((performance.now() - t0) * 1000) / s.leads;
  runs.push({ batchSize: 0, leadsPerSecond: 1e6 / inThread, wallMicrosPerLead: inThread, mainMicrosPerLead: inThread, batchP50Ms: 0, batchP99Ms: 0 });

  for (const size of s.batchSizes) {
    const pool = new ScorePool(scoring, { threads: 1, max_queue: 100_000, batch_size: size, batch_window_ms: 0 });
    try {
      const batch = async (from: number, check = false): Promise<number> => {
        const started = performance.now();
        const tickets = [];
        for (let i = from; i < from + size; i++) tickets.push(pool.score('auto', leads[i % leads.length]!));
        const outcomes = await Promise.all(tickets.map((t) => t.done));
        if (outcomes.some((o) => o.kind !== 'scored')) throw new Error(`scoring bench: a lead went unscored at batch size ${size}`);
        // the worker must have done the same work as this thread, or the rows compare nothing
        if (check && outcomes.some((o, i) => o.kind === 'scored' && o.score !== expected[(from + i) % leads.length])) {
          throw new Error(`scoring bench: the pool's scores differ from the calling thread's at batch size ${size}`);
        }
        return performance.now() - started;
      };
      await Promise.all(Array.from({ length: 50 }, (_, i) => batch(i * size, true))); // threads up, JIT warm, scores checked
      const times: number[] = [];
      let next = 0;
      const elu0 = performance.eventLoopUtilization();
      const w0 = performance.now();
      const lane = async () => {
        while (next < s.leads) {
          const from = next;
          next += size;
          times.push(await batch(from));
        }
      };
      await Promise.all(Array.from({ length: s.inFlight }, lane));
      const wallMs = performance.now() - w0;
      const elu = performance.eventLoopUtilization(elu0);
      const scored = times.length * size;
      runs.push({
        batchSize: size,
        leadsPerSecond: (scored / wallMs) * 1000,
        wallMicrosPerLead: (wallMs * 1000) / scored,
        mainMicrosPerLead: (elu.active * 1000) / scored,
        batchP50Ms: percentile(times, 0.5),
        batchP99Ms: percentile(times, 0.99),
      });
    } finally {
      await pool.close();
    }
  }
  return runs;
}
