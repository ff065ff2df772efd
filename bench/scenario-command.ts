import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { renderScenarioReport, scenarioResultFiles, type ScenarioReport } from './report/scenario-report.js';
import { RESULTS_DIR, writeResults } from './report/write-results.js';
import { expandBuyers, loadScenario, type ScenarioFile } from './scenario-file.js';
import { fileScenarios, GAVEL_FEATURES, type GavelFeature } from './scenarios/file-servers.js';
import type { Scenario } from './scenarios/scenario.js';
import { DEMO_SELLER_KEY } from './support/demo-config.js';
import { machine } from './support/machine.js';
import { atRate, type RateFlags } from './support/measure-at-rate.js';
import { assertRedis, DEFAULT_REDIS_URL } from './support/redis-prefix.js';
import { runScenarios } from './support/run-scenarios.js';
import { wrkScenarioMain } from './wrk-command.js';

/** p99 bound of a --generator-capacity step, ms, unless --bound-p99 says otherwise */
const CAPACITY_P99_MS = 10;

/** A Gavel already running at `url`: measured through its /metrics there, its CPU unknown. */
function externalGavel(file: ScenarioFile, url: string): Scenario {
  return {
    name: `Gavel at ${url}`,
    route: file.route,
    seller: file.seller,
    tmaxMs: file.tmax_ms,
    start: async () => ({
      url,
      gavel: true,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${DEMO_SELLER_KEY}` },
      sellerKey: DEMO_SELLER_KEY,
      mark: async () => undefined,
      cpuSeconds: async () => Number.NaN,
      notes: async () => [],
      stop: async () => [],
    }),
  };
}

/**
 * `npm run bench -- <scenario> [--rate N | --connections N] [--duration S] [--warmup S] [--target URL] [--without trace,ledger,direct-ledger,fields] [--publish-every S]`:
 * one scenario file, open loop at a rate, or closed loop with N calls in flight. `--publish-every`
 * measures Gavel once more, publishing a new configuration version every S seconds of the run.
 * `--generator wrk` (or `frames`, for a seller on the socket) hands the command to wrk-command.ts;
 * `--generator-capacity` ramps the open loop against the front ceiling alone: the most the
 * generator itself starts on time.
 */
export async function scenarioMain(name: string, args: string[]): Promise<void> {
  // `--generator wrk` (HTTP sellers) or `--generator frames` (the seller socket): the closed loop by a lean generator, a command of its own flags
  const at = args.findIndex((a) => a === '--generator' || a.startsWith('--generator='));
  const generator = at < 0 ? undefined : args[at]!.includes('=') ? args[at]!.slice('--generator='.length) : args[at + 1];
  if (generator === 'wrk' || generator === 'frames') return wrkScenarioMain(name, args);
  // scale measures sets of processes at their most: only a closed loop by an outside generator says that
  if (name === 'scale') throw new Error('scale runs under wrk: npm run bench -- scale --generator wrk [--scenario http-5] [--processes 1,2]');
  if (generator !== undefined) throw new Error(`--generator: "${generator}" is not one the bench has (wrk, frames; without the flag, the bench's own)`);
  const { values } = parseArgs({
    args,
    options: { rate: { type: 'string' }, connections: { type: 'string' }, without: { type: 'string' }, duration: { type: 'string' }, warmup: { type: 'string' }, target: { type: 'string' }, ramp: { type: 'boolean' }, 'step-duration': { type: 'string' }, 'bound-p99': { type: 'string' }, 'bound-over': { type: 'string' }, 'publish-every': { type: 'string' }, 'generator-capacity': { type: 'boolean' } },
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
  const capacity = values['generator-capacity'] === true;
  if (capacity && (values.connections !== undefined || values.target !== undefined || values.without !== undefined || values['publish-every'] !== undefined)) {
    throw new Error('--generator-capacity ramps the open loop against the front ceiling alone: it takes --rate, --step-duration, --bound-p99 and --bound-over only');
  }
  if (values.target !== undefined && values['publish-every'] !== undefined) throw new Error('--publish-every publishes through the admin API of a Gavel the bench starts: it does not go with --target');
  const without = (values.without ?? '').split(',').filter((x) => x !== '');
  for (const w of without) if (!(GAVEL_FEATURES as readonly string[]).includes(w)) throw new Error(`--without: "${w}" is not one of ${GAVEL_FEATURES.join(', ')}`);
  const redisUrl = process.env.REDIS_URL || DEFAULT_REDIS_URL;
  if (values.target === undefined) await assertRedis(redisUrl);
  const command = `npm run bench -- ${[name, ...args].join(' ')}`;
  const file = loadScenario(name);
  // the generator's capacity: against a server that answers in well under a millisecond, a p99
  // past CAPACITY_P99_MS is the generator's own queueing
  const ramp =
    values.ramp || capacity
      ? { stepS: num(values['step-duration'], 'step-duration') ?? 5, boundP99Ms: num(values['bound-p99'], 'bound-p99') ?? (capacity ? CAPACITY_P99_MS : file.tmax_ms), boundOverShare: num(values['bound-over'], 'bound-over') ?? 0.001 }
      : undefined;
  const connections = values.connections !== undefined ? Math.round(num(values.connections, 'connections')!) : undefined;
  const flags: RateFlags = {
    rate: num(values.rate, 'rate') ?? file.rate,
    durationS: num(values.duration, 'duration') ?? file.duration_s,
    warmupS: num(values.warmup, 'warmup') ?? 2,
    ...(ramp ? { ramp } : {}),
    ...(connections !== undefined ? { connections } : {}),
  };
  // a Gavel already running (its buyers configured there) is the only server measured
  // seconds like every other flag here; "1s" taken too, as an operator writes a duration
  const publishEveryS = num(values['publish-every']?.replace(/(\d)s$/, '$1'), 'publish-every');
  const scenarios = capacity ? fileScenarios(file).slice(0, 1) : values.target === undefined ? fileScenarios(file, without as GavelFeature[], publishEveryS !== undefined ? publishEveryS * 1000 : undefined) : [externalGavel(file, values.target)];
  const buyers = values.target === undefined ? expandBuyers(file).filter((b) => b.transport === 'http').map((b) => b.behaviour) : [];
  const runs = await runScenarios(buyers, scenarios, redisUrl, atRate(flags));
  const report: ScenarioReport = {
    scenario: file,
    ...(connections !== undefined ? { connections } : {}),
    date: new Date().toISOString(),
    machine: machine(),
    command,
    rate: flags.rate,
    // a ramp's rows are each server's last step that held: a step long
    durationS: ramp ? ramp.stepS : flags.durationS,
    runs,
  };
  // the capacity run has a folder of its own, so it never takes the place of the scenario's report
  const folder = capacity ? `${file.name}-generator-capacity` : file.name;
  writeResults(scenarioResultFiles(report, folder));
  console.log(renderScenarioReport(report));
  console.error(`bench: report, JSON and plots in ${join(RESULTS_DIR, folder)}`);
}
