import { Config } from '../../src/config/schema.js';
import { GRADES } from '../../src/scoring/scoring-schema.js';
import { loadPlan, loadTable, ms, ratio, runNotes, sectionHead, share, type ExtraColumns, type PartFigures, type RunInfo } from './load-table.js';
import type { ScoreCount } from '../scenarios/scenario.js';
import { describeBenchScoring, type ScoringCostRun, type ScoringCostSettings } from '../scenarios/scoring-cost.js';

/** The `scoring` part: the cost per lead, then Gavel's auctions with scoring off and on. */
export interface ScoringFigures {
  cost: { settings: ScoringCostSettings; runs: ScoringCostRun[] };
  auctions: PartFigures;
}

const UNSCORED = ['late', 'saturated', 'error'] as const;

function costTable(runs: readonly ScoringCostRun[]): string[] {
  const lines = [
    '| scoring | leads/s | wall µs per lead | main-thread µs per lead | batch round trip p50 ms | p99 ms |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of runs) {
    const per = `${Math.round(r.leadsPerSecond)} | ${r.wallMicrosPerLead.toFixed(2)} | ${r.mainMicrosPerLead.toFixed(2)}`;
    lines.push(
      r.batchSize === 0
        ? `| on the calling thread, no pool | ${per} | — | — |`
        : `| pool, batches of ${r.batchSize} | ${per} | ${r.batchP50Ms.toFixed(3)} | ${r.batchP99Ms.toFixed(3)} |`,
    );
  }
  const base = runs.find((r) => r.batchSize === 0);
  if (base !== undefined) {
    lines.push(
      '',
      `The work itself is ${base.wallMicrosPerLead.toFixed(2)} µs a lead; through the pool the thread that runs the auctions pays ` +
        runs
          .filter((r) => r.batchSize > 0)
          .map((r) => `${r.mainMicrosPerLead.toFixed(2)} µs (${ratio(r.mainMicrosPerLead, base.mainMicrosPerLead)}×) at batches of ${r.batchSize}`)
          .join(', ') +
        '.',
    );
  }
  return lines;
}

/** Scored and unscored leads of the run: "12 / 4860 (0.25%)" scored, "0 / 3 / 0" late / saturated / error; dashes where the auctions waited for no score. */
function scoredCells(c: ScoreCount): [string, string] {
  const scored = GRADES.reduce((sum, g) => sum + (c.outcomes[g] ?? 0), 0);
  const unscored = UNSCORED.map((o) => c.outcomes[o] ?? 0);
  const all = unscored.reduce((sum, n) => sum + n, scored);
  return all === 0 ? ['—', '—'] : [share(scored, all), unscored.join(' / ')];
}

/** Columns of Gavel's own count of the run: scored, unscored by why, the pool's batches, late answers. */
const SCORE_COLUMNS: ExtraColumns = {
  headers: ['p99 vs no scoring', 'max ms', 'leads scored', 'unscored late / saturated / error', 'mean batch', 'answers after tmax (Gavel)'],
  cells(row, base) {
    const c = row.scores;
    const x = row.result;
    const counted =
      c === undefined ? ['-', '-', '-', '-'] : [...scoredCells(c), c.batches === 0 ? '—' : (c.batchedLeads / c.batches).toFixed(2), share(c.lateAnswers, c.answers)];
    return [ratio(x.p99, base?.result.p99), ms(x.max), ...counted];
  },
};

/** The `scoring` part of the report. */
export function scoringSection(f: ScoringFigures, run: RunInfo): string[] {
  const s = f.cost.settings;
  const pool = Config.shape.scoring_pool.parse(undefined);
  return [
    ...sectionHead("Lead scoring: the cost per lead, and Gavel's auctions with scoring off and on", run),
    `Scoring: ${describeBenchScoring(s)} (a synthetic, seeded XGBoost JSON dump over the demo campaign's ping fields and the rules' share), ` +
      `${s.leads} distinct demo leads a row, measured in the bench process before any other process of the bench starts. ` +
      '"On the calling thread" is scoreBatch, the worker\'s whole job, called directly: the work. The pool rows go through ScorePool as Gavel ' +
      `uses it (one worker thread, batch_window_ms 0, batch_size the row's), ${s.inFlight} batches in flight; "wall" is the pool's throughput, ` +
      '"main-thread" the event loop\'s busy time (event loop utilisation) per lead: what scoring takes from the thread that runs the auctions ' +
      '(batching, Piscina\'s messaging, the structured clone of each batch, settling each lead\'s promise); the round trip is from a batch\'s first lead given to its last score back.',
    '',
    ...costTable(f.cost.runs),
    '',
    "Gavel's auctions, one row per server and load level:",
    '',
    '- server: Gavel (`node dist/src/main.js`) in its own process on the real Redis, a key prefix of its own per row, dropped after; ' +
      "the demo campaign, a distinct lead per ping, tmax_ms 150; \"no scoring\" has no `scoring` on the campaign (demo.yaml's own is left out), " +
      `the others score with the model above, scoring_pool at its defaults (threads ${pool.threads}, max_queue ${pool.max_queue}, ` +
      `batch_size ${pool.batch_size}, batch_window_ms ${pool.batch_window_ms}); the last ranks by expected value, and since the bench sends ` +
      "no posts every buyer's chance is the prior: it pays the ranking's work and changes no winner",
    `- load: autocannon, latency measured at the client; ${loadPlan(run.load)}`,
    `- buyers: ${f.auctions.buyers}`,
    "- Gavel CPU: user + system time of Gavel's whole process (its scoring thread included) over the run, per 2xx ping; " +
      '"vs no scoring" is the ratio to the no-scoring row at the same load, in the same run',
    "- from Gavel's /metrics over the run: leads scored, of the leads whose score an auction joined (gavel_scores_total by grade); " +
      'unscored: late (not back when the auction ranked), saturated (the pool\'s queue full), error; mean batch: gavel_score_batch_size; ' +
      'answers after tmax: gavel_late_answers_total of gavel_pings_total, which must stay 0',
    '',
    ...loadTable(f.auctions, run.load, { baseline: 'no scoring', cpu: 'Gavel' }, SCORE_COLUMNS),
    ...runNotes(f.auctions),
  ];
}
