import { pingLatencyOf, type BuyerBehaviour } from './buyer-behaviour.js';
import { renderReport } from './report/suite-report.js';
import { writeResults } from './report/write-results.js';
import { bareRelay } from './scenarios/bare-relay.js';
import { deadlineBound } from './scenarios/deadline-bound.js';
import { HOLD_OPS, measureHoldRate, type HoldRateFigures } from './scenarios/hold-rate.js';
import { ping5Buyers } from './scenarios/ping-5-buyers.js';
import type { LoadSettings, Scenario, ScenarioResult } from './scenarios/scenario.js';
import { scoringAuctions, scoringProblems } from './scenarios/scoring-auctions.js';
import { benchScoringInput, describeBenchScoring, measureScoringCost, type ScoringCostRun } from './scenarios/scoring-cost.js';
import { socketPaths } from './scenarios/socket-paths.js';
import { benchSettings, type BenchSettings } from './settings.js';
import { describeDistribution } from './support/distributions.js';
import { pingLead, type PingLead } from './support/leads.js';
import { atLevels } from './support/measure-at-levels.js';
import { assertRedis, DEFAULT_REDIS_URL } from './support/redis-prefix.js';
import { runScenarios } from './support/run-scenarios.js';

/** The suite's shared buyers, every scenario pings them. */
const BUYERS: BuyerBehaviour[] = [1, 2, 3, 4, 5].map((n) => ({ id: `buyer-${n}`, bid: { min: 5, max: 15 }, latencyMs: 5, jitterMs: 1 }));
const BUYERS_TEXT = '5 HTTP buyers (uWebSockets.js, one port each, keep-alive) in one process of their own, each answering every ping with a bid after 5 ± 1 ms; no caps';
const SOCKET_BUYERS_TEXT =
  'the same 5 behaviours twice over: as HTTP buyers (uWebSockets.js, keep-alive, in a process of their own), and as socket buyers ' +
  "(the SDK's connectBuyer, one socket each, in a process of their own started once Gavel listens, since they dial it); " +
  'each answers every ping with a bid of 5 to 15 after 5 ± 1 ms; no caps';

function describeExtra(b: BuyerBehaviour): string {
  const when = b.lateByMs !== undefined ? `${b.lateByMs} ms after the tmax_ms it is given` : `after ${describeDistribution(pingLatencyOf(b), ' ms')}`;
  return `"${b.id}" (bids ${describeDistribution(b.bid)}, ${when})`;
}

/** The runs of one part against one HTTP fleet, and what its buyers were. */
interface PartRuns {
  results: ScenarioResult[];
  buyers: string;
}

/**
 * Each scenario of a part against one HTTP buyer fleet in its own process (scenarios may bring
 * buyers of their own besides), each server at every load level.
 */
async function runScenariosAtLevels(scenarios: readonly Scenario[], load: LoadSettings, redisUrl: string, nextLead: () => PingLead): Promise<PartRuns> {
  const results = await runScenarios(BUYERS, scenarios, redisUrl, atLevels(load, nextLead));
  const shared = new Set(BUYERS.map((b) => b.id));
  const extras = scenarios.flatMap((s) => s.extraBuyers ?? []).filter((b, i, all) => !shared.has(b.id) && all.findIndex((x) => x.id === b.id) === i);
  const buyers = BUYERS_TEXT + (extras.length ? `; only for the scenarios that declare them: ${extras.map(describeExtra).join(', ')}` : '');
  return { results, buyers };
}

/** A generous bound on the wall time of scoring one lead through the pool at batches of 1, the slowest row, ms. */
const SCORE_MS_PER_LEAD = 0.5;

/** How long the whole run may take before it is taken for stuck. */
function runLimitMs(settings: BenchSettings, servers: number): number {
  const perServerMs = (settings.load.warmupS + settings.load.levels.reduce((s, l) => s + l.durationS, 0)) * 1000 + 20_000;
  const holdsMs = settings.parts.has('holds') ? settings.holds.durationS * 1000 * HOLD_OPS.length * settings.holds.inFlight.length + 20_000 : 0;
  const scoring = settings.scoring;
  const scoringMs = settings.parts.has('scoring') ? scoring.leads * (scoring.batchSizes.length + 2) * SCORE_MS_PER_LEAD + 20_000 : 0;
  return servers * perServerMs + holdsMs + scoringMs;
}

/**
 * `npm run bench [-- flags]` (bench/settings.ts): the cap scripts' rate on Redis and the cost of
 * scoring a lead, then the bare relay and each scenario against one buyer fleet in its own
 * process, then Gavel's four paths with and without its sockets, then Gavel with scoring off and
 * on, each server at every load level; the tables go to stdout and bench/results/latest.md.
 * Exits 1 when a run had errors or a server misbehaved.
 */
export async function suiteMain(args: string[]): Promise<void> {
  const settings = benchSettings(args);
  const { load, margins, out, parts } = settings;
  const servers = parts.has('servers') ? [bareRelay, ping5Buyers, ...margins.map(deadlineBound)] : [];
  const sockets = parts.has('sockets') ? socketPaths(BUYERS) : [];
  const scoring = settings.scoring;
  const scored = parts.has('scoring') ? scoringAuctions(benchScoringInput(scoring.trees, scoring.depth), describeBenchScoring(scoring)) : [];
  const redisUrl = process.env.REDIS_URL || DEFAULT_REDIS_URL;
  await assertRedis(redisUrl);
  setTimeout(() => {
    console.error('bench: stuck; giving up');
    process.exit(2);
  }, runLimitMs(settings, servers.length + sockets.length + scored.length)).unref();

  let holds: HoldRateFigures | undefined;
  if (parts.has('holds')) {
    // first, while no other process of the bench is running on this machine
    console.error(`bench: hold rate: ${HOLD_OPS.join(', ')} for ${settings.holds.durationS} s each at ${settings.holds.inFlight.join(', ')} in flight`);
    holds = await measureHoldRate(redisUrl, settings.holds);
  }
  let scoringCost: ScoringCostRun[] | undefined;
  if (parts.has('scoring')) {
    // also before any other process of the bench starts: it times this process's threads
    console.error(`bench: scoring cost: ${describeBenchScoring(scoring)}, ${scoring.leads} leads on this thread, then through the pool at batches of ${scoring.batchSizes.join(', ')}`);
    scoringCost = await measureScoringCost(scoring);
  }
  let leads = 0;
  const nextLead = () => pingLead(leads++);
  const part = async (scenarios: readonly Scenario[], baseline: string | undefined) => {
    if (scenarios.length === 0 || baseline === undefined) return undefined;
    const first = leads;
    const runs = await runScenariosAtLevels(scenarios, load, redisUrl, nextLead);
    return { ...runs, baseline, notes: [`${leads - first} distinct leads sent in all`] };
  };
  const serverPart = await part(servers, bareRelay.name);
  const socketPart = await part(sockets, sockets[0]?.name);
  const scoringPart = await part(scored, scored[0]?.name);
  for (const row of scoringPart?.results ?? []) row.problems.push(...scoringProblems(row));

  const text = renderReport({
    date: new Date(),
    command: `npm run bench${args.length ? ' -- ' + args.join(' ') : ''}`,
    load,
    ...(serverPart !== undefined ? { servers: serverPart } : {}),
    ...(socketPart !== undefined ? { sockets: { ...socketPart, buyers: SOCKET_BUYERS_TEXT } } : {}),
    ...(holds !== undefined ? { holds } : {}),
    ...(scoringCost !== undefined && scoringPart !== undefined ? { scoring: { cost: { settings: scoring, runs: scoringCost }, auctions: scoringPart } } : {}),
  });
  writeResults([{ path: out, text }]);
  console.log(text);
  console.error(`bench: written to ${out}`);
  const problems = [
    ...(holds?.problems.map((p) => `hold rate: ${p}`) ?? []),
    ...[serverPart, socketPart, scoringPart].flatMap((p) => p?.results ?? []).flatMap((r) => r.problems.map((p) => `${r.name}, ${r.level.label}: ${p}`)),
  ];
  if (problems.length > 0) {
    console.error(`bench: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
    process.exitCode = 1;
  }
}

