import { h } from './dom.js';
import { count, money, pct, signed } from './format.js';
import type { ReplayTotals } from './replay-types.js';

/**
 * A figure of the side by side: how it is read from a side's totals, how it reads, and how its
 * change reads. `tone`: whether more is better for the exchange (shown green when it grows, red
 * when it falls) or neither (what sellers are paid is a cost and an income at once).
 */
interface Figure {
  k: string;
  label: string;
  of: (t: ReplayTotals) => number;
  fmt: (x: number) => string;
  /** a rate: its change is in points, not relative */
  rate?: true;
  tone: 'more' | 'neutral';
}

const points = (x: number) => `${(x * 100).toFixed(1)} pts`;

const FIGURES: Figure[] = [
  { k: 'leads', label: 'leads judged', of: (t) => t.leads, fmt: count, tone: 'neutral' },
  { k: 'bids', label: 'bids that counted', of: (t) => t.bids, fmt: count, tone: 'more' },
  { k: 'offers', label: 'offers to sellers', of: (t) => t.offers, fmt: count, tone: 'more' },
  { k: 'offer_rate', label: 'offer rate', of: (t) => t.offer_rate, fmt: pct, rate: true, tone: 'more' },
  { k: 'offered', label: 'prices offered', of: (t) => t.offered, fmt: money, tone: 'neutral' },
  { k: 'posted', label: 'posted', of: (t) => t.posted, fmt: count, tone: 'more' },
  { k: 'sold', label: 'sold', of: (t) => t.sold, fmt: count, tone: 'more' },
  { k: 'fill', label: 'fill (sold ÷ leads)', of: (t) => t.fill, fmt: pct, rate: true, tone: 'more' },
  { k: 'revenue', label: 'revenue', of: (t) => t.revenue, fmt: money, tone: 'more' },
  { k: 'payout', label: 'payout to sellers', of: (t) => t.payout, fmt: money, tone: 'neutral' },
  { k: 'margin', label: 'margin', of: (t) => t.margin, fmt: money, tone: 'more' },
];

/** the change from live to draft: signed, and for a count or money also relative to live */
function change(f: Figure, live: number, draft: number): HTMLElement {
  const d = draft - live;
  const text = f.rate ? signed(d, (x) => points(x)) : signed(d, f.fmt);
  if (text === '') return h('td', { class: 'num change none' }, 'no change');
  const rel = !f.rate && live !== 0 ? ` (${signed(d / Math.abs(live), (x) => `${(x * 100).toFixed(0)}%`) || '±0%'})` : '';
  const tone = f.tone === 'neutral' ? 'moved' : d > 0 ? 'up' : 'down';
  return h('td', { class: `num change ${tone}` }, text, rel);
}

/** Live and draft side by side, a row a figure, with the change. */
export function replayTotals(live: ReplayTotals, draft: ReplayTotals): HTMLElement {
  return h(
    'table',
    { class: 'buyers replay-totals' },
    h('thead', {}, h('tr', {}, h('th', {}), h('th', { class: 'num' }, 'live'), h('th', { class: 'num' }, 'draft'), h('th', { class: 'num' }, 'change'))),
    h(
      'tbody',
      {},
      ...FIGURES.map((f) =>
        h('tr', { 'data-k': f.k }, h('th', { scope: 'row' }, f.label), h('td', { class: 'num live' }, f.fmt(f.of(live))), h('td', { class: 'num draft' }, f.fmt(f.of(draft))), change(f, f.of(live), f.of(draft))),
      ),
    ),
  );
}

const ESTIMATED: { k: 'leads' | 'sold' | 'revenue' | 'payout' | 'bids' | 'posts'; label: string; fmt: (x: number) => string }[] = [
  { k: 'leads', label: 'leads resting on an estimate', fmt: count },
  { k: 'sold', label: 'of them sold', fmt: count },
  { k: 'revenue', label: 'their revenue', fmt: money },
  { k: 'payout', label: 'their payout', fmt: money },
  { k: 'bids', label: 'bids estimated', fmt: count },
  { k: 'posts', label: 'post outcomes estimated', fmt: count },
];

/** a buyer never pinged live, and in how many leads of each side it was eligible: `newcomer (30 leads under the draft)` */
function unobservedIn(buyer: string, live: ReplayTotals, draft: ReplayTotals): string {
  const [l, d] = [live.estimated.unobserved[buyer] ?? 0, draft.estimated.unobserved[buyer] ?? 0];
  const where = [l > 0 ? `${count(l)} leads live` : '', d > 0 ? `${count(d)} under the draft` : ''].filter((x) => x !== '');
  return `${buyer} (${where.join(', ')})`;
}

/**
 * The part of each side's figures that rests on an estimate (a bid or a post outcome the
 * recorded traffic does not hold), shown apart from what was recorded and said to be an
 * estimate; and the buyers eligible under a side that were never pinged live.
 */
export function replayEstimate(live: ReplayTotals, draft: ReplayTotals): HTMLElement {
  const none = (t: ReplayTotals) => t.estimated.leads === 0 && t.estimated.bids === 0 && t.estimated.posts === 0 && Object.keys(t.estimated.unobserved).length === 0;
  if (none(live) && none(draft)) {
    return h('div', { class: 'replay-estimate none' }, h('p', { class: 'ok-text' }, '✓ Nothing here rests on an estimate: every figure is a recorded bid and a recorded post outcome, judged again.'));
  }
  const unobserved = [...new Set([...Object.keys(live.estimated.unobserved), ...Object.keys(draft.estimated.unobserved)])].sort();
  return h(
    'div',
    { class: 'replay-estimate' },
    h('p', {}, h('span', { class: 'pill warn' }, 'estimate'), ` ${count(draft.estimated.leads)} of the draft’s ${count(draft.leads)} leads and ${count(live.estimated.leads)} of live’s rest on an estimate. They are included in the figures above; this is that part, apart.`),
    h(
      'table',
      { class: 'buyers replay-estimated' },
      h('thead', {}, h('tr', {}, h('th', {}), h('th', { class: 'num' }, 'live'), h('th', { class: 'num' }, 'draft'))),
      h(
        'tbody',
        {},
        ...ESTIMATED.map((e) => h('tr', { 'data-k': e.k }, h('th', { scope: 'row' }, e.label), h('td', { class: 'num live' }, e.fmt(live.estimated[e.k])), h('td', { class: 'num draft' }, e.fmt(draft.estimated[e.k])))),
      ),
    ),
    unobserved.length > 0
      ? h(
          'p',
          { class: 'hint unobserved' },
          'Eligible but never pinged live, so no bid of theirs is recorded: ',
          unobserved.map((b) => unobservedIn(b, live, draft)).join('; '),
          '.',
        )
      : null,
  );
}
