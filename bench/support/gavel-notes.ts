import type { DeadlineCount, ScoreCount } from '../scenarios/scenario.js';
import { EVENT_LOOP_MONITORING_PRECISION_MS, MS_PER_SECOND } from '../../src/telemetry/metrics.js';
import { bucketQuantile, sumOf, type Sample } from './prom-text.js';

/**
 * prom-client samples the event loop delay with a timer of Gavel's monitoring period, and each
 * sample includes the period: an idle loop reads about that much. The lag a timer suffers is
 * what is above it. (Until the bench read the period from Gavel, it took 10 ms off after the period
 * had become 100 ms: its lag p99s from then read about 90 ms high.)
 */
const LAG_SAMPLING_MS = EVENT_LOOP_MONITORING_PRECISION_MS;

function pct(part: number, whole: number): string {
  return whole === 0 ? '0%' : `${((100 * part) / whole).toFixed(part === whole || part === 0 ? 0 : 2)}%`;
}

function delta(before: readonly Sample[], after: readonly Sample[], name: string, match: Record<string, string> = {}): number {
  return sumOf(after, name, match) - sumOf(before, name, match);
}

/** The event loop lag p99 a scrape reports, ms: prom-client's reading covers the time since the scrape before. */
export function eventLoopLagP99Ms(scrape: readonly Sample[]): number {
  return Math.max(0, 1000 * sumOf(scrape, 'nodejs_eventloop_lag_p99_seconds') - LAG_SAMPLING_MS);
}

/** Gavel's own count of the run between two scrapes: answers, late answers, settle p99. */
export function deadlineCount(before: readonly Sample[], after: readonly Sample[], marginMs: number): DeadlineCount {
  return {
    marginMs,
    answers: delta(before, after, 'gavel_pings_total'),
    late: delta(before, after, 'gavel_late_answers_total'),
    settleP99: bucketQuantile(before, after, 'gavel_settle_duration_seconds', 0.99, MS_PER_SECOND),
  };
}

/** Each value of `label` on `name` with its count between two scrapes; values seen only before (in a warm-up) are left out. */
function countedBy(before: readonly Sample[], after: readonly Sample[], name: string, label: string): [string, number][] {
  const values = [...new Set(after.filter((s) => s.name === name).map((s) => s.labels[label]!))];
  return values.map((v): [string, number] => [v, delta(before, after, name, { [label]: v })]).filter(([, n]) => n > 0);
}

/** Gavel's count of its scoring between two scrapes: outcomes, batches, and the answers' deadline. */
export function scoreCount(before: readonly Sample[], after: readonly Sample[]): ScoreCount {
  return {
    answers: delta(before, after, 'gavel_pings_total'),
    lateAnswers: delta(before, after, 'gavel_late_answers_total'),
    outcomes: Object.fromEntries(countedBy(before, after, 'gavel_scores_total', 'outcome')),
    batches: delta(before, after, 'gavel_score_batch_size_count'),
    batchedLeads: delta(before, after, 'gavel_score_batch_size_sum'),
  };
}

/** What Gavel's own metrics say of the run between two scrapes. */
export function gavelNotes(before: readonly Sample[], after: readonly Sample[], lagP99Ms: number): string[] {
  const d = (name: string, match: Record<string, string> = {}) => delta(before, after, name, match);
  const pings = d('gavel_pings_total');
  const counted = (name: string, label: string) => countedBy(before, after, name, label);
  const mix = counted('gavel_pings_total', 'outcome').map(([o, n]) => `${o} ${pct(n, pings)}`);
  const passes = counted('gavel_buyer_passes_total', 'kind').map(([k, n]) => `${k} ${n}`);
  const meanOf = (histogram: string, scale = 1) => ((scale * d(`${histogram}_sum`)) / Math.max(1, d(`${histogram}_count`))).toFixed(2);
  // grades A to D first, then the reasons a lead went unscored
  const scores = counted('gavel_scores_total', 'outcome')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([o, n]) => `${o} ${n}`);
  // only where a campaign scores its leads: the other runs have nothing to say of it
  const scoring = scores.length === 0 ? [] : [`scores by outcome (gavel_scores_total): ${scores.join(', ')}; leads per batch to the pool (gavel_score_batch_size): mean ${meanOf('gavel_score_batch_size')}`];
  return [
    `answers Gavel wrote (gavel_pings_total, errors included): ${pings}, ${mix.join(', ') || 'none'}`,
    `buyer passes by kind: ${passes.join(', ') || 'none'} (of ${d('gavel_buyer_ping_duration_seconds_count')} buyer pings); buyer timeouts: ${d('gavel_buyer_timeouts_total')}`,
    `store errors: ${d('gavel_store_errors_total')}; answers later than tmax (gavel_late_answers_total): ${d('gavel_late_answers_total')}`,
    `Gavel's own means: auction ${meanOf('gavel_auction_duration_seconds', MS_PER_SECOND)} ms, buyer reply ${meanOf('gavel_buyer_ping_duration_seconds', MS_PER_SECOND)} ms, ` +
      `settle (fan-out end to answer: rank, hold, save in Redis) ${meanOf('gavel_settle_duration_seconds', MS_PER_SECOND)} ms`,
    // what server.response_margin_ms must cover: the settle time plus the event loop's lag behind the auction timer
    `response margin check: settle p99 ${bucketQuantile(before, after, 'gavel_settle_duration_seconds', 0.99, MS_PER_SECOND)} ms, ` +
      `event loop lag p99 ${lagP99Ms.toFixed(2)} ms, auction p99 ${bucketQuantile(before, after, 'gavel_auction_duration_seconds', 0.99, MS_PER_SECOND)} ms`,
    ...scoring,
  ];
}
