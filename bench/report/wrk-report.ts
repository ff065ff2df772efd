import { join } from 'node:path';
import type { ScenarioFile } from '../scenario-file.js';
import { loadText, type GeneratorName } from '../support/closed-loop-generator.js';
import type { WrkRun } from '../support/wrk-load.js';
import { socketErrorCount } from '../support/wrk-output.js';
import { CEILING_HEADROOM, GENERATOR_CORE_LIMIT, median, wrkVerdict, type ServerFigures, type Verdict } from '../support/wrk-verdict.js';
import { RESULTS_DIR, type ResultFile } from './write-results.js';

/** One server measured once by the generator (wrk, or frames on the seller socket), in one round. */
export interface WrkRoundRun {
  server: string;
  /** from 1 */
  round: number;
  run: WrkRun;
  /** what the server counted of the measured run (Gavel: its answers by outcome, store errors, late answers); empty for a baseline */
  notes: string[];
  /** what the server's stop found wrong (a crash, errors it logged): the figures are suspect */
  problems: string[];
}

/** What `npm run bench -- <scenario> --generator wrk|frames` measured: <generator>-report.json is this. */
export interface WrkReport {
  scenario: ScenarioFile;
  date: string;
  machine: string;
  command: string;
  /** the load generator, named in the report wherever its figures are */
  generator: GeneratorName;
  /** frames: the generator's processes sharing the calls (wrk: 1) */
  generatorProcesses: number;
  connections: number;
  durationS: number;
  warmupS: number;
  rounds: number;
  runs: WrkRoundRun[];
}

/** A server's figures over its rounds: medians, and the generator's highest share of a core. */
export interface ServerSummary extends ServerFigures {
  server: string;
  rounds: number;
  p99Ms: number;
  generatorMicrosPerRequest: number;
  non2xx: number;
  socketErrors: number;
}

export function summarise(runs: readonly WrkRoundRun[]): ServerSummary[] {
  const names = [...new Set(runs.map((r) => r.server))];
  return names.map((server) => {
    const own = runs.filter((r) => r.server === server).map((r) => r.run);
    return {
      server,
      rounds: own.length,
      perSecond: median(own.map((r) => r.okPerSecond)),
      cpuMicrosPerCall: median(own.map((r) => r.serverMicrosPerCall)),
      generatorCoreShare: Math.max(...own.map((r) => r.generatorCoreShare)),
      p99Ms: median(own.map((r) => r.output.latency.p99 ?? Number.NaN)),
      generatorMicrosPerRequest: median(own.map((r) => r.generatorMicrosPerRequest)),
      non2xx: own.reduce((n, r) => n + r.output.non2xx, 0),
      socketErrors: own.reduce((n, r) => n + socketErrorCount(r.output.socketErrors), 0),
    };
  });
}

/** Gavel / relay within each round that measured both. */
export function roundRatios(runs: readonly WrkRoundRun[]): { round: number; throughput: number; cpuPerCall: number }[] {
  const rounds = [...new Set(runs.map((x) => x.round))];
  return rounds.flatMap((round) => {
    const relay = runs.find((x) => x.round === round && x.server.startsWith('bare relay'))?.run;
    const gavel = runs.find((x) => x.round === round && x.server.startsWith('Gavel'))?.run;
    if (relay === undefined || gavel === undefined) return [];
    return [{ round, throughput: gavel.okPerSecond / relay.okPerSecond, cpuPerCall: gavel.serverMicrosPerCall / relay.serverMicrosPerCall }];
  });
}

const byKind = (s: readonly ServerSummary[], prefix: string) => s.find((x) => x.server.startsWith(prefix));

/** A set of N processes against one: pings/s ÷ (N × one process's), from the medians. */
export function scaleEfficiency(s: readonly ServerSummary[]): { processes: number; perSecond: number; efficiency: number }[] {
  const sets = s.flatMap((x) => {
    const m = /^Gavel, (\d+) process(es)?$/.exec(x.server);
    return m === null ? [] : [{ processes: Number(m[1]), perSecond: x.perSecond }];
  });
  const one = sets.find((x) => x.processes === 1);
  if (one === undefined || sets.length < 2) return [];
  return sets.map((x) => ({ ...x, efficiency: x.perSecond / (x.processes * one.perSecond) }));
}

/** Gavel against the relay, or the reasons the report gives none. */
export function verdictOf(s: readonly ServerSummary[], generator: GeneratorName = 'wrk'): Verdict {
  return wrkVerdict(byKind(s, 'front ceiling'), byKind(s, 'bare relay'), byKind(s, 'Gavel'), generator);
}

const f = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '—');
const pct = (x: number) => `${Math.round(x * 100)}%`;

export function renderWrkReport(r: WrkReport): string {
  const summary = summarise(r.runs);
  const g = r.generator;
  const verdict = verdictOf(summary, g);
  const problems = r.runs.flatMap((x) => x.problems.map((p) => `round ${x.round}, ${x.server}: ${p}`));
  const rows = r.runs.map(({ server, round, run }) => {
    const o = run.output;
    return `| ${round} | ${server} | ${f(run.okPerSecond)} | ${f(o.latency.p50 ?? Number.NaN, 2)} | ${f(o.latency.p99 ?? Number.NaN, 2)} | ${f(run.serverMicrosPerCall)} | ${pct(run.generatorCoreShare)} | ${f(run.generatorMicrosPerRequest, 1)} | ${o.non2xx} | ${socketErrorCount(o.socketErrors)} |`;
  });
  const medians = summary.map((s) => `| ${s.server} | ${f(s.perSecond)} | ${f(s.p99Ms, 2)} | ${f(s.cpuMicrosPerCall)} | ${pct(s.generatorCoreShare)} | ${f(s.generatorMicrosPerRequest, 1)} | ${s.non2xx} | ${s.socketErrors} |`);
  const perRound = roundRatios(r.runs);
  const list = (xs: number[]) => `${xs.map((x) => x.toFixed(2)).join(', ')} (median ${median(xs).toFixed(2)})`;
  const result = verdict.ratios
    ? [
        `**Gavel / bare relay** (medians of ${r.rounds} rounds): pings/s **${verdict.ratios.throughput.toFixed(2)}**, CPU per ping **${verdict.ratios.cpuPerCall.toFixed(2)}**.`,
        ...(perRound.length > 1 ? ['', `Round by round (the two servers a few seconds apart, so the box's drift between rounds cancels): pings/s ${list(perRound.map((x) => x.throughput))}; CPU per ping ${list(perRound.map((x) => x.cpuPerCall))}.`] : []),
      ]
    : ['**No ratio printed.** Gavel / relay is given only when both were measured and the generator was the limit of neither; here:', '', ...verdict.refused.map((x) => `- ${x}`)];
  return [
    `### ${r.scenario.name} under ${g}: ${r.scenario.description}`,
    '',
    `Machine: ${r.machine}. Command: \`${r.command}\`. Date: ${r.date.slice(0, 10)}.`,
    `Load: ${loadText(g, r.connections, r.durationS, r.generatorProcesses)}, every request a different lead, for ${r.durationS} s after ${r.warmupS} s of warm-up per server; ${r.rounds} rounds, the servers' order alternating (ABBA), each server started afresh each round. CPU from /proc/<pid>/stat (every thread), the server's per answer under 400 (on the socket: per answer not an error), ${owner(g)} own per request; ${owner(g)} share is of one core over its run${r.generatorProcesses > 1 ? ' (the highest of its processes)' : ''}.`,
    '',
    `| round | server | pings/s | p50 ms | p99 ms | server CPU µs/ping | ${g}, share of a core | ${g} CPU µs/request | ${errorsColumn(g)} | socket errors |`,
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    `Medians of the rounds (${owner(g)} share: the highest):`,
    '',
    `| server | pings/s | p99 ms | server CPU µs/ping | ${g}, share of a core | ${g} CPU µs/request | ${errorsColumn(g)} | socket errors |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...medians,
    '',
    ...result,
    ...scaleLines(summary, verdict),
    '',
    `The rule: no ratio when ${g} used ${pct(GENERATOR_CORE_LIMIT)} of a core or more against the relay or Gavel, or when the front ceiling it reached is under ${CEILING_HEADROOM}× the relay's pings/s. Against the front ceiling ${g} may well be at a full core: the ceiling is then a floor of what that server answers, and what matters is that it stands well above the servers compared.`,
    ...ownCounts(r),
    // a crash makes a run's figures suspect; a warning (Redis without persistence on a bench box) may not: the reader judges
    ...(problems.length > 0 ? ['', 'What the servers reported when stopped (a crash, the warnings and errors they logged):', '', ...problems.map((p) => `- ${p}`)] : []),
    '',
  ].join('\n');
}

/** The scale scenario's efficiency, under the same rule as the ratio: none when the generator was the limit. */
function scaleLines(summary: readonly ServerSummary[], verdict: Verdict): string[] {
  const scale = scaleEfficiency(summary);
  if (scale.length === 0) return [];
  if (verdict.ratios === undefined) return ['', '**No scaling efficiency printed**, for the reasons above.'];
  return [
    '',
    '**Scaling** (one Redis; pings/s of N processes ÷ N × one process\'s, medians):',
    '',
    '| processes | pings/s | efficiency |',
    '| ---: | ---: | ---: |',
    ...scale.map((x) => `| ${x.processes} | ${f(x.perSecond)} | ${x.efficiency.toFixed(2)} |`),
  ];
}

/** Gavel's own count of each measured run: what its answers were, the generator counting only statuses (or error answers). */
function ownCounts(r: WrkReport): string[] {
  const counted = r.runs.filter((x) => x.notes.length > 0);
  if (counted.length === 0) return [];
  return ['', "Gavel's own count of each measured run (its metrics, read before and after):", '', ...counted.flatMap((x) => [`- round ${x.round}, ${x.server}:`, ...x.notes.map((n) => `  - ${n}`)])];
}

/** "wrk's", "frames'" */
const owner = (g: GeneratorName) => (g.endsWith('s') ? `${g}'` : `${g}'s`);

/** What a generator counts as a failed call: wrk, statuses of 400 and up; frames, error answers on the socket. */
const errorsColumn = (g: GeneratorName) => (g === 'wrk' ? 'non-2xx' : 'error answers');

/** <generator>-report.md and .json (wrk-report.md, frames-report.md) in the scenario's results folder, beside its open-loop report. */
export function wrkReportFiles(r: WrkReport): ResultFile[] {
  const dir = join(RESULTS_DIR, r.scenario.name);
  const summary = summarise(r.runs);
  return [
    { path: join(dir, `${r.generator}-report.md`), text: renderWrkReport(r) },
    { path: join(dir, `${r.generator}-report.json`), text: `${JSON.stringify({ ...r, summary, verdict: verdictOf(summary, r.generator) }, null, 2)}\n` },
  ];
}
