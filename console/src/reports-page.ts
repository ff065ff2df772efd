import type { z } from 'zod';
import type { ReportAnswer } from '../../src/protocol/party-api.js';
import { api, explain } from './api.js';
import { barChart, lineChart, shareChart } from './chart.js';
import { h, mount } from './dom.js';
import { experimentsSection } from './experiments-section.js';
import { dash, money, moneyTick, ms, pct } from './format.js';

type Report = z.infer<typeof ReportAnswer>;
type Row = Report['rows'][number];
type GroupBy = Report['group_by'];

const GROUPS: GroupBy[] = ['campaign', 'buyer', 'seller', 'day', 'hour'];
const DAY = 86_400_000;
const isoDay = (t: number) => new Date(t).toISOString().slice(0, 10);
/** a day or hour key as an axis writes it: 11-27, 11-27 13h */
const shortDay = (key: string) => key.slice(5, 10);
const shortHour = (key: string) => `${key.slice(5, 10)} ${key.slice(11, 13)}h`;

/** fill: the group's leads that were sold (by buyer: of the leads it took part in); null when it had none */
const fill = (r: Row): number | null => (r.leads === 0 ? null : r.sold / r.leads);

/**
 * Reports (GET /v1/reports): over a range of whole UTC days (the last 7 by default) and a grouping,
 * revenue, payout and margin as bars per group, revenue by day as a line, fill as a share per
 * group, and the table with every figure; below them, the campaigns' A/B tests
 * (experiments-section.ts). The day line is a second call grouped by day, so it is
 * there whatever the grouping; the days with no sale are drawn as zeros, not left out.
 */
export function reportsPage(root: Element): void {
  const today = isoDay(Date.now());
  const from = h('input', { type: 'date', name: 'from', value: isoDay(Date.now() - 6 * DAY), max: today, required: true }) as HTMLInputElement;
  const to = h('input', { type: 'date', name: 'to', value: today, required: true }) as HTMLInputElement;
  const group = h('select', { name: 'group_by' }, ...GROUPS.map((g) => h('option', { value: g }, `by ${g}`))) as HTMLSelectElement;
  const preset = (days: number, label: string) => {
    const b = h('button', { type: 'button', class: 'secondary', 'data-days': days }, label);
    b.addEventListener('click', () => {
      from.value = isoDay(Date.now() - (days - 1) * DAY);
      to.value = today;
      load();
    });
    return b;
  };
  const form = h(
    'form',
    { class: 'search report-range' },
    h('label', {}, 'from ', from),
    h('label', {}, 'to ', to),
    group,
    h('button', { type: 'submit' }, 'Show'),
    h('span', { class: 'presets' }, preset(1, 'today'), preset(7, '7 days'), preset(30, '30 days')),
  );
  const out = h('div', { class: 'report' });
  const experiments = h('div', { class: 'experiments' });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    load();
  });
  mount(root, h('h2', {}, 'Reports'), h('p', { class: 'lede' }, 'Money from the ledger, counts from the lead traces, over whole UTC days. Margin is revenue less payout; approved returns are credited when approved.'), form, out, experiments);
  experimentsSection(experiments);

  function load(): void {
    const span = { from: `${from.value}T00:00:00Z`, to: new Date(Date.parse(`${to.value}T00:00:00Z`) + DAY).toISOString() };
    const groupBy = group.value as GroupBy;
    mount(out, h('p', { class: 'muted' }, 'loading…'));
    const q = (g: GroupBy) => api<Report>('GET', `/v1/reports?from=${encodeURIComponent(span.from)}&to=${encodeURIComponent(span.to)}&group_by=${g}`);
    Promise.all([q(groupBy), groupBy === 'day' ? null : q('day')]).then(
      ([report, byDay]) => draw(out, report, byDay ?? report),
      (err: unknown) => mount(out, h('p', { class: 'error', role: 'alert' }, explain(err))),
    );
  }
  load();
}

/** every day of the report's span, with the day's row or zeros */
function days(r: Report): { key: string; value: number }[] {
  const byKey = new Map(r.rows.map((x) => [x.key, x.revenue]));
  const out: { key: string; value: number }[] = [];
  for (let t = Date.parse(r.from); t < Date.parse(r.to); t += DAY) out.push({ key: isoDay(t), value: byKey.get(isoDay(t)) ?? 0 });
  return out;
}

/** the span as the answer widened it, in UTC: whole days when it is whole days */
function span(r: Report): string {
  const from = Date.parse(r.from);
  const to = Date.parse(r.to);
  const day = (t: number) => new Date(t).toLocaleDateString('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric' });
  if (from % DAY === 0 && to % DAY === 0) return `${day(from)} – ${day(to - DAY)} (UTC days)`;
  return `${r.from.slice(0, 16).replace('T', ' ')} – ${r.to.slice(0, 16).replace('T', ' ')} UTC`;
}

function draw(out: Element, r: Report, byDay: Report): void {
  const sum = (k: 'revenue' | 'payout' | 'margin' | 'sold' | 'leads' | 'returns' | 'credits') => r.rows.reduce((a, x) => a + x[k], 0);
  const revenue = sum('revenue');
  // fill over the whole span from the day rows: by buyer a lead counts once per buyer it reached, so the groups' sum would count it several times
  const leads = byDay.rows.reduce((a, x) => a + x.leads, 0);
  const soldLeads = byDay.rows.reduce((a, x) => a + x.sold, 0);
  const tile = (label: string, value: string, id: string) => h('div', { class: 'tile' }, h('span', { class: 'label' }, label), h('span', { class: 'value', 'data-k': id }, value));
  const what = r.group_by === 'day' || r.group_by === 'hour' ? `${r.group_by} (UTC)` : r.group_by;
  const keys = r.rows.map((x) => x.key);
  const short = r.group_by === 'day' ? shortDay : r.group_by === 'hour' ? shortHour : undefined;
  mount(
    out,
    h('p', { class: 'muted', 'data-k': 'span' }, span(r)),
    h(
      'div',
      { class: 'tiles' },
      tile('revenue', money(revenue), 'revenue'),
      tile('paid to sellers', money(sum('payout')), 'payout'),
      tile('margin', `${money(sum('margin'))}${revenue > 0 ? ` (${pct(sum('margin') / revenue)})` : ''}`, 'margin'),
      tile('leads sold', String(sum('sold')), 'sold'),
      tile('fill', leads === 0 ? dash : pct(soldLeads / leads), 'fill'),
      tile('returns approved', `${sum('returns')} · ${money(sum('credits'))}`, 'returns'),
    ),
    r.rows.length === 0
      ? h('p', { class: 'muted empty' }, 'Nothing was sold or counted in this range.')
      : h(
          'div',
          { class: 'charts' },
          h('h3', {}, `Revenue, payout and margin by ${what}`),
          barChart({
            label: `revenue, payout and margin by ${r.group_by}`,
            groups: keys,
            ...(short ? { short } : {}),
            series: [
              { name: 'revenue', cls: 'revenue', values: r.rows.map((x) => x.revenue) },
              { name: 'payout', cls: 'payout', values: r.rows.map((x) => x.payout) },
              { name: 'margin', cls: 'margin', values: r.rows.map((x) => x.margin) },
            ],
            xTitle: what,
            yTitle: 'money',
            format: money,
            tick: moneyTick,
          }),
          h('h3', {}, 'Revenue by day (UTC)'),
          lineChart({ label: 'revenue by day', points: days(byDay), short: shortDay, name: 'revenue', cls: 'revenue', xTitle: 'day (UTC)', yTitle: 'revenue', format: money, tick: moneyTick }),
          h('h3', {}, `Fill by ${what}`),
          shareChart({
            label: `fill by ${r.group_by}`,
            rows: r.rows.map((x) => ({ key: x.key, share: fill(x), detail: `${x.sold} sold of ${x.leads} leads` })),
            xTitle: r.group_by === 'buyer' ? 'leads sold to the buyer, of the leads it was offered' : 'leads sold, of the leads received',
          }),
        ),
    h('h3', {}, 'Figures'),
    table(r, what),
  );
}

function table(r: Report, what: string): HTMLElement {
  const cols: [string, (x: Row) => string, string?][] = [
    [what, (x) => x.key],
    ['leads', (x) => String(x.leads), 'num'],
    ['bids / pings', (x) => `${x.bids} / ${x.pings}`, 'num'],
    ['sold', (x) => String(x.sold), 'num'],
    ['fill', (x) => pct(fill(x)), 'num'],
    ['revenue', (x) => money(x.revenue), 'num'],
    ['payout', (x) => money(x.payout), 'num'],
    ['margin', (x) => money(x.margin), 'num'],
    ['margin %', (x) => (x.revenue > 0 ? pct(x.margin / x.revenue) : dash), 'num'],
    ['returns', (x) => (x.returns === 0 ? '0' : `${x.returns} · ${money(x.credits)}`), 'num'],
    ['auction p50 / p99', (x) => `${ms(x.auction_ms.p50)} / ${ms(x.auction_ms.p99)}`, 'num'],
  ];
  return h(
    'table',
    { class: 'buyers report-table' },
    h('thead', {}, h('tr', {}, ...cols.map(([name, , cls]) => h('th', { class: cls }, name)))),
    h(
      'tbody',
      {},
      ...(r.rows.length === 0
        ? [h('tr', {}, h('td', { colspan: cols.length, class: 'muted' }, 'no rows'))]
        : r.rows.map((x) => h('tr', { 'data-key': x.key }, ...cols.map(([name, f, cls]) => h('td', { class: cls, 'data-col': name }, f(x)))))),
    ),
  );
}
