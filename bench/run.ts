import type { BuyerBehaviour, BuyerCounters } from './buyer-fleet.js';
import { renderReport, writeReport } from './report.js';
import { bareRelay } from './scenarios/bare-relay.js';
import { deadlineBound } from './scenarios/deadline-bound.js';
import { HOLD_OPS, measureHoldRate, type HoldRateFigures } from './scenarios/hold-rate.js';
import { ping5Buyers } from './scenarios/ping-5-buyers.js';
import type { LoadSettings, Scenario, ScenarioContext, ScenarioResult } from './scenarios/scenario.js';
import { benchSettings, type BenchSettings } from './settings.js';
import { pingLead } from './support/leads.js';
import { runLoad } from './support/load.js';
import { assertRedis, DEFAULT_REDIS_URL } from './support/redis-prefix.js';
import { startRemoteFleet, type RemoteFleet } from './support/remote-fleet.js';

/**
 * `npm run bench [-- flags]` (bench/settings.ts): the cap scripts' rate on Redis, then the bare
 * relay and each scenario against one buyer fleet in its own process, each server at every load
 * level; the tables go to stdout and bench/results/latest.md. Exits 1 when a run had errors or
 * a server misbehaved.
 */
const BUYERS: BuyerBehaviour[] = [1, 2, 3, 4, 5].map((n) => ({ id: `buyer-${n}`, bid: { min: 5, max: 15 }, latencyMs: 5, jitterMs: 1 }));
const BUYERS_TEXT = '5 HTTP buyers (node:http, keep-alive) in one process of their own, each answering every ping with a bid after 5 ± 1 ms; no caps';
/** what a ping asks for when its scenario does not say */
const DEFAULT_TMAX_MS = 150;

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
  const price = typeof b.bid === 'number' ? `${b.bid}` : `${b.bid.min} to ${b.bid.max}`;
  const when = b.lateByMs !== undefined ? `${b.lateByMs} ms after the tmax_ms it is given` : `after ${b.latencyMs ?? 5} ± ${b.jitterMs ?? 0} ms`;
  return `"${b.id}" (bids ${price}, ${when})`;
}

function totals(counters: Record<string, BuyerCounters>): { pings: number; pii: number; bad: number; connections: number } {
  const all = Object.values(counters);
  const sum = (pick: (c: BuyerCounters) => number) => all.reduce((s, c) => s + pick(c), 0);
  return { pings: sum((c) => c.pings), pii: sum((c) => c.piiInPings), bad: sum((c) => c.badRequests), connections: sum((c) => c.connections) };
}

/** Start the scenario's server, warm it up, measure it at each level, stop it; the fleet checks what reached the buyers. */
async function measure(scenario: Scenario, ctx: ScenarioContext, load: LoadSettings, nextBody: () => string, fleet: RemoteFleet): Promise<ScenarioResult[]> {
  const target = await scenario.start(ctx);
  const results: ScenarioResult[] = [];
  try {
    const base = { url: target.url, path: target.path, headers: target.headers, nextBody, overMs: scenario.tmaxMs };
    // a cold server's first seconds are what a restart under traffic looks like: not measured, but shown
    const warmNotes: string[] = [];
    if (load.warmupS > 0) {
      await target.mark();
      const warm = await runLoad({ ...base, connections: load.levels[0]!.connections, durationS: load.warmupS });
      await target.quiesce?.();
      warmNotes.push(`warm-up from cold (not measured): ${Math.round(warm.perSecond)} pings/s, p99 ${warm.p99.toFixed(2)} ms, ${warm.non2xx} non-2xx, ${warm.errors} errors`);
      warmNotes.push(...(await target.notes()).map((n) => `warm-up ${n}`));
    }
    for (const level of load.levels) {
      await target.mark();
      const before = totals(await fleet.counters());
      const cpuBefore = await target.cpuSeconds();
      const result = await runLoad({ ...base, connections: level.connections, durationS: level.durationS });
      await target.quiesce?.();
      const cpuMicrosPerPing = (((await target.cpuSeconds()) - cpuBefore) * 1e6) / Math.max(1, result.ok);
      const after = totals(await fleet.counters());
      const notes = await target.notes();
      notes.push(
        `buyer pings per 2xx seller ping: ${((after.pings - before.pings) / Math.max(1, result.ok)).toFixed(2)}; ` +
          `connections the buyers accepted: ${after.connections - before.connections}; ` +
          `the load generator's own event loop lag p99: ${result.clientLagP99.toFixed(2)} ms`,
      );
      const answered = result.ok + result.non2xx;
      const deadline = scenario.tmaxMs !== undefined && target.deadline ? { ...(await target.deadline()), tmaxMs: scenario.tmaxMs, overTmax: result.over, answered } : undefined;
      const problems: string[] = [];
      if (after.pii > before.pii) problems.push(`${after.pii - before.pii} buyer pings carried PII`);
      if (after.bad > before.bad) problems.push(`${after.bad - before.bad} malformed requests reached the buyers`);
      // a deadline scenario drives Gavel past what it can answer in time: its 503s are the measurement, in its table
      if ((result.non2xx > 0 && deadline === undefined) || result.errors > 0) problems.push(`${result.non2xx} non-2xx answers, ${result.errors} connection errors (${result.timeouts} timeouts)`);
      if (results.length === 0) notes.push(...warmNotes);
      results.push({ name: scenario.name, level, result, cpuMicrosPerPing, ...(deadline ? { deadline } : {}), notes, problems });
    }
  } finally {
    const problems = await target.stop();
    results.at(-1)?.problems.push(...problems);
  }
  return results;
}

interface ServerRuns {
  results: ScenarioResult[];
  buyers: string;
  leads: number;
}

async function runServers(scenarios: readonly Scenario[], load: LoadSettings, redisUrl: string): Promise<ServerRuns> {
  const behaviours = fleetOf(scenarios);
  const fleet = await startRemoteFleet(behaviours, { seed: 1 });
  const shared = new Set(BUYERS.map((b) => b.id));
  const buyersOf = (s: Scenario) => {
    const own = new Set((s.extraBuyers ?? []).map((b) => b.id));
    return fleet.buyers.filter((b) => shared.has(b.id) || own.has(b.id));
  };
  let lead = 0;
  const bodyOf = (tmaxMs: number) => () => `{"campaign":"auto","lead":${JSON.stringify(pingLead(lead++))},"tmax_ms":${tmaxMs}}`;
  const results: ScenarioResult[] = [];
  try {
    for (const scenario of scenarios) {
      console.error(`bench: ${scenario.name}: ${load.warmupS} s warm-up, then ${load.levels.map((l) => `${l.durationS} s at ${l.label}`).join(', ')}`);
      const ctx = { buyers: buyersOf(scenario), redisUrl };
      results.push(...(await measure(scenario, ctx, load, bodyOf(scenario.tmaxMs ?? DEFAULT_TMAX_MS), fleet)));
    }
  } finally {
    await fleet.close();
  }
  const extras = behaviours.filter((b) => !shared.has(b.id));
  const buyers = BUYERS_TEXT + (extras.length ? `; only for the scenarios that declare them: ${extras.map(describeExtra).join(', ')}` : '');
  return { results, buyers, leads: lead };
}

/** How long the whole run may take before it is taken for stuck. */
function runLimitMs(settings: BenchSettings, servers: number): number {
  const perServerMs = (settings.load.warmupS + settings.load.levels.reduce((s, l) => s + l.durationS, 0)) * 1000 + 20_000;
  const holdsMs = settings.parts.has('holds') ? settings.holds.durationS * 1000 * HOLD_OPS.length * settings.holds.inFlight.length + 20_000 : 0;
  return servers * perServerMs + holdsMs;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const settings = benchSettings(args);
  const { load, margins, out, parts } = settings;
  const scenarios = parts.has('servers') ? [bareRelay, ping5Buyers, ...margins.map(deadlineBound)] : [];
  const redisUrl = process.env.REDIS_URL || DEFAULT_REDIS_URL;
  await assertRedis(redisUrl);
  setTimeout(() => {
    console.error('bench: stuck; giving up');
    process.exit(2);
  }, runLimitMs(settings, scenarios.length)).unref();

  let holds: HoldRateFigures | undefined;
  if (parts.has('holds')) {
    // first, while no other process of the bench is running on this machine
    console.error(`bench: hold rate: ${HOLD_OPS.join(', ')} for ${settings.holds.durationS} s each at ${settings.holds.inFlight.join(', ')} in flight`);
    holds = await measureHoldRate(redisUrl, settings.holds);
  }
  const servers = scenarios.length > 0 ? await runServers(scenarios, load, redisUrl) : { results: [], buyers: '', leads: 0 };

  const text = renderReport({
    date: new Date(),
    command: `npm run bench${args.length ? ' -- ' + args.join(' ') : ''}`,
    load,
    buyers: servers.buyers,
    baseline: bareRelay.name,
    results: servers.results,
    notes: servers.results.length > 0 ? [`${servers.leads} distinct leads sent in all`] : [],
    ...(holds !== undefined ? { holds } : {}),
  });
  writeReport(out, text);
  console.log(text);
  console.error(`bench: written to ${out}`);
  const problems = [
    ...(holds?.problems.map((p) => `hold rate: ${p}`) ?? []),
    ...servers.results.flatMap((r) => r.problems.map((p) => `${r.name}, ${r.level.label}: ${p}`)),
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
