import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release, type } from 'node:os';
import { dirname } from 'node:path';
import type { LoadSettings, ScenarioResult } from './scenarios/scenario.js';

export interface Report {
  date: Date;
  command: string;
  load: LoadSettings;
  buyers: string;
  /** the scenario every other is compared with, at the same load level */
  baseline: string;
  results: ScenarioResult[];
  notes: string[];
}

function machine(): string {
  const cores = cpus();
  return `${cores[0]?.model.trim() ?? 'unknown CPU'}, ${cores.length} cores, ${type()} ${release()}, Node ${process.version}`;
}

const ms = (x: number) => x.toFixed(2);
const ratio = (x: number, base: number | undefined) => (base === undefined || base === 0 ? '-' : (x / base).toFixed(2));

/** The README's Benchmarks table, as markdown. */
export function renderReport(r: Report): string {
  const lines = [
    `# Gavel bench, ${r.date.toISOString()}`,
    '',
    `- machine: ${machine()}`,
    `- command: \`${r.command}\``,
    `- load: autocannon, a distinct lead per ping, latency measured at the client; per server ${r.load.warmupS} s of warm-up, then ` +
      r.load.levels.map((l) => `${l.durationS} s with ${l.label}`).join(', then '),
    `- buyers: ${r.buyers}`,
    `- server CPU: user + system time of the server process over the run, per answered ping (the load generator, buyers and Redis share the machine)`,
    '',
    '| scenario | load | pings/s | p50 ms | p99 ms | non-2xx / errors | pings/s vs baseline | server CPU µs/ping | CPU vs baseline |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const level of r.load.levels) {
    const base = r.results.find((x) => x.name === r.baseline && x.level === level);
    for (const row of r.results.filter((x) => x.level === level)) {
      const x = row.result;
      lines.push(
        `| ${row.name} | ${level.label} | ${Math.round(x.perSecond)} | ${ms(x.p50)} | ${ms(x.p99)} | ${x.non2xx} / ${x.errors} | ` +
          `${ratio(x.perSecond, base?.result.perSecond)} | ${Math.round(row.cpuMicrosPerPing)} | ${ratio(row.cpuMicrosPerPing, base?.cpuMicrosPerPing)} |`,
      );
    }
  }
  for (const row of r.results) {
    if (row.notes.length === 0 && row.problems.length === 0) continue;
    lines.push('', `**${row.name}, ${row.level.label}**`, '');
    for (const n of row.notes) lines.push(`- ${n}`);
    for (const p of row.problems) lines.push(`- PROBLEM: ${p}`);
  }
  if (r.notes.length > 0) lines.push('', ...r.notes.map((n) => `- ${n}`));
  return lines.join('\n') + '\n';
}

export function writeReport(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}
