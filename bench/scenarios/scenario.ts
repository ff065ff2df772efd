import type { BuyerBehaviour } from '../buyer-behaviour.js';
import type { MockBuyer } from '../buyer-fleet.js';
import type { FleetReading } from '../support/fleet-messages.js';
import type { Publishing } from '../support/config-publisher.js';
import type { LoadResult } from '../support/load.js';

/** One measured run: `connections` pings in flight at all times, for `durationS`. */
export interface LoadLevel {
  label: string;
  connections: number;
  durationS: number;
}

export interface LoadSettings {
  /** load before the first measured run of each server, not measured */
  warmupS: number;
  /** measured in this order against each server */
  levels: LoadLevel[];
}

/** What a scenario of `npm run bench` is given: the shared fleet (plus its own extra buyers) and the Redis. */
export interface ScenarioContext {
  buyers: readonly Omit<MockBuyer, 'counters'>[];
  redisUrl: string;
}

/** Gavel's own count of a run, from its metrics: its witness of invariant 5. */
export interface DeadlineCount {
  /** the server.response_margin_ms the server runs with */
  marginMs: number;
  /** ping answers Gavel counted (gavel_pings_total) */
  answers: number;
  /** of those, answers ready after received_at + tmax_ms (gavel_late_answers_total) */
  late: number;
  /** bucket bound of the settle p99 (gavel_settle_duration_seconds, shown in ms), e.g. "<= 5" */
  settleP99: string;
}

/** Gavel's count of its lead scoring over a run, from its metrics. */
export interface ScoreCount {
  /** ping answers Gavel wrote (gavel_pings_total), and of those, later than their tmax (gavel_late_answers_total) */
  answers: number;
  lateAnswers: number;
  /** auctions' scores by outcome (gavel_scores_total): a grade A to D, or late, saturated, error */
  outcomes: Record<string, number>;
  /** batches sent to the scoring pool, and the leads in them (gavel_score_batch_size) */
  batches: number;
  batchedLeads: number;
}

/** A server under test, started by its scenario; the runner drives the load. */
export interface Target {
  url: string;
  /** the server's process id, for reading its CPU from /proc without asking the server (absent for a server the bench did not start) */
  pid?: number;
  /** the headers of an HTTP seller's calls: Gavel's carry the seller's key, the baselines take none */
  headers: Record<string, string>;
  /** Gavel itself, read through its /metrics around each run; absent for a baseline */
  gavel?: boolean;
  /** where the server's /metrics is, when not at `url` (Gavel's operator listener) */
  metricsUrl?: string;
  /** the seller's API key, for a seller on the seller socket; absent when the server has no such socket */
  sellerKey?: string;
  /**
   * What the buyers this target brought along have seen (socket buyers dial the server, so they
   * start after it, with it); absent when the shared fleet's buyers are its buyers.
   */
  readBuyers?(): Promise<FleetReading>;
  /** a measured run starts now: take what `notes` and `deadline` compare against */
  mark(): Promise<void>;
  /** after a run: wait until the server has nothing in flight, so what the run started is counted in it */
  quiesce?(): Promise<void>;
  /** CPU time (user + system) the server process has used so far, seconds */
  cpuSeconds(): Promise<number>;
  /** the server process's peak resident memory so far, MB (a baseline's; Gavel's comes from its metrics) */
  peakRssMb?(): Promise<number>;
  /** what the reader of the table should know about the run since `mark` */
  notes(): Promise<string[]>;
  /** Gavel's count of answers and late answers since `mark`; servers without a deadline have none */
  deadline?(): Promise<DeadlineCount>;
  /** Gavel's count of its scoring since `mark`; servers that do not score have none */
  scores?(): Promise<ScoreCount>;
  /** a Gavel run with --publish-every: start publishing configuration versions as the measured run starts (stopped when it ends) */
  startPublishing?(): Publishing;
  /** stop the server; returns problems that make the figures suspect (a crash, errors it logged) */
  stop(): Promise<string[]>;
}

/**
 * The bench's one scenario model: a server under test, how the seller's calls reach it, and the
 * buyers it needs. The suite declares its scenarios in code (bench/scenarios/); a scenario file
 * (bench/scenario-files/) is turned into the same, one per server it measures.
 */
export interface Scenario {
  name: string;
  /** the seller's call: /v1/ping (the default) or /v1/leads, a direct post with the full lead */
  route?: 'ping' | 'leads';
  /**
   * Buyers only this scenario pings, started in the shared fleet process and given to it after
   * the shared ones. Scenarios may declare the same buyer (same id, same behaviour): it runs once.
   */
  extraBuyers?: readonly BuyerBehaviour[];
  /** the tmax_ms of every ping this scenario sends; the runner's default when absent */
  tmaxMs?: number;
  /** how the seller's pings arrive: autocannon over HTTP (the default), or connectSeller on the seller socket */
  seller?: 'http' | 'socket';
  start(ctx: ScenarioContext): Promise<Target>;
}

/** The deadline of a run, seen from both ends: Gavel's own count and the client's clock. */
export interface DeadlineFigures extends DeadlineCount {
  tmaxMs: number;
  /** answers (of any status) the client waited more than tmaxMs for, of `answered` */
  overTmax: number;
  answered: number;
}

export interface ScenarioResult {
  name: string;
  level: LoadLevel;
  result: LoadResult;
  /** the server's CPU time per 2xx ping during the measured run, µs: less noisy than pings/s on a shared box */
  cpuMicrosPerPing: number;
  /** present for scenarios that set tmaxMs and whose server counts late answers */
  deadline?: DeadlineFigures;
  /** present when the server counts its scoring (Gavel does, all zero when no campaign scores) */
  scores?: ScoreCount;
  notes: string[];
  problems: string[];
}
