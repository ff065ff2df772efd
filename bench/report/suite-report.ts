import { holdRateSection } from './hold-rate-section.js';
import { loadPlan, loadTable, ms, runNotes, share, type PartFigures } from './load-table.js';
import type { HoldRateFigures } from '../scenarios/hold-rate.js';
import type { LoadSettings } from '../scenarios/scenario.js';
import { scoringSection, type ScoringFigures } from './scoring-section.js';
import { socketsSection } from './sockets-section.js';
import { machine } from '../support/machine.js';

export interface Report {
  date: Date;
  command: string;
  load: LoadSettings;
  /** the bare relay and Gavel over HTTP; absent when not run (--only without servers) */
  servers?: PartFigures;
  /** Gavel with and without its sockets; absent when not run */
  sockets?: PartFigures;
  /** absent when the cap scripts' rate was not measured */
  holds?: HoldRateFigures;
  /** the cost of scoring a lead, and Gavel with scoring off and on; absent when not run */
  scoring?: ScoringFigures;
}

const signed = (x: number) => (x > 0 ? '+' : '') + x.toFixed(2);

/**
 * The deadline scenarios, one row per margin and level: whether the answer left before
 * received_at + tmax, by Gavel's own count and by the client's clock. Gavel's clock starts
 * when its handler runs and stops when the answer is ready, so the client's view, which adds
 * the socket queues and the write, is the stricter one.
 */
function deadlineTable(p: PartFigures, load: LoadSettings): string[] {
  const rows = p.results.filter((x) => x.deadline !== undefined);
  if (rows.length === 0) return [];
  const tmax = [...new Set(rows.map((x) => x.deadline!.tmaxMs))].join(', ');
  const lines = [
    '',
    `### The deadline: every auction ends on its timer (tmax_ms ${tmax})`,
    '',
    'A buyer that never answers in time keeps each auction open until collectBy = received_at + tmax − response_margin_ms; ' +
      'what follows (the timer firing, rank, hold and save in Redis, the answer written) must fit in the margin. ' +
      '"late (Gavel)" is gavel_late_answers_total over gavel_pings_total, both counted when an answer is written, errors included ' +
      '(a 503 STORE_UNAVAILABLE is a hold and save not done by the deadline); it cannot see time spent before its handler runs. ' +
      '"over tmax (client)" counts answers of any status the load generator waited more than tmax for; 2xx/s, p50, p99 and max are of 2xx answers; ' +
      'server CPU is per answer of any status.',
    '',
    '| response_margin_ms | load | 2xx/s | p50 ms | p99 ms | p99 − tmax ms | max ms | late (Gavel) | over tmax (client) | settle p99 ms | non-2xx / errors | server CPU µs/answer | deadline held |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const level of load.levels) {
    for (const row of rows.filter((x) => x.level === level)) {
      const d = row.deadline!;
      const x = row.result;
      const held = d.late === 0 && d.overTmax === 0 && x.non2xx === 0 && x.errors === 0 ? 'yes' : 'no';
      lines.push(
        `| ${d.marginMs} | ${level.label} | ${Math.round(x.perSecond)} | ${ms(x.p50)} | ${ms(x.p99)} | ${signed(x.p99 - d.tmaxMs)} | ${ms(x.max)} | ` +
          `${share(d.late, d.answers)} | ${share(d.overTmax, d.answered)} | ${d.settleP99} | ${x.non2xx} / ${x.errors} | ${Math.round((row.cpuMicrosPerPing * x.ok) / Math.max(1, d.answered))} | ${held} |`,
      );
    }
  }
  return lines;
}

/** The servers' table, their deadline table and their notes. */
function serverSection(p: PartFigures, load: LoadSettings): string[] {
  return [
    `- load: autocannon, a distinct lead per ping, latency measured at the client; ${loadPlan(load)}`,
    `- buyers: ${p.buyers}`,
    `- server CPU: user + system time of the server process over the run, per answered ping (the load generator, buyers and Redis share the machine)`,
    '',
    ...loadTable(p, load, { baseline: 'baseline', cpu: 'server' }),
    ...deadlineTable(p, load),
    ...runNotes(p),
  ];
}

/** The suite's report, as markdown: the tables bench/README.md is written from. */
export function renderReport(r: Report): string {
  const lines = [`# Gavel bench, ${r.date.toISOString()}`, '', `- machine: ${machine()}`, `- command: \`${r.command}\``];
  if (r.servers !== undefined) lines.push(...serverSection(r.servers, r.load));
  if (r.sockets !== undefined) lines.push(...socketsSection(r.sockets, r));
  if (r.holds !== undefined) lines.push(...holdRateSection(r.holds));
  if (r.scoring !== undefined) lines.push(...scoringSection(r.scoring, r));
  return lines.join('\n') + '\n';
}
