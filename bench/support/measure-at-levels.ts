import type { BuyerCounters } from '../buyer-counters.js';
import type { FleetReading } from './fleet-messages.js';
import type { LoadLevel, LoadSettings, ScenarioResult } from '../scenarios/scenario.js';
import { closedLoop } from './drive.js';
import type { PingLead } from './leads.js';
import type { LoadResult } from './load.js';
import type { Measurement, Started } from './run-scenarios.js';

/** How far buyer pings per answered seller ping may stray from the number of buyers before a run is suspect. */
const FAN_OUT_TOLERANCE = 0.05;

interface Totals {
  pings: number;
  pii: number;
  bad: number;
  connections: number;
  cpuMicros: number;
}

function totals(reading: FleetReading): Totals {
  const all = Object.values(reading.counters);
  const sum = (pick: (c: BuyerCounters) => number) => all.reduce((s, c) => s + pick(c), 0);
  return { pings: sum((c) => c.pings), pii: sum((c) => c.piiInPings), bad: sum((c) => c.badRequests), connections: sum((c) => c.connections), cpuMicros: reading.cpuMicros };
}

/**
 * Every auction pings every buyer once, so buyer pings per 2xx answer should be the number of
 * buyers; the pings of the answers the load generator gave up on at the end of the run (at most
 * one per connection) come on top. Skipped when some answers were not 2xx: those pinged buyers too.
 */
function fanOutProblem(pings: number, result: LoadResult, level: LoadLevel, buyers: number): string | undefined {
  if (result.ok === 0 || result.non2xx > 0 || result.errors > 0) return undefined;
  const perPing = pings / result.ok;
  const most = buyers * (1 + FAN_OUT_TOLERANCE + level.connections / result.ok);
  if (perPing >= buyers * (1 - FAN_OUT_TOLERANCE) && perPing <= most) return undefined;
  return `buyer pings per 2xx seller ping ${perPing.toFixed(2)}, expected about ${buyers} (every buyer pinged once per auction)`;
}

/**
 * The suite's measurement: warm the server up, then measure it at each level, closed loop. The
 * buyers' own counts (the shared fleet's, or the target's when it brought buyers of its own)
 * check what reached them: no PII, nothing malformed, one ping per buyer per auction.
 * `nextLead` is the whole run's: no two pings of the bench carry the same lead.
 */
export function atLevels(load: LoadSettings, nextLead: () => PingLead): Measurement<ScenarioResult> {
  return {
    measure: (started) => measureAtLevels(started, load, nextLead),
    // what makes the figures suspect belongs with the server's last row
    stopped: (results, problems) => void results.at(-1)?.problems.push(...problems),
  };
}

async function measureAtLevels({ scenario, target, buyers: given, readFleet }: Started, load: LoadSettings, nextLead: () => PingLead): Promise<ScenarioResult[]> {
  console.error(`bench: ${scenario.name}: ${load.warmupS} s warm-up, then ${load.levels.map((l) => `${l.durationS} s at ${l.label}`).join(', ')}`);
  const results: ScenarioResult[] = [];
  const drive = closedLoop(scenario, target, nextLead);
  const readBuyers = target.readBuyers ?? readFleet;
  if (readBuyers === undefined) throw new Error(`${scenario.name}: no buyers to read`);
  const buyers = target.readBuyers ? Object.keys((await readBuyers()).counters).length : given.length;
  // a cold server's first seconds are what a restart under traffic looks like: not measured, but shown
  const warmNotes: string[] = [];
  if (load.warmupS > 0) {
    await target.mark();
    const warm = await drive(load.levels[0]!.connections, load.warmupS);
    await target.quiesce?.();
    warmNotes.push(`warm-up from cold (not measured): ${Math.round(warm.perSecond)} pings/s, p99 ${warm.p99.toFixed(2)} ms, ${warm.non2xx} non-2xx, ${warm.errors} errors`);
    warmNotes.push(...(await target.notes()).map((n) => `warm-up ${n}`));
  }
  for (const level of load.levels) {
    await target.mark();
    const before = totals(await readBuyers());
    const cpuBefore = await target.cpuSeconds();
    const result = await drive(level.connections, level.durationS);
    await target.quiesce?.();
    const cpuMicrosPerPing = (((await target.cpuSeconds()) - cpuBefore) * 1e6) / Math.max(1, result.ok);
    const after = totals(await readBuyers());
    const notes = await target.notes();
    const perPing = (micros: number) => Math.round(micros / Math.max(1, result.ok));
    notes.push(
      `buyer pings per 2xx seller ping: ${((after.pings - before.pings) / Math.max(1, result.ok)).toFixed(2)}; ` +
        // HTTP buyers on uWS cannot count their connections (uWS tells of none opening)
        (target.readBuyers ? `sockets the buyers opened: ${after.connections - before.connections}; ` : '') +
        `the load generator's own event loop lag p99: ${result.clientLagP99.toFixed(2)} ms`,
      // the machine is shared: what the others spend per ping is CPU the server did not get
      `CPU per 2xx ping besides the server's: load generator ${perPing(result.clientCpuMicros)} µs, buyer fleet process ${perPing(after.cpuMicros - before.cpuMicros)} µs`,
    );
    const answered = result.ok + result.non2xx;
    const deadline = scenario.tmaxMs !== undefined && target.deadline ? { ...(await target.deadline()), tmaxMs: scenario.tmaxMs, overTmax: result.over, answered } : undefined;
    const scores = target.scores ? await target.scores() : undefined;
    const problems: string[] = [];
    if (after.pii > before.pii) problems.push(`${after.pii - before.pii} buyer pings carried PII`);
    if (after.bad > before.bad) problems.push(`${after.bad - before.bad} malformed requests reached the buyers`);
    // a deadline scenario drives Gavel past what it can answer in time: its 503s are the measurement, in its table
    if ((result.non2xx > 0 && deadline === undefined) || result.errors > 0) problems.push(`${result.non2xx} non-2xx answers, ${result.errors} connection errors (${result.timeouts} timeouts)`);
    const fanOut = fanOutProblem(after.pings - before.pings, result, level, buyers);
    if (fanOut !== undefined) problems.push(fanOut);
    if (results.length === 0) notes.push(...warmNotes);
    results.push({ name: scenario.name, level, result, cpuMicrosPerPing, ...(deadline ? { deadline } : {}), ...(scores ? { scores } : {}), notes, problems });
  }
  return results;
}
