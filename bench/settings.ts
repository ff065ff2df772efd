import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Config } from '../src/config/schema.js';
import { ROOT } from '../src/core/paths.js';
import type { HoldRateSettings } from './scenarios/hold-rate.js';
import type { LoadSettings } from './scenarios/scenario.js';
import type { ScoringCostSettings } from './scenarios/scoring-cost.js';

/** The server.response_margin_ms Gavel runs with when its config does not set one. */
const DEFAULT_MARGIN_MS = Config.shape.server.parse(undefined).response_margin_ms;
const DEFAULT_MARGINS = [...new Set([Math.max(1, Math.floor(DEFAULT_MARGIN_MS / 2)), DEFAULT_MARGIN_MS])];
const DEFAULT_HOLD_IN_FLIGHT = [1, 16, 128];
const DEFAULT_SCORE_BATCHES = [1, 8, 32, 128];
/** The model the scoring part scores with: trees and depth of a mid-sized production ensemble. */
const SCORING_TREES = 100;
const SCORING_DEPTH = 6;
/** Batches kept in flight to the pool while its cost is measured: enough to keep its thread busy. */
const SCORE_IN_FLIGHT = 4;

/** The parts of the suite: the HTTP servers under autocannon, Gavel with and without its sockets, the cap scripts' rate on Redis, lead scoring. */
export const PARTS = ['servers', 'sockets', 'holds', 'scoring'] as const;
export type Part = (typeof PARTS)[number];

export const USAGE = `usage: npm run bench -- [--only PARTS] [--duration S] [--connections N] [--latency-duration S] [--warmup S] [--margins LIST]
                           [--hold-duration S] [--hold-in-flight LIST] [--score-leads N] [--score-batches LIST] [--out FILE]
  --only PARTS          any of ${PARTS.join(', ')}, comma-separated: servers is Gavel and the bare relay over HTTP,
                        sockets Gavel with the seller socket and/or socket buyers (SDK) against HTTP on both sides,
                        holds the cap scripts' rate on Redis, scoring the cost of scoring a lead and Gavel's auctions
                        with scoring off and on (default all; env BENCH_ONLY)
  --duration S          throughput run, seconds (default 10; env BENCH_DURATION)
  --connections N       pings in flight during it: autocannon connections, or calls on seller sockets (default 32; env BENCH_CONNECTIONS)
  --latency-duration S  then a run with one ping in flight, seconds; 0 skips it (default 5; env BENCH_LATENCY_DURATION)
  --warmup S            unmeasured load before, per server (default 2; env BENCH_WARMUP)
  --margins LIST        response_margin_ms values the deadline scenario runs Gavel with, one server each, e.g. 2,4,8,16;
                        "none" skips the scenario (default ${DEFAULT_MARGINS.join(',')}; env BENCH_MARGINS)
  --hold-duration S     each hold-rate run, seconds: 3 operations at each depth (default 1.5; env BENCH_HOLD_DURATION)
  --hold-in-flight LIST callers in flight, one set of hold-rate runs each (default ${DEFAULT_HOLD_IN_FLIGHT.join(',')}; env BENCH_HOLD_IN_FLIGHT)
  --score-leads N       leads scored per row of the scoring cost table (default 20000; env BENCH_SCORE_LEADS)
  --score-batches LIST  batch sizes the scoring pool is measured at, one row each, from 1 to 4096
                        (default ${DEFAULT_SCORE_BATCHES.join(',')}; env BENCH_SCORE_BATCHES)
  --out FILE            the markdown report (default bench/results/latest.md)`;

export interface BenchSettings {
  parts: ReadonlySet<Part>;
  load: LoadSettings;
  /** ascending, distinct */
  margins: number[];
  holds: HoldRateSettings;
  scoring: ScoringCostSettings;
  out: string;
}

function partSet(text: string | undefined): Set<Part> {
  if (text === undefined || text === '') return new Set(PARTS);
  const parts = new Set<Part>();
  for (const part of text.split(',').map((p) => p.trim())) {
    const known = PARTS.find((p) => p === part);
    if (known === undefined) throw new Error(`--only (BENCH_ONLY): "${part}" is not one of ${PARTS.join(', ')}\n${USAGE}`);
    parts.add(known);
  }
  return parts;
}

const envOf = (flag: string) => `BENCH_${flag.toUpperCase().replaceAll('-', '_')}`;

/** "1,16,128" -> [1, 16, 128]: distinct integers from `min` to `max`, in the order given; `fallback` when unset. */
function intList(flag: string, text: string | undefined, fallback: number[], min: number, max: number): number[] {
  if (text === undefined || text === '') return [...fallback];
  const list = text.split(',').map((part) => {
    const n = Number(part.trim());
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${flag} (${envOf(flag)}): "${part}" is not an integer from ${min} to ${max}\n${USAGE}`);
    return n;
  });
  return [...new Set(list)];
}

/** "2,4,8,16" -> [2, 4, 8, 16]; each a margin the config schema accepts. */
function marginList(text: string | undefined): number[] {
  if (text === 'none') return [];
  return intList('margins', text, DEFAULT_MARGINS, 1, 1000).sort((a, b) => a - b);
}

/** The bench's flags, each with an env fallback, checked before anything starts. */
export function benchSettings(argv: string[]): BenchSettings {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string' },
      'latency-duration': { type: 'string' },
      warmup: { type: 'string' },
      margins: { type: 'string' },
      'hold-duration': { type: 'string' },
      'hold-in-flight': { type: 'string' },
      'score-leads': { type: 'string' },
      'score-batches': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const num = (name: string, flag: string | undefined, fallback: number, min: number): number => {
    const env = envOf(name);
    const text = flag ?? process.env[env];
    if (text === undefined || text === '') return fallback;
    const n = Number(text);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} (${env}): not a number >= ${min}: "${text}"\n${USAGE}`);
    return n;
  };
  const connections = Math.round(num('connections', values.connections, 32, 1));
  const latencyS = num('latency-duration', values['latency-duration'], 5, 0);
  const levels = [{ label: `${connections} in flight`, connections, durationS: num('duration', values.duration, 10, 1) }];
  if (latencyS > 0) levels.push({ label: '1 in flight', connections: 1, durationS: latencyS });
  return {
    parts: partSet(values.only ?? process.env.BENCH_ONLY),
    load: { warmupS: num('warmup', values.warmup, 2, 0), levels },
    margins: marginList(values.margins ?? process.env.BENCH_MARGINS),
    holds: {
      durationS: num('hold-duration', values['hold-duration'], 1.5, 0.1),
      inFlight: intList('hold-in-flight', values['hold-in-flight'] ?? process.env.BENCH_HOLD_IN_FLIGHT, DEFAULT_HOLD_IN_FLIGHT, 1, 10_000),
    },
    scoring: {
      leads: Math.round(num('score-leads', values['score-leads'], 20_000, 100)),
      // the config schema's bounds of scoring_pool.batch_size
      batchSizes: intList('score-batches', values['score-batches'] ?? process.env.BENCH_SCORE_BATCHES, DEFAULT_SCORE_BATCHES, 1, 4096),
      inFlight: SCORE_IN_FLIGHT,
      trees: SCORING_TREES,
      depth: SCORING_DEPTH,
    },
    out: values.out ?? join(ROOT, 'bench', 'results', 'latest.md'),
  };
}
