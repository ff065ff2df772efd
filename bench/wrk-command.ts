import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { renderWrkReport, wrkReportFiles, type WrkReport, type WrkRoundRun } from './report/wrk-report.js';
import { RESULTS_DIR, writeResults } from './report/write-results.js';
import { expandBuyers, loadScenario } from './scenario-file.js';
import { fileScenarios, scaleScenarios } from './scenarios/file-servers.js';
import { generatorFor } from './support/closed-loop-generator.js';
import { DEMO_SELLER_KEY } from './support/demo-config.js';
import { DEFAULT_TMAX_MS } from './support/drive.js';
import { runFrames } from './support/frame-load.js';
import { machine } from './support/machine.js';
import { assertRedis, DEFAULT_REDIS_URL } from './support/redis-prefix.js';
import { runScenarios, type Measurement } from './support/run-scenarios.js';
import { assertWrk, runWrk, serverCpuReader } from './support/wrk-load.js';
import { roundOrder } from './support/wrk-verdict.js';

/** The leads of a warm-up start here, far from the measured run's (from 0), so dedup never sees one twice. */
const WARMUP_FIRST_LEAD = 4_500_000;

/**
 * `npm run bench -- <scenario> --generator wrk|frames [--connections C] [--duration S] [--warmup S] [--rounds R] [--generator-processes K]`:
 * the most each server answers, measured by a generator that is not the limit: wrk (an outside
 * generator, see support/wrk-load.ts) for a seller over HTTP, frames (support/frame-load.ts,
 * K processes of it, 1 by default) for a seller on the seller socket, in a closed loop of C
 * connections (calls in flight): the front ceiling, the bare relay and Gavel on the
 * scenario's buyers, in R rounds, their order alternating ABBA, every server started afresh each
 * round; the medians of the rounds, and Gavel / relay only when the generator was not the limit
 * (support/wrk-verdict.ts).
 */
export async function wrkScenarioMain(name: string, args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      generator: { type: 'string' },
      connections: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      rounds: { type: 'string' },
      'generator-processes': { type: 'string' },
      // `scale` only: the scenario whose buyers and config it runs, and the set sizes
      scenario: { type: 'string' },
      processes: { type: 'string' },
    },
    strict: true,
  });
  const scale = name === 'scale';
  if (!scale && (values.scenario !== undefined || values.processes !== undefined)) throw new Error('--scenario and --processes belong to the scale scenario: npm run bench -- scale --generator wrk --scenario http-5 --processes 1,2');
  const int = (flag: string | undefined, what: string, fallback: number, min = 1) => {
    if (flag === undefined) return fallback;
    const n = Number(flag);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${what}: not a whole number of at least ${min}: "${flag}"`);
    return n;
  };
  const connections = int(values.connections, 'connections', 50);
  const durationS = int(values.duration, 'duration', 8);
  const warmupS = int(values.warmup, 'warmup', 3, 0);
  const rounds = int(values.rounds, 'rounds', 3);
  const file = loadScenario(scale ? (values.scenario ?? 'http-5') : name);
  const counts = scale ? processCounts(values.processes ?? `1,${Math.max(2, availableParallelism())}`) : [];
  const generator = generatorFor(file.name, values.generator, file.seller);
  const generatorProcesses = int(values['generator-processes'], 'generator-processes', 1);
  if (generator === 'wrk' && values['generator-processes'] !== undefined) throw new Error('--generator-processes: frames only (wrk runs one thread, which drives the front ceiling past 3× the relay)');
  if (generatorProcesses > connections) throw new Error(`--generator-processes ${generatorProcesses}: more processes than --connections ${connections}`);
  if (generator === 'wrk') assertWrk();
  const redisUrl = process.env.REDIS_URL || DEFAULT_REDIS_URL;
  await assertRedis(redisUrl);
  const command = `npm run bench -- ${[name, ...args].join(' ')}`;
  const scenarios = scale ? scaleScenarios(file, counts) : fileScenarios(file);
  const buyers = expandBuyers(file)
    .filter((b) => b.transport === 'http')
    .map((b) => b.behaviour);
  const runs: WrkRoundRun[] = [];
  for (let round = 0; round < rounds; round++) {
    const order = roundOrder(scenarios, round);
    console.error(`bench: ${generator} round ${round + 1} of ${rounds}: ${order.map((s) => s.name).join(' → ')}`);
    const measured: Measurement<WrkRoundRun> = {
      async measure({ scenario, target }) {
        const calls = { route: scenario.route ?? 'ping', tmaxMs: scenario.tmaxMs ?? DEFAULT_TMAX_MS, headers: target.headers } as const;
        const serverCpuSeconds = serverCpuReader(target);
        const base = { url: target.url, connections, serverCpuSeconds, ...calls };
        // the baselines take any key on their seller socket; Gavel's is the demo seller's
        const key = target.sellerKey ?? DEMO_SELLER_KEY;
        const load = (durationS: number, firstLead: number) =>
          generator === 'frames' ? runFrames({ ...base, key, processes: generatorProcesses, durationS, firstLead }) : runWrk({ ...base, durationS, firstLead });
        // a cold server is slow for its first seconds (pools empty, code not yet optimised): not measured
        if (warmupS > 0) await load(warmupS, WARMUP_FIRST_LEAD);
        // Gavel's own count of the measured run (its answers by outcome, store errors, late answers): what the generator's non-2xx were
        await target.mark();
        const run = await load(durationS, 0);
        const notes = await target.notes();
        console.error(`bench:   ${scenario.name}: ${Math.round(run.okPerSecond)}/s, ${Math.round(run.serverMicrosPerCall)} µs CPU per call, ${generator} ${Math.round(run.generatorCoreShare * 100)}% of a core`);
        return [{ server: scenario.name, round: round + 1, run, notes, problems: [] }];
      },
      stopped(results, problems) {
        for (const r of results) r.problems.push(...problems);
        if (problems.length > 0) console.error(`bench: ${problems.join('; ')}`);
      },
    };
    runs.push(...(await runScenarios(buyers, order, redisUrl, measured)));
  }
  const report: WrkReport = { scenario: scale ? { ...file, name: `scale-${file.name}`, description: `Gavel as sets of ${counts.join(', ')} processes on ${file.name}'s buyers, one Redis: ${file.description}` } : file, date: new Date().toISOString(), machine: machine(), command, generator, generatorProcesses, connections, durationS, warmupS, rounds, runs };
  writeResults(wrkReportFiles(report));
  console.log(renderWrkReport(report));
  console.error(`bench: report and JSON in ${join(RESULTS_DIR, report.scenario.name)}`);
}

/** "1,2,4": the set sizes `scale` measures, each a whole number from 1, no repeats, ascending. */
export function processCounts(text: string): number[] {
  const counts = text.split(',').map((x) => Number(x.trim()));
  if (counts.some((n) => !Number.isInteger(n) || n < 1) || new Set(counts).size !== counts.length) throw new Error(`--processes: whole numbers from 1, each once, like 1,2,4: "${text}"`);
  if (!counts.includes(1)) throw new Error(`--processes: the sizes must include 1, the baseline of the efficiency: "${text}"`);
  return counts.sort((a, b) => a - b);
}
