import { BUCKET_US, type LatencySummary } from '../support/open-loop.js';

const W = 720;
const H = 320;
const PAD = { left: 56, right: 110, top: 28, bottom: 40 };
const COLOURS = ['#1f77b4', '#2ca02c', '#ff7f0e', '#d62728', '#7f7f7f'];

function esc(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}

/** A "nice" upper bound for an axis: 1, 2 or 5 times a power of ten, at or above `max`. */
export function niceCeiling(max: number): number {
  if (!(max > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

function frame(title: string, xLabel: string, yLabel: string, yMax: number, xTicks: [number, string][], body: string): string {
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const yTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const y = PAD.top + plotH * (1 - f);
    return `<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${y}" y2="${y}" stroke="#eee"/><text x="${PAD.left - 6}" y="${y + 4}" text-anchor="end">${+(yMax * f).toFixed(2)}</text>`;
  });
  const xs = xTicks.map(([x, label]) => `<text x="${x}" y="${PAD.top + plotH + 16}" text-anchor="middle">${esc(label)}</text>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="16" text-anchor="middle" font-size="13">${esc(title)}</text>`,
    ...yTicks,
    ...xs,
    `<line x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${PAD.top + plotH}" stroke="#333"/>`,
    `<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${PAD.top + plotH}" y2="${PAD.top + plotH}" stroke="#333"/>`,
    `<text x="${PAD.left + plotW / 2}" y="${H - 6}" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text x="14" y="${PAD.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 14 ${PAD.top + plotH / 2})">${esc(yLabel)}</text>`,
    body,
    '</svg>',
  ].join('\n');
}

/** Latency percentiles second by second: p50, p90, p99, max as lines over the run. */
export function latencyOverTimeSvg(title: string, seconds: readonly LatencySummary[]): string {
  const series: [string, (s: LatencySummary) => number][] = [
    ['p50', (s) => s.p50],
    ['p90', (s) => s.p90],
    ['p99', (s) => s.p99],
    ['max', (s) => s.max],
  ];
  const yMax = niceCeiling(Math.max(0, ...seconds.map((s) => s.max)));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (seconds.length <= 1 ? 0 : (plotW * i) / (seconds.length - 1));
  const y = (v: number) => PAD.top + plotH * (1 - v / yMax);
  const lines = series.map(([name, pick], k) => {
    const points = seconds.map((s, i) => `${x(i).toFixed(1)},${y(pick(s)).toFixed(1)}`).join(' ');
    const legendY = PAD.top + 14 * k + 8;
    return `<polyline fill="none" stroke="${COLOURS[k]}" stroke-width="1.5" points="${points}"/><text x="${W - PAD.right + 10}" y="${legendY}" fill="${COLOURS[k]}">${name}</text>`;
  });
  const step = Math.max(1, Math.ceil(seconds.length / 10));
  const ticks: [number, string][] = seconds.flatMap((_, i) => (i % step === 0 ? [[x(i), `${i}`] as [number, string]] : []));
  return frame(title, 'second of the run', 'latency, ms', yMax, ticks, lines.join('\n'));
}

/** Latency buckets on a log scale (each twice the last; bench/support/open-loop.ts), bars of the share of calls in each. */
export function latencyHistogramSvg(title: string, buckets: readonly number[]): string {
  const total = buckets.reduce((sum, n) => sum + n, 0);
  const shares = buckets.map((n) => (total === 0 ? 0 : n / total));
  const yMax = niceCeiling(Math.max(0, ...shares) * 100);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const bw = plotW / Math.max(1, buckets.length);
  const upper = (i: number) => (BUCKET_US * 2 ** i) / 1000;
  const bars = shares.map((s, i) => {
    const hgt = (plotH * s * 100) / yMax;
    return `<rect x="${(PAD.left + i * bw + 1).toFixed(1)}" y="${(PAD.top + plotH - hgt).toFixed(1)}" width="${Math.max(0, bw - 2).toFixed(1)}" height="${hgt.toFixed(1)}" fill="${COLOURS[0]}"><title>up to ${upper(i)} ms: ${(s * 100).toFixed(2)}%</title></rect>`;
  });
  const every = Math.max(1, Math.ceil(buckets.length / 12));
  const ticks: [number, string][] = buckets.flatMap((_, i) => (i % every === 0 ? [[PAD.left + i * bw + bw / 2, `${+upper(i).toPrecision(3)}`] as [number, string]] : []));
  return frame(title, 'latency up to, ms (each bucket twice the last)', 'share of calls, %', yMax, ticks, bars.join('\n'));
}
