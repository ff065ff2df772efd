import { publishFigures } from '../support/config-publisher.js';
import { failedCalls, type ServerRun } from '../support/measure-at-rate.js';
import type { ScenarioReport } from './scenario-report.js';

const f = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '—');

/**
 * With --publish-every: what the publishes did and what the load saw, every Gavel run of the
 * report side by side, so the tail of the run that published reads against the run that did
 * not, measured on the same buyers. Failed calls and late answers are given as counts, zeros
 * too: a run that publishes must show none.
 */
export function publishingSection(r: ScenarioReport): string[] {
  const publishing = r.runs.filter((x) => x.publishing !== undefined);
  if (publishing.length === 0) return [];
  const closed = r.connections !== undefined;
  const perS = (x: ServerRun) => (closed ? x.load.completed / x.load.elapsedS : x.load.completed / r.durationS);
  const rows = r.runs
    .filter((x) => x.gavel !== undefined)
    .map((x) => {
      const p = x.publishing !== undefined ? publishFigures(x.publishing) : undefined;
      const made = p ? `${p.made} | ${p.failed} | ${p.live} | ${f(p.publishP50Ms)} / ${f(p.publishMaxMs)} | ${f(p.lagMaxMs)}` : '— | — | — | — | —';
      return `| ${x.server} | ${made} | ${f(perS(x), 0)} | ${f(x.load.latency.p50)} | ${f(x.load.latency.p99)} | ${failedCalls(x.load)} | ${x.gavel!.lateAnswers} | ${x.load.over} |`;
    });
  const plain = r.runs.find((x) => x.server === 'Gavel');
  const verdicts = publishing.map((x) => {
    const p = publishFigures(x.publishing!);
    const failed = failedCalls(x.load);
    const late = x.gavel?.lateAnswers ?? 0;
    const versions = `${p.live} of ${p.made} publishes live${p.live > 0 ? `, the slowest ${f(p.lagMaxMs)} ms after its publish answered` : ''}${p.failed > 0 ? `; ${p.failed} ${p.failed === 1 ? 'publish' : 'publishes'} failed (${firstErrors(x)})` : ''}`;
    const calls =
      failed === 0 && late === 0
        ? 'no call failed and none was answered late'
        : `${failed} calls failed and ${late} answers were late${plain ? ` (without publishing: ${failedCalls(plain.load)} and ${plain.gavel?.lateAnswers ?? 0})` : ''}`;
    const p99 = plain ? `; p99 ${f(x.load.latency.p99)} ms against ${f(plain.load.latency.p99)} ms without publishing` : '';
    return `- ${x.server}: ${versions}; ${calls}${p99}.`;
  });
  return [
    '',
    `Configuration versions published under load: in each publishing run, a new version every ${+(publishing[0]!.publishing!.everyMs / 1000).toFixed(3)} s of the measured run through the admin API (a draft of the live version, every campaign's margin moved by a point, 0.2 ↔ 0.21, published), so each is a real version the campaigns compile again for, with the auctions' outcome alike. A version is live when /ready (read every 10 ms after the publish) reports it; its lag is from the publish call's answer. Failed calls (an error answer, no answer, or none in time) and late answers must be 0.`,
    '',
    '| server | publishes | failed publishes | versions live | publish call p50 / max ms | lag to live max ms | answers/s | p50 | p99 | failed calls | late (Gavel) | over tmax (client) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    ...verdicts,
  ];
}

/** the distinct errors of a run's failed publishes, the first three */
function firstErrors(x: ServerRun): string {
  return [...new Set(x.publishing!.records.flatMap((r) => (r.error !== undefined ? [r.error] : [])))].slice(0, 3).join('; ');
}
