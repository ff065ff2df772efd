import type { MockBuyer } from '../buyer-fleet.js';
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

/** What every scenario of `npm run bench` is given: the same fleet and its Redis. */
export interface ScenarioContext {
  buyers: readonly Omit<MockBuyer, 'counters'>[];
  redisUrl: string;
}

/** A server under test, started by its scenario; the runner drives the load. */
export interface Target {
  url: string;
  path: string;
  headers: Record<string, string>;
  /** a measured run starts now: take what `notes` compares against */
  mark(): Promise<void>;
  /** CPU time (user + system) the server process has used so far, seconds */
  cpuSeconds(): Promise<number>;
  /** what the reader of the table should know about the run since `mark` */
  notes(): Promise<string[]>;
  /** stop the server; returns problems that make the figures suspect (a crash, errors it logged) */
  stop(): Promise<string[]>;
}

export interface Scenario {
  name: string;
  start(ctx: ScenarioContext): Promise<Target>;
}

export interface ScenarioResult {
  name: string;
  level: LoadLevel;
  result: LoadResult;
  /** the server's CPU time per 2xx ping during the measured run, µs: less noisy than pings/s on a shared box */
  cpuMicrosPerPing: number;
  notes: string[];
  problems: string[];
}
