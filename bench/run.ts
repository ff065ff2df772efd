import { parseArgs } from 'node:util';
import { pingLatencyOf, type BuyerBehaviour } from './buyer-behaviour.js';
import { renderReport, writeReport } from './report.js';
import { compareFiles } from './compare.js';
import { loadScenario } from './scenario-file.js';
import { GAVEL_FEATURES, renderScenarioReport, runScenarioFile, writeScenarioReport, type GavelFeature } from './run-scenario.js';
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
import { measure } from './support/measure.js';
import { assertRedis, DEFAULT_REDIS_URL } from './support/redis-prefix.js';
import { startRemoteFleet } from './support/remote-fleet.js';

/**
 * `npm run bench [-- flags]` (bench/settings.ts): the cap scripts' rate on Redis and the cost of
 * scoring a lead, then the bare relay and each scenario against one buyer fleet in its own
 * process, then Gavel's four paths with and without its sockets, then Gavel with scoring off and
 * on, each server at every load level; the tables go to stdout and bench/results/latest.md.
 * Exits 1 when a run had errors or a server misbehaved.
 */
const BUYERS: BuyerBehaviour[] = [1, 2, 3, 4, 5].map((n) => ({ id: `buyer-${n}`, bid: { min: 5, max: 15 }, latencyMs: 5, jitterMs: 1 }));
const BUYERS_TEXT = '5 HTTP buyers (uWebSockets.js, one port each, keep-alive) in one process of their own, each answering every ping with a bid after 5 ± 1 ms; no caps';
const SOCKET_BUYERS_TEXT =
  'the same 5 behaviours twice over: as HTTP buyers (uWebSockets.js, keep-alive, in a process of their own), and as socket buyers ' +
  "(the SDK's connectBuyer, one socket each, in a process of their own started once Gavel listens, since they dial it); " +
  'each answers every ping with a bid of 5 to 15 after 5 ± 1 ms; no caps';

/** The shared buyers, then every scenario's extra buyers once each. */
function fleetOf(scenarios: readonly Scenario[]): BuyerBehaviour[] {
  const byId = new Map(BUYERS.map((b) => [b.id, b]));
  for (const s of scenarios) {
    for (const b of s.extraBuyers ?? []) {
      const known = byId.get(b.id);
      if (known === undefined) byId.set(b.id, b);
      else if (known !== b && JSON.stringify(known) !== JSON.stringify(b)) throw new Error(`bench: buyer "${b.id}" declared twice with different behaviours (${s.name})`);
    }
  }
  return [...byId.values()];
}

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
 * Each scenario against one HTTP buyer fleet in its own process (scenarios may bring buyers
 * of their own besides), each server at every load level. `nextLead` is the run's: no two
 * pings of the whole bench carry the same lead.
 */
async function runScenarios(scenarios: readonly Scenario[], load: LoadSettings, redisUrl: string, nextLead: () => PingLead): Promise<PartRuns> {
  const behaviours = fleetOf(scenarios);
  const fleet = await startRemoteFleet(behaviours, { seed: 1 });
  const shared = new Set(BUYERS.map((b) => b.id));
  const buyersOf = (s: Scenario) => {
    const own = new Set((s.extraBuyers ?? []).map((b) => b.id));
    return fleet.buyers.filter((b) => shared.has(b.id) || own.has(b.id));
  };
  const results: ScenarioResult[] = [];
  try {
    for (const scenario of scenarios) {
      console.error(`bench: ${scenario.name}: ${load.warmupS} s warm-up, then ${load.levels.map((l) => `${l.durationS} s at ${l.label}`).join(', ')}`);
      const ctx = { buyers: buyersOf(scenario), redisUrl };
      results.push(...(await measure(scenario, ctx, load, nextLead, () => fleet.read())));
    }
  } finally {
    await fleet.close();
  }
  const extras = behaviours.filter((b) => !shared.has(b.id));
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
 * `npm run bench -- <scenario> [--rate N | --connections N] [--duration S] [--warmup S] [--target URL] [--without trace,ledger,direct-ledger]`:
 * one scenario file, open loop at a rate, or closed loop with N calls in flight.
 */
async function scenarioMain(name: string, args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { rate: { type: 'string' }, connections: { type: 'string' }, without: { type: 'string' }, duration: { type: 'string' }, warmup: { type: 'string' }, target: { type: 'string' }, ramp: { type: 'boolean' }, 'step-duration': { type: 'string' }, 'bound-p99': { type: 'string' }, 'bound-over': { type: 'string' } },
    strict: true,
  });
  const num = (flag: string | undefined, what: string) => {
    if (flag === undefined) return undefined;
    const n = Number(flag);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${what}: not a number above 0: "${flag}"`);
    return n;
  };
  if (values.rate !== undefined && values.connections !== undefined) throw new Error('--rate (open loop) or --connections (closed loop), not both');
  if (values.ramp && values.connections !== undefined) throw new Error('--ramp steps an open-loop rate: it does not go with --connections');
  const without = (values.without ?? '').split(',').filter((x) => x !== '');
  for (const w of without) if (!(GAVEL_FEATURES as readonly string[]).includes(w)) throw new Error(`--without: "${w}" is not one of ${GAVEL_FEATURES.join(', ')}`);
  const redisUrl = process.env.REDIS_URL || DEFAULT_REDIS_URL;
  if (values.target === undefined) await assertRedis(redisUrl);
  const command = `npm run bench -- ${[name, ...args].join(' ')}`;
  const tmax = loadScenario(name).tmax_ms;
  const ramp = values.ramp ? { stepS: num(values['step-duration'], 'step-duration') ?? 5, boundP99Ms: num(values['bound-p99'], 'bound-p99') ?? tmax, boundOverShare: num(values['bound-over'], 'bound-over') ?? 0.001 } : undefined;
  const report = await runScenarioFile(
    name,
    { rate: num(values.rate, 'rate'), ...(values.connections !== undefined ? { connections: Math.round(num(values.connections, 'connections')!) } : {}), without: without as GavelFeature[], durationS: num(values.duration, 'duration'), warmupS: num(values.warmup, 'warmup') ?? 2, target: values.target, redisUrl, ...(ramp ? { ramp } : {}) },
    command,
  );
  const dir = writeScenarioReport(report);
  console.log(renderScenarioReport(report));
  console.error(`bench: report, JSON and plots in ${dir}`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === 'compare') {
    if (args.length !== 3) throw new Error('usage: npm run bench -- compare a.json b.json');
    return void console.log(compareFiles(args[1]!, args[2]!));
  }
  if (args[0] !== undefined && !args[0].startsWith('-')) return scenarioMain(args[0], args.slice(1));
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
    const runs = await runScenarios(scenarios, load, redisUrl, nextLead);
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
  writeReport(out, text);
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

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
