import type { ScoringInput } from '../../src/scoring/scoring-schema.js';
import { startWithHttpBuyers } from './ping-5-buyers.js';
import type { Scenario, ScenarioResult } from './scenario.js';

/** The row the others are compared with. */
const NO_SCORING = 'no scoring';

/**
 * The `scoring` part's auctions: Gavel as in ping-5-buyers (the same HTTP buyers, Redis, load),
 * first with no scoring, then with `scoring` on its campaign, then the same ranking by expected
 * value. The bench sends pings only, no posts, so every buyer's accept chance stays at the
 * prior: the last row costs the ranking's work (a chance per bid, the accept table read back
 * every second) and changes no winner.
 */
export function scoringAuctions(scoring: ScoringInput, what: string): Scenario[] {
  return [
    { name: NO_SCORING, start: (ctx) => startWithHttpBuyers(ctx) },
    { name: `scoring: ${what}`, start: (ctx) => startWithHttpBuyers(ctx, { scoring }) },
    { name: 'the same scoring, rank_by expected_value', start: (ctx) => startWithHttpBuyers(ctx, { scoring, rank_by: 'expected_value' }) },
  ];
}

/**
 * What must hold of every row, by Gavel's own count: scoring never makes an answer late, and a
 * row scores leads exactly when its campaign has scoring (else the row measures something else).
 */
export function scoringProblems(row: ScenarioResult): string[] {
  const c = row.scores;
  if (c === undefined) return ['Gavel gave no count of its scoring'];
  const problems: string[] = [];
  if (c.lateAnswers > 0) problems.push(`${c.lateAnswers} of ${c.answers} answers written after their tmax (gavel_late_answers_total)`);
  if (row.name === NO_SCORING && c.batches > 0) problems.push(`${c.batchedLeads} leads went to the scoring pool with scoring off`);
  if (row.name !== NO_SCORING && c.batches === 0) problems.push('no lead went to the scoring pool: the campaign did not score');
  return problems;
}
