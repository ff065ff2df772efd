import { h, s } from './dom.js';
import type { TraceSegment } from './trace-types.js';

const W = 880;
const LEFT = 150;
const ROW = 26;
const RIGHT = 150;

export function kindClass(kind: string): string {
  return kind === 'bid' ? 'bid' : kind === 'TIMEOUT' ? 'timeout' : kind === 'NO_BID' ? 'pass' : 'error';
}

/** One bar of a timeline: a name on the left, a span in ms, a colour class, a label after it. */
export interface Bar {
  name: string;
  from: number;
  to: number;
  cls: string;
  label: string;
}

/**
 * Bars on a time axis in ms against a deadline (a red line) and, when known, the moment the
 * answer was written (a blue one): the picture of a trace segment, and of a party's own part of one.
 */
export function bars(rows: readonly Bar[], deadlineMs: number | null, answeredMs: number | null, label: string): SVGElement {
  const span = Math.max(deadlineMs ?? 0, answeredMs ?? 0, ...rows.map((r) => r.to), 1) * 1.05;
  // room on the right for the label after the longest bar
  const x = (t: number) => LEFT + (t / span) * (W - LEFT - RIGHT);
  const height = 30 + rows.length * ROW + 20;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => Math.round(f * span));
  return s(
    'svg',
    { class: 'timeline', viewBox: `0 0 ${W} ${height}`, width: W, height, role: 'img', 'aria-label': label },
    ...ticks.map((t) => s('g', {}, s('line', { x1: x(t), x2: x(t), y1: 20, y2: height - 10, class: 'grid' }), s('text', { x: x(t), y: 14, class: 'tick' }, `${t} ms`))),
    ...rows.map((r, i) => {
      const y = 26 + i * ROW;
      return s(
        'g',
        { class: `row ${r.cls}`, 'data-buyer': r.name },
        s('text', { x: LEFT - 8, y: y + 14, class: 'name' }, r.name),
        s('rect', { x: x(r.from), y, width: Math.max(2, x(r.to) - x(r.from)), height: ROW - 8, rx: 3, class: `bar ${r.cls}` }, s('title', {}, `${r.name}: ${r.from.toFixed(1)}–${r.to.toFixed(1)} ms, ${r.label}`)),
        s('text', { x: x(r.to) + 6, y: y + 14, class: 'what' }, r.label),
      );
    }),
    answeredMs === null ? null : s('g', { class: 'answered' }, s('line', { x1: x(answeredMs), x2: x(answeredMs), y1: 20, y2: height - 10 }), s('text', { x: x(answeredMs) + 4, y: height - 2 }, `answered ${answeredMs.toFixed(1)} ms`)),
    deadlineMs === null ? null : s('g', { class: 'deadline' }, s('line', { x1: x(deadlineMs), x2: x(deadlineMs), y1: 20, y2: height - 10 }), s('text', { x: x(deadlineMs) - 4, y: height - 2 }, `deadline ${deadlineMs} ms`)),
  );
}

/**
 * One trace segment drawn on its deadline: a row per buyer, its ping (or post) a bar from sent to
 * answered, the deadline a red line. Times are ms from the call's receipt, as the trace keeps them.
 */
export function timeline(seg: TraceSegment, deadlineMs: number | null): SVGElement {
  const rows: Bar[] = [
    ...seg.pings.map((p) => ({ name: p.buyer, from: p.sent_ms, to: p.answered_ms, cls: kindClass(p.kind), label: p.kind === 'bid' ? `bid ${p.bid}` : p.kind })),
    ...seg.posts.map((p) => ({ name: p.buyer, from: p.sent_ms, to: p.sent_ms + p.ms, cls: p.accepted ? 'bid' : 'error', label: p.accepted ? `post accepted at ${p.price}` : `post ${p.unconfirmed === true ? 'unconfirmed' : 'rejected'}${p.reason !== undefined ? `: ${p.reason}` : ''}` })),
  ];
  return bars(rows, deadlineMs, seg.total_ms, `${seg.phase} timeline`);
}

/** What the picture does not show: the A/B arm, who was left out, the ranking, the hold, the answer. */
export function decisions(seg: TraceSegment): HTMLElement {
  const left = seg.buyers.filter((b) => b.outcome !== 'ELIGIBLE' && b.stage !== 'hold');
  const holds = seg.buyers.filter((b) => b.stage === 'hold');
  return h(
    'div',
    { class: 'decisions' },
    seg.arm !== undefined ? h('p', { 'data-k': 'arm' }, h('b', {}, 'A/B arm: '), `${seg.arm} (test ${seg.experiment ?? ''})`) : null,
    seg.ranking.length > 0 ? h('p', {}, h('b', {}, 'Ranking: '), seg.ranking.map((r, i) => `${i + 1}. ${r.buyer} (tier ${r.tier}, bid ${r.bid}, price ${r.price})`).join('  ')) : null,
    holds.length > 0 ? h('p', {}, h('b', {}, 'Hold: '), holds.map((b) => `${b.buyer} ${b.outcome}${b.detail !== undefined ? ` (${b.detail})` : ''}`).join('; ')) : null,
    left.length > 0 ? h('p', {}, h('b', {}, 'Left out: '), left.map((b) => `${b.buyer} ${b.stage} ${b.outcome}${b.detail !== undefined ? ` (${b.detail})` : ''}`).join('; ')) : null,
    seg.result !== null ? h('p', {}, h('b', {}, 'Answer: '), `${seg.result.status}${seg.result.price !== undefined ? ` at ${seg.result.price}` : ''}${seg.result.reason !== undefined ? ` (${seg.result.reason})` : ''} after ${seg.total_ms.toFixed(1)} ms`) : null,
  );
}
