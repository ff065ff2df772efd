import { workerData } from 'node:worker_threads';
import { compileCampaignScorers, scoreBatch, type ScoreBatchResult, type ScoreTask } from '../src/scoring/score-batch.js';
import type { Scoring } from '../src/scoring/scoring-schema.js';

/**
 * The Piscina worker that scores leads: each campaign's rules and model compiled once when the
 * thread starts (from workerData: campaign id -> scoring config, tree dumps included), then a
 * pure function of each batch. No I/O.
 */
const scorers = compileCampaignScorers(workerData as Record<string, Scoring>);

export default function scoreLeads(task: ScoreTask): ScoreBatchResult {
  return scoreBatch(scorers, task);
}
