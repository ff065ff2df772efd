import { api } from './api.js';
import { h, mount, s } from './dom.js';
import { money, said, when } from './format.js';
import type { Sales, Who } from './portal-types.js';

const DAY = 86_400_000;
const W = 880;
const H = 160;

const tile = (label: string, value: string, k: string) => h('div', { class: 'tile' }, h('span', { class: 'label' }, label), h('span', { class: 'value', 'data-k': k }, value));

const sales = (from: number, to: number, limit: number) => api<Sales>('GET', `/v1/sales?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}&limit=${limit}`);

/** The last 30 UTC days' spend, a bar a day, from the purchases listed (the newest 1,000). */
function daily(list: Sales['sales'], start: number): SVGElement {
  const days = Array.from({ length: 30 }, (_, i) => ({ day: start + i * DAY, spend: 0 }));
  for (const x of list) {
    const i = Math.floor((Date.parse(x.at) - start) / DAY);
    if (i >= 0 && i < days.length) days[i]!.spend += x.price ?? 0;
  }
  const top = Math.max(...days.map((d) => d.spend), 1);
  const bw = (W - 60) / days.length;
  return s(
    'svg',
    { class: 'spend-chart', viewBox: `0 0 ${W} ${H + 24}`, width: W, height: H + 24, role: 'img', 'aria-label': 'spend per day' },
    s('line', { x1: 50, x2: W - 10, y1: H, y2: H, class: 'axis' }),
    s('text', { x: 44, y: 12, class: 'tick end' }, money(top)),
    s('text', { x: 44, y: H, class: 'tick end' }, '0'),
    ...days.map((d, i) => {
      const bh = (d.spend / top) * (H - 10);
      const x = 50 + i * bw;
      const label = new Date(d.day).toISOString().slice(5, 10);
      return s(
        'g',
        { class: 'day', 'data-day': new Date(d.day).toISOString().slice(0, 10) },
        s('rect', { x: x + 2, y: H - bh, width: bw - 4, height: Math.max(bh, d.spend > 0 ? 1 : 0), class: 'bar' }, s('title', {}, `${label}: ${money(d.spend)}`)),
        i % 5 === 4 || i === days.length - 1 ? s('text', { x: x + bw / 2, y: H + 16, class: 'tick' }, label) : null,
      );
    }),
  );
}

/** A buyer's spend from the ledger (GET /v1/sales, its own): today, 7 and 30 days, credits for returns, a bar a day, the latest purchases. */
export function spendPage(root: HTMLElement, _who: Who): void {
  const tiles = h('div', { class: 'tiles' });
  const chart = h('div', {});
  const list = h('tbody');
  mount(
    root,
    h('h2', {}, 'Spend'),
    tiles,
    h('h3', {}, 'The last 30 days (UTC)'),
    chart,
    h('h3', {}, 'Latest purchases'),
    h('table', { class: 'buyers sales' }, h('thead', {}, h('tr', {}, ...['lead', 'time', 'campaign', 'grade', 'price'].map((x) => h('th', {}, x)))), list),
  );
  const now = Date.now() + 60_000;
  const today = new Date();
  const midnight = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  const start = midnight - 29 * DAY;
  Promise.all([sales(midnight, now, 1), sales(now - 7 * DAY, now, 1), sales(start, now, 1000)]).then(
    ([d, w, m]) => {
      const t = (x: Sales) => x.totals ?? { sold: 0, spend: 0, returns: 0, credits: 0 };
      mount(
        tiles,
        tile('spend today (UTC)', money(t(d).spend), 'spend_today'),
        tile('leads today', String(t(d).sold), 'sold_today'),
        tile('spend, 7 days', money(t(w).spend), 'spend_7d'),
        tile('spend, 30 days', money(t(m).spend), 'spend_30d'),
        tile('leads, 30 days', String(t(m).sold), 'sold_30d'),
        tile('credits for returns, 30 days', money(t(m).credits), 'credits_30d'),
      );
      mount(chart, daily(m.sales, start));
      mount(
        list,
        ...(m.sales.length === 0
          ? [h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'No purchase in the last 30 days.'))]
          : m.sales.slice(0, 50).map((x) => h('tr', { 'data-lead': x.lead_id }, h('td', {}, h('a', { href: `#/leads/${encodeURIComponent(x.lead_id)}`, title: x.lead_id }, x.lead_id.slice(0, 8))), h('td', {}, when(x.at)), h('td', {}, x.campaign), h('td', {}, x.grade ?? '—'), h('td', { class: 'num' }, money(x.price))))),
      );
    },
    (err: unknown) => mount(tiles, h('p', { class: 'error' }, said(err))),
  );
}
