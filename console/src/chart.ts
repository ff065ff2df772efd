import { s } from './dom.js';

/**
 * The console's charts, drawn as SVG by hand: grouped bars, a line, and shares as horizontal bars.
 * No chart library: three shapes do not need one's runtime, and with no inline style anywhere the
 * page keeps its strict CSP (colours come from classes in style.css; geometry is attributes).
 */

const W = 880;
const PAD = { top: 34, right: 20, bottom: 58, left: 78 };

export interface Series {
  name: string;
  /** the CSS class that colours it (style.css: svg.chart .revenue, .payout, .margin…) */
  cls: string;
  values: number[];
}

/** Round steps (1, 2, 2.5, 5 × 10^k) over [min, max], zero always inside: bars grow from zero. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  const lo = Math.min(0, min);
  let hi = Math.max(0, max);
  if (hi === lo) hi = lo + 1;
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((x) => x >= raw)!;
  const ticks: number[] = [];
  for (let t = Math.floor(lo / step) * step; t <= Math.ceil(hi / step) * step + step / 2; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/** show at most `room` labels along an axis: every nth, so long ranges stay readable */
const every = (n: number, room: number) => Math.max(1, Math.ceil(n / room));

function legend(series: { name: string; cls: string }[]): SVGElement {
  let x = PAD.left;
  return s(
    'g',
    { class: 'legend' },
    ...series.map((x0) => {
      const at = x;
      x += 24 + x0.name.length * 7 + 18;
      return s('g', {}, s('rect', { x: at, y: 10, width: 12, height: 12, rx: 2, class: x0.cls }), s('text', { x: at + 18, y: 20 }, x0.name));
    }),
  );
}

function axisTitles(height: number, xTitle: string, yTitle: string): SVGElement[] {
  return [
    s('text', { class: 'axis-title', x: PAD.left + (W - PAD.left - PAD.right) / 2, y: height - 6, 'text-anchor': 'middle' }, xTitle),
    s('text', { class: 'axis-title', x: -(PAD.top + (height - PAD.top - PAD.bottom) / 2), y: 16, transform: 'rotate(-90)', 'text-anchor': 'middle' }, yTitle),
  ];
}

/** The y axis: gridlines at round values, each labelled. */
function yAxis(ticks: number[], y: (v: number) => number, format: (v: number) => string): SVGElement {
  return s(
    'g',
    { class: 'axis y' },
    ...ticks.map((t) => s('g', {}, s('line', { x1: PAD.left, x2: W - PAD.right, y1: y(t), y2: y(t), class: t === 0 ? 'zero' : 'grid' }), s('text', { x: PAD.left - 8, y: y(t) + 4, 'text-anchor': 'end' }, format(t)))),
  );
}

export interface BarChartOptions {
  label: string;
  /** one group per entry along the x axis (a buyer, a day…) */
  groups: string[];
  /** the group as the axis writes it, when shorter than its key */
  short?: (group: string) => string;
  series: Series[];
  xTitle: string;
  yTitle: string;
  /** a value over its bar, and in its tooltip */
  format: (v: number) => string;
  tick: (v: number) => string;
  height?: number;
}

/** Grouped vertical bars: per group, one bar a series, from zero (up or down). */
export function barChart(o: BarChartOptions): SVGElement {
  const height = o.height ?? 300;
  const values = o.series.flatMap((x) => x.values);
  const ticks = niceTicks(Math.min(0, ...values), Math.max(0, ...values));
  const lo = ticks[0]!;
  const hi = ticks[ticks.length - 1]!;
  const plotH = height - PAD.top - PAD.bottom;
  const y = (v: number) => PAD.top + ((hi - v) / (hi - lo)) * plotH;
  const band = (W - PAD.left - PAD.right) / Math.max(1, o.groups.length);
  // a bar no wider than 56 px: two groups on a wide chart read as columns, not slabs
  const barW = Math.max(1, Math.min(56, (band * 0.78) / o.series.length));
  // labels over the bars only while they fit: a few wide bars
  const labelled = barW >= 34;
  const nth = every(o.groups.length, 14);
  return s(
    'svg',
    { class: 'chart bars', viewBox: `0 0 ${W} ${height}`, width: W, height, role: 'img', 'aria-label': o.label },
    legend(o.series),
    yAxis(ticks, y, o.tick),
    ...o.groups.map((g, i) => {
      const x0 = PAD.left + i * band + (band - barW * o.series.length) / 2;
      return s(
        'g',
        { class: 'group', 'data-key': g },
        ...o.series.map((x, j) => {
          const v = x.values[i] ?? 0;
          const top = Math.min(y(v), y(0));
          const bx = x0 + j * barW;
          return s(
            'g',
            {},
            s('rect', { x: bx, y: top, width: Math.max(1, barW - 2), height: Math.max(v === 0 ? 0 : 1, Math.abs(y(v) - y(0))), class: `bar ${x.cls}`, 'data-series': x.cls, 'data-value': v }, s('title', {}, `${g} · ${x.name}: ${o.format(v)}`)),
            labelled && v !== 0 ? s('text', { x: bx + (barW - 2) / 2, y: v >= 0 ? top - 4 : top + Math.abs(y(v) - y(0)) + 12, 'text-anchor': 'middle', class: 'value' }, o.format(v)) : null,
          );
        }),
        i % nth === 0 ? s('text', { x: PAD.left + i * band + band / 2, y: height - PAD.bottom + 16, 'text-anchor': 'middle', class: 'label' }, (o.short ?? ((k) => k))(g)) : null,
      );
    }),
    ...axisTitles(height, o.xTitle, o.yTitle),
  );
}

export interface LineChartOptions {
  label: string;
  points: { key: string; value: number }[];
  short?: (key: string) => string;
  name: string;
  cls: string;
  xTitle: string;
  yTitle: string;
  format: (v: number) => string;
  tick: (v: number) => string;
  height?: number;
}

/** One series along ordered keys (days): a line with a dot per point, the area under it shaded. */
export function lineChart(o: LineChartOptions): SVGElement {
  const height = o.height ?? 240;
  const vals = o.points.map((p) => p.value);
  const ticks = niceTicks(Math.min(0, ...vals), Math.max(0, ...vals));
  const lo = ticks[0]!;
  const hi = ticks[ticks.length - 1]!;
  const plotW = W - PAD.left - PAD.right;
  const y = (v: number) => PAD.top + ((hi - v) / (hi - lo)) * (height - PAD.top - PAD.bottom);
  const n = o.points.length;
  const x = (i: number) => PAD.left + (n <= 1 ? plotW / 2 : 12 + (i / (n - 1)) * (plotW - 24));
  const path = o.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
  const area = n === 0 ? '' : `${path} L${x(n - 1).toFixed(1)},${y(0).toFixed(1)} L${x(0).toFixed(1)},${y(0).toFixed(1)} Z`;
  const nth = every(n, 14);
  return s(
    'svg',
    { class: 'chart line', viewBox: `0 0 ${W} ${height}`, width: W, height, role: 'img', 'aria-label': o.label },
    legend([{ name: o.name, cls: o.cls }]),
    yAxis(ticks, y, o.tick),
    n > 1 ? s('path', { d: area, class: `area ${o.cls}` }) : null,
    n > 1 ? s('path', { d: path, class: `stroke ${o.cls}` }) : null,
    ...o.points.map((p, i) =>
      s(
        'g',
        { class: 'point', 'data-key': p.key },
        s('circle', { cx: x(i), cy: y(p.value), r: 3.5, class: `dot ${o.cls}`, 'data-value': p.value }, s('title', {}, `${p.key}: ${o.format(p.value)}`)),
        i % nth === 0 ? s('text', { x: x(i), y: height - PAD.bottom + 16, 'text-anchor': 'middle', class: 'label' }, (o.short ?? ((k) => k))(p.key)) : null,
      ),
    ),
    ...axisTitles(height, o.xTitle, o.yTitle),
  );
}

export interface ShareChartOptions {
  label: string;
  rows: { key: string; share: number | null; detail: string }[];
  xTitle: string;
}

/** Shares (0..1) as horizontal bars on a 0–100% axis; a row with nothing to divide says so. */
export function shareChart(o: ShareChartOptions): SVGElement {
  const ROW = 24;
  const left = 150;
  const right = 120;
  const height = PAD.top + o.rows.length * ROW + 44;
  const x = (f: number) => left + f * (W - left - right);
  const bottom = PAD.top + o.rows.length * ROW;
  return s(
    'svg',
    { class: 'chart shares', viewBox: `0 0 ${W} ${height}`, width: W, height, role: 'img', 'aria-label': o.label },
    ...[0, 0.25, 0.5, 0.75, 1].map((f) => s('g', { class: 'axis x' }, s('line', { x1: x(f), x2: x(f), y1: PAD.top - 6, y2: bottom, class: f === 0 ? 'zero' : 'grid' }), s('text', { x: x(f), y: bottom + 16, 'text-anchor': 'middle' }, `${f * 100}%`))),
    ...o.rows.map((r, i) => {
      const y0 = PAD.top + i * ROW;
      const f = r.share === null ? 0 : Math.max(0, Math.min(1, r.share));
      return s(
        'g',
        { class: 'row', 'data-key': r.key },
        s('text', { x: left - 8, y: y0 + 15, 'text-anchor': 'end', class: 'label' }, r.key),
        s('rect', { x: left, y: y0 + 4, width: x(1) - left, height: ROW - 8, rx: 2, class: 'track' }),
        s('rect', { x: left, y: y0 + 4, width: x(f) - left, height: ROW - 8, rx: 2, class: 'bar fill', 'data-value': r.share ?? '' }, s('title', {}, `${r.key}: ${r.detail}`)),
        s('text', { x: x(1) + 8, y: y0 + 15, class: 'value' }, r.share === null ? 'no leads' : `${(r.share * 100).toFixed(0)}%`),
      );
    }),
    s('text', { class: 'axis-title', x: left + (x(1) - left) / 2, y: height - 6, 'text-anchor': 'middle' }, o.xTitle),
  );
}
