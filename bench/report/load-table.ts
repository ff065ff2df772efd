import type { LoadSettings, ScenarioResult } from '../scenarios/scenario.js';
import { machine } from '../support/machine.js';

export const ms = (x: number) => x.toFixed(2);
export const ratio = (x: number, base: number | undefined) => (base === undefined || base === 0 ? '-' : (x / base).toFixed(2));

/** "12 / 4860 (0.25%)": the count with what it is out of, so a short run's few answers show */
export function share(part: number, whole: number): string {
  return part === 0 ? `0 / ${whole}` : `${part} / ${whole} (${((100 * part) / Math.max(1, whole)).toFixed(2)}%)`;
}

/** Columns a part adds to the load table, right of the shared ones; `base` is the baseline's row at the same level. */
export interface ExtraColumns {
  headers: string[];
  cells(row: ScenarioResult, base: ScenarioResult | undefined): string[];
}

/** The runs of one part of the bench: its rows, the row each is compared with, what its buyers were. */
export interface PartFigures {
  results: ScenarioResult[];
  /** the scenario every other is compared with, at the same load level */
  baseline: string;
  buyers: string;
  notes: string[];
}

/** What a section of the report says of the run it comes from. */
export interface RunInfo {
  date: Date;
  command: string;
  load: LoadSettings;
}

/** A part's heading with its machine, command and date, so the part can be lifted into bench/README.md as it is. */
export function sectionHead(title: string, run: RunInfo): string[] {
  return ['', `### ${title}`, '', `Machine: ${machine()}. Command: \`${run.command}\`. Date: ${run.date.toISOString().slice(0, 10)}.`, ''];
}

/** "2 s of warm-up, then 10 s with 32 in flight, then 5 s with 1 in flight" */
export function loadPlan(load: LoadSettings): string {
  return `per server ${load.warmupS} s of warm-up, then ` + load.levels.map((l) => `${l.durationS} s with ${l.label}`).join(', then ');
}

/**
 * One row per scenario and level: rate, latency, failures, CPU per ping, each against the
 * baseline's row at the same level of the same run (the machine is noisy: the ratio is what
 * compares across runs). Rows with a deadline are left out: they ask another tmax of other buyers.
 */
export function loadTable(p: PartFigures, load: LoadSettings, labels: { baseline: string; cpu: string }, extra?: ExtraColumns): string[] {
  const more = (cells: readonly string[]) => cells.map((c) => ` ${c} |`).join('');
  const lines = [
    `| scenario | load | pings/s | p50 ms | p99 ms | non-2xx / errors | pings/s vs ${labels.baseline} | ${labels.cpu} CPU µs/ping | CPU vs ${labels.baseline} |${more(extra?.headers ?? [])}`,
    `| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |${more((extra?.headers ?? []).map(() => '---:'))}`,
  ];
  for (const level of load.levels) {
    const base = p.results.find((x) => x.name === p.baseline && x.level === level);
    for (const row of p.results.filter((x) => x.level === level && x.deadline === undefined)) {
      const x = row.result;
      lines.push(
        `| ${row.name} | ${level.label} | ${Math.round(x.perSecond)} | ${ms(x.p50)} | ${ms(x.p99)} | ${x.non2xx} / ${x.errors} | ` +
          `${ratio(x.perSecond, base?.result.perSecond)} | ${Math.round(row.cpuMicrosPerPing)} | ${ratio(row.cpuMicrosPerPing, base?.cpuMicrosPerPing)} |` +
          more(extra?.cells(row, base) ?? []),
      );
    }
  }
  return lines;
}

/** Each run's notes and problems under its name, then the part's own notes. */
export function runNotes(p: PartFigures): string[] {
  const lines: string[] = [];
  for (const row of p.results) {
    if (row.notes.length === 0 && row.problems.length === 0) continue;
    lines.push('', `**${row.name}, ${row.level.label}**`, '');
    for (const n of row.notes) lines.push(`- ${n}`);
    for (const pr of row.problems) lines.push(`- PROBLEM: ${pr}`);
  }
  if (p.notes.length > 0) lines.push('', ...p.notes.map((n) => `- ${n}`));
  return lines;
}
