import { join } from 'node:path';
import type { ScenarioFile } from '../scenario-file.js';
import { accountsHold, ANSWERED_OUTCOMES, type ServerRun } from '../support/measure-at-rate.js';
import { publishingSection } from './publishing-section.js';
import { latencyHistogramSvg, latencyOverTimeSvg } from './svg-plots.js';
import { RESULTS_DIR, type ResultFile } from './write-results.js';

/** What `npm run bench -- <scenario>` measured: report.json is this, compare reads it. */
export interface ScenarioReport {
  scenario: ScenarioFile;
  /** set for a closed-loop run (--connections): calls in flight; the rate is then what each server reached */
  connections?: number;
  date: string;
  machine: string;
  command: string;
  rate: number;
  durationS: number;
  runs: ServerRun[];
}

const f = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '—');

/** The markdown table: every figure, and each server's pings/s and p99 as a ratio to both baselines. */
export function renderScenarioReport(r: ScenarioReport): string {
  const ceiling = r.runs.find((x) => x.server.startsWith('front ceiling'));
  const relay = r.runs.find((x) => x.server.startsWith('bare relay'));
  // at a fixed offered rate every server answers the same number: what differs is the time and the CPU each answer took
  const ratio = (a: number, b: number | undefined) => (b === undefined || !(b > 0) || !Number.isFinite(a) ? '—' : f(a / b));
  const closed = r.connections !== undefined;
  const fill = (x: ServerRun) => {
    if (closed) return '—'; // autocannon counts statuses, not what the answers said
    const won = x.load.outcomes[r.scenario.route === 'ping' ? 'bid' : 'sold'] ?? 0;
    return `${f((won / Math.max(1, x.load.completed)) * 100, 1)}%`;
  };
  const perS = (x: ServerRun | undefined) => (x === undefined ? undefined : x.load.completed / x.load.elapsedS);
  const rows = r.runs.map((x) => {
    const l = x.load;
    const errors = Object.entries(l.outcomes)
      .filter(([k]) => !ANSWERED_OUTCOMES.includes(k))
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    const g = x.gavel;
    const throughput = closed ? ` ${ratio(perS(x)!, perS(ceiling))} | ${ratio(perS(x)!, perS(relay))} |` : '';
    return `| ${x.server} | ${f(closed ? perS(x)! : l.completed / r.durationS, 0)} | ${f(l.latency.p50)} | ${f(l.latency.p90)} | ${f(l.latency.p99)} | ${f(l.latency.p999)} | ${f(l.latency.max)} | ${l.over} | ${g ? g.lateAnswers : '—'} | ${g ? f(g.bidsPerAuction) : '—'} | ${fill(x)} | ${errors || 'none'} | ${f(x.cpuMicrosPerCall, 0)} | ${f(g?.peakRssMb ?? x.peakRssMb ?? Number.NaN, 0)} | ${ratio(l.latency.p99, ceiling?.load.latency.p99)} | ${ratio(l.latency.p99, relay?.load.latency.p99)} | ${ratio(x.cpuMicrosPerCall, relay?.cpuMicrosPerCall)} |${throughput}`;
  });
  const load = closed
    ? `Closed loop: ${r.connections} calls in flight at all times (${r.scenario.seller === 'socket' ? 'over seller sockets' : `autocannon, ${r.connections} connections`}) for ${r.durationS} s; answers/s is the most each server answered, latency from each call's send, ms.`
    : `Open-loop load at ${r.rate}/s for ${r.durationS} s; latency from the moment each call was due (no coordinated omission), ms.`;
  return [
    `### ${r.scenario.name}: ${r.scenario.description}`,
    '',
    `Machine: ${r.machine}. Command: \`${r.command}\`. Date: ${r.date.slice(0, 10)}. ${r.scenario.route === 'ping' ? '/v1/ping' : '/v1/leads'} over ${r.scenario.seller === 'socket' ? 'the seller socket' : 'HTTP'}, tmax ${r.scenario.tmax_ms} ms. ${load}`,
    '',
    `| server | answers/s | p50 | p90 | p99 | p99.9 | max | over tmax (client) | late (Gavel) | bids/auction | fill | errors | CPU µs/call | peak RSS MB | p99 vs ceiling | p99 vs relay | CPU vs relay |${closed ? ' answers/s vs ceiling | answers/s vs relay |' : ''}`,
    `| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |${closed ? ' ---: | ---: |' : ''}`,
    ...rows,
    ...generatorSection(r),
    ...ownViewSection(r),
    ...accountsSection(r),
    ...publishingSection(r),
    ...rampSection(r),
  ].join('\n');
}

/** A section below the main table: a paragraph, then a table whose first column is text and the rest numbers unless `textColumns` says otherwise. */
function tableSection(intro: string, head: readonly string[], rows: readonly string[], textColumns: ReadonlySet<number> = new Set([0])): string[] {
  return ['', intro, '', `| ${head.join(' | ')} |`, `| ${head.map((_, i) => (textColumns.has(i) ? '---' : '---:')).join(' | ')} |`, ...rows];
}

/** above this share of a core, the generator's own event loop is in the latencies it reports */
const GENERATOR_BUSY = 0.5;

/**
 * The load generator's own CPU in each run, and from the front ceiling's run what it can start
 * at most: a Node process at one core. The open loop stays the source of latency figures (no
 * coordinated omission), so its capacity is stated where its figures are: a rate near it measures
 * the generator, not the server.
 */
function generatorSection(r: ScenarioReport): string[] {
  const runs = r.runs.filter((x) => x.generator !== undefined);
  if (runs.length === 0) return [];
  const ceiling = runs.find((x) => x.server.startsWith('front ceiling'));
  const perS = (x: ServerRun) => x.load.completed / x.load.elapsedS;
  const who = r.connections !== undefined ? (r.scenario.seller === 'socket' ? 'the socket closed loop' : 'autocannon') : 'the open-loop generator';
  const capacity =
    ceiling !== undefined && ceiling.generator!.cpuMicrosPerCall > 0
      ? ` Against the front ceiling it spent ${f(ceiling.generator!.cpuMicrosPerCall, 1)} µs per call, ${f(ceiling.generator!.coreShare * 100, 0)}% of a core at ${f(perS(ceiling), 0)}/s: at that cost one core would start about ${f(1e6 / ceiling.generator!.cpuMicrosPerCall, 0)} calls/s (a rough figure: the cost per call falls as calls share the loop's turns, and well before a full core its own event loop delays the calls it times). Its highest clean rate is measured with \`npm run bench -- ${r.scenario.name} --generator-capacity\`.`
      : '';
  const busy = runs.filter((x) => x.generator!.coreShare >= GENERATOR_BUSY).map((x) => x.server);
  const warn = busy.length > 0 ? ` **The generator used half a core or more in: ${busy.join(', ')}**: its own queueing is in those latencies.` : '';
  return tableSection(
    `The load generator (${who}, this process) over each measured run.${capacity}${warn}`,
    ['server', 'generator CPU µs/call', 'generator, share of a core'],
    runs.map((x) => `| ${x.server} | ${f(x.generator!.cpuMicrosPerCall, 1)} | ${f(x.generator!.coreShare * 100, 0)}% |`),
  );
}

/**
 * Gavel's own p99s beside the client's: time a call spent before Gavel's handler saw it or after
 * it wrote the answer (a queue on a busy box, a collection) shows as the difference.
 */
function ownViewSection(r: ScenarioReport): string[] {
  const runs = r.runs.filter((x) => x.gavel?.auctionP99 !== undefined);
  if (runs.length === 0) return [];
  return tableSection(
    "Gavel's own view, from its histograms (bucket bounds, ms): its auction time from receipt to the answer written, and the settle (end of the fan-out to the answer ready: rank, hold, save), against the p99 the client saw.",
    ['server', 'p99 at the client', 'auction p99 (Gavel)', 'settle p99 (Gavel)'],
    runs.map((x) => `| ${x.server} | ${f(x.load.latency.p99)} | ${x.gavel!.auctionP99} | ${x.gavel!.settleP99} |`),
  );
}

/** Each Gavel run's account against the buyers' own: what they said they received and answered. */
function accountsSection(r: ScenarioReport): string[] {
  const runs = r.runs.filter((x) => x.accounts !== undefined);
  if (runs.length === 0) return [];
  return tableSection(
    "The buyers' account against Gavel's, over the measured run: pings they received and Gavel counted; bids and accepted posts they sent (those after their time by their clock in brackets) and Gavel took (socket buyers' answers Gavel read after their time, by its clock, in brackets: a stalled box can make an answer sent in time arrive late); personal data in pings and requests off the protocol, which must be 0.",
    ['server', 'pings: buyers / Gavel', 'bids: buyers (late) / Gavel (read late)', 'accepted posts: buyers (late) / Gavel', 'PII in pings', 'bad requests', 'agree'],
    runs.map((x) => {
      const a = x.accounts!;
      return `| ${x.server} | ${a.pings.buyers} / ${a.pings.gavel} | ${a.bids.buyers} (${a.bids.late}) / ${a.bids.gavel} (${a.bids.readLate}) | ${a.accepted.buyers} (${a.accepted.late}) / ${a.accepted.gavel} | ${a.piiInPings} | ${a.badRequests} | ${accountsHold(a) ? 'yes' : 'NO'} |`;
    }),
    new Set([0, 6]),
  );
}

/** With --ramp: the highest rate each server held, as a ratio to both baselines, and its steps. */
function rampSection(r: ScenarioReport): string[] {
  if (!r.runs.some((x) => x.ramp !== undefined)) return [];
  const heldOf = (prefix: string) => r.runs.find((x) => x.server.startsWith(prefix))?.ramp?.held;
  const ceiling = heldOf('front ceiling');
  const relay = heldOf('bare relay');
  const ratio = (a: number, b: number | undefined) => (b === undefined || b === 0 ? '—' : f(a / b));
  return tableSection(
    `Ramp: ×1.25 a step from ${r.rate}/s, each step held while p99 ≤ the bound and no more than the bound's share of calls came back after tmax; the rows above are each server's last step that held.`,
    ['server', 'highest rate held /s', 'vs ceiling', 'vs relay', "steps (rate: p99 ms, share over tmax, the generator's share of a core)"],
    r.runs.map((x) => {
      const held = x.ramp?.held ?? 0;
      const steps = (x.ramp?.steps ?? []).map((st) => `${st.rate}: ${f(st.p99, 1)}, ${f(st.overShare * 100, 1)}%${st.generatorShare !== undefined ? `, generator ${f(st.generatorShare * 100, 0)}%` : ''}${st.ok ? '' : ' ✗'}`).join('; ');
      return `| ${x.server} | ${held} | ${ratio(held, ceiling)} | ${ratio(held, relay)} | ${steps} |`;
    }),
    new Set([0, 4]),
  );
}

/** JSON for machines, markdown for people, SVG plots for browsers: the files of bench/results/<scenario>/. */
export function scenarioResultFiles(r: ScenarioReport, folder = r.scenario.name): ResultFile[] {
  const dir = join(RESULTS_DIR, folder);
  const files: ResultFile[] = [
    { path: join(dir, 'report.json'), text: JSON.stringify(r, null, 2) },
    { path: join(dir, 'report.md'), text: renderScenarioReport(r) + '\n' },
  ];
  for (const run of r.runs) {
    // the server's name up to its parenthesis: "gavel", "gavel-without-trace", "bare-relay"
    const slug = run.server.replace(/\s*\(.*$/, '').toLowerCase().replace(/[^a-z]+/g, '-').replace(/^-|-$/g, '');
    if (run.load.perSecond.length > 0) files.push({ path: join(dir, `${slug}-latency-over-time.svg`), text: latencyOverTimeSvg(`${r.scenario.name}: ${run.server}, latency per second`, run.load.perSecond) });
    files.push({ path: join(dir, `${slug}-latency-histogram.svg`), text: latencyHistogramSvg(`${r.scenario.name}: ${run.server}, latency histogram`, run.load.buckets) });
  }
  return files;
}
