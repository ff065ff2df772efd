import { readFileSync } from 'node:fs';
import type { ScenarioReport } from './report/scenario-report.js';
import type { ServerRun } from './support/measure-at-rate.js';

/** The figures of a server's run that compare, lower-is-better first. */
const FIGURES: [string, (r: ServerRun, durationS: number) => number, 'lower' | 'higher'][] = [
  ['p50 ms', (r) => r.load.latency.p50, 'lower'],
  ['p90 ms', (r) => r.load.latency.p90, 'lower'],
  ['p99 ms', (r) => r.load.latency.p99, 'lower'],
  ['p99.9 ms', (r) => r.load.latency.p999, 'lower'],
  ['max ms', (r) => r.load.latency.max, 'lower'],
  ['over tmax', (r) => r.load.over, 'lower'],
  ['CPU µs/call', (r) => r.cpuMicrosPerCall, 'lower'],
  ['answers/s', (r, d) => r.load.completed / d, 'higher'],
];

/** The change from a to b, as a percentage of a; '—' when either is missing or a is 0. */
export function change(a: number, b: number): string {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return '—';
  if (a === 0) return b === 0 ? '0%' : '—';
  const pct = ((b - a) / a) * 100;
  return `${pct > 0 ? '+' : ''}${pct.toFixed(1)}%`;
}

/** Two reports of the same scenario side by side, server by server: each figure in a, in b, and the change. */
export function compareReports(a: ScenarioReport, b: ScenarioReport): string {
  const out = [`### ${a.scenario.name}: ${a.date.slice(0, 16)} (a) against ${b.date.slice(0, 16)} (b)`, ''];
  if (a.scenario.name !== b.scenario.name) out.push(`(different scenarios: ${a.scenario.name} and ${b.scenario.name})`, '');
  if (a.rate !== b.rate || a.durationS !== b.durationS) out.push(`(different loads: ${a.rate}/s for ${a.durationS} s, and ${b.rate}/s for ${b.durationS} s)`, '');
  for (const ra of a.runs) {
    const rb = b.runs.find((x) => x.server === ra.server);
    if (rb === undefined) continue;
    out.push(`**${ra.server}**`, '', '| figure | a | b | change |', '| --- | ---: | ---: | ---: |');
    for (const [name, pick] of FIGURES) {
      const x = pick(ra, a.durationS);
      const y = pick(rb, b.durationS);
      out.push(`| ${name} | ${+x.toFixed(2)} | ${+y.toFixed(2)} | ${change(x, y)} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

export function compareFiles(pathA: string, pathB: string): string {
  const read = (p: string) => JSON.parse(readFileSync(p, 'utf8')) as ScenarioReport;
  return compareReports(read(pathA), read(pathB));
}
