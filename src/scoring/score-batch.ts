import { compileLeadScorer, type LeadScorer } from './lead-scorer.js';
import type { Scoring } from './scoring-schema.js';

/** Leads bound for the pool, in parallel arrays: one message to a worker thread per batch. */
export interface ScoreTask {
  campaigns: string[];
  leads: Record<string, unknown>[];
}

/** Scores and grades of a batch, in its order: cheap to send back (one typed array, one string). */
export interface ScoreBatchResult {
  scores: Float64Array;
  /** one letter per lead */
  grades: string;
}

export type CampaignScorers = ReadonlyMap<string, LeadScorer>;

export function compileCampaignScorers(scoring: Readonly<Record<string, Scoring>>): CampaignScorers {
  return new Map(Object.entries(scoring).map(([id, s]) => [id, compileLeadScorer(s)]));
}

/** The worker's whole job, a pure function: a lead of a campaign with no scoring scores NaN, grade "-". */
export function scoreBatch(scorers: CampaignScorers, task: ScoreTask): ScoreBatchResult {
  const n = task.leads.length;
  const scores = new Float64Array(n);
  let grades = '';
  for (let i = 0; i < n; i++) {
    const scorer = scorers.get(task.campaigns[i]!);
    if (scorer === undefined) {
      scores[i] = NaN;
      grades += '-';
      continue;
    }
    const s = scorer(task.leads[i]!);
    scores[i] = s.score;
    grades += s.grade;
  }
  return { scores, grades };
}
