import { api } from './api.js';
import { h, mount, s } from './dom.js';
import { money, said, when } from './format.js';
import type { Caps, Who } from './portal-types.js';

const W = 240;
const H = 18;

const KINDS: Record<string, string> = { 'h:': 'hour', 'd:': 'day', 'w:': 'week of', 'm:': 'month', 'r:': 'last' };

/** A window's name in words: `d:2026-12-03` a day, `r:60m` the last 60 minutes; the campaign (`c:<campaign>:`) has its own column. */
function windowName(id: string): string {
  const bare = id.replace(/^(r:)?c:[^:]+:/, '$1');
  const kind = KINDS[bare.slice(0, 2)];
  return kind === undefined ? bare : `${kind} ${bare.slice(2)}`;
}

/** Used (dark) and held (light) against the limit, as one SVG bar; no limit draws the use alone. */
function bar(used: number, held: number, limit: number | null, k: string): SVGElement {
  const full = limit === null ? Math.max(used + held, 1) : Math.max(limit, 1);
  const w = (x: number) => Math.min(W, (x / full) * W);
  const over = limit !== null && used >= limit;
  return s(
    'svg',
    { class: 'cap-bar', viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'aria-label': k, 'data-k': k },
    s('rect', { x: 0, y: 0, width: W, height: H, rx: 3, class: limit === null ? 'track none' : 'track' }),
    s('rect', { x: 0, y: 0, width: w(used), height: H, rx: 3, class: over ? 'used full' : 'used' }),
    s('rect', { x: w(used), y: 0, width: Math.max(0, w(used + held) - w(used)), height: H, class: 'held' }),
  );
}

/** A buyer's caps now (GET /v1/caps): each window's leads and spend used against its limit, held bids apart. */
export function capsPage(root: HTMLElement, _who: Who): void {
  const out = h('div', {}, h('p', { class: 'muted' }, 'loading…'));
  mount(root, h('h2', {}, 'Caps'), out);
  api<Caps>('GET', '/v1/caps').then(
    (c) => {
      if (c.windows.length === 0) return mount(out, h('p', { class: 'muted' }, 'No caps: nothing limits how many leads you buy or what you spend.'));
      mount(
        out,
        h('p', { class: 'muted' }, `Now (${when(c.at)}), in your cap time zone ${c.timezone ?? 'UTC'}. Dark: committed; light: held for bids whose post is still to come.`),
        h(
          'table',
          { class: 'buyers caps' },
          h('thead', {}, h('tr', {}, ...['window', 'campaign', 'leads', '', 'spend', ''].map((x) => h('th', {}, x)))),
          h(
            'tbody',
            {},
            ...c.windows.map((w) =>
              h(
                'tr',
                { 'data-window': w.window },
                h('td', { class: 'nowrap' }, windowName(w.window)),
                h('td', {}, w.campaign ?? 'all'),
                h('td', { class: 'num' }, `${w.used_count}${w.held_count > 0 ? ` +${w.held_count}` : ''} of ${w.limit_count ?? 'no limit'}`),
                h('td', {}, w.limit_count === null ? null : bar(w.used_count, w.held_count, w.limit_count, `count ${w.window}`)),
                h('td', { class: 'num' }, `${money(w.used_spend)}${w.held_spend > 0 ? ` +${money(w.held_spend)}` : ''} of ${w.limit_spend === null ? 'no limit' : money(w.limit_spend)}`),
                h('td', {}, w.limit_spend === null ? null : bar(w.used_spend, w.held_spend, w.limit_spend, `spend ${w.window}`)),
              ),
            ),
          ),
        ),
      );
    },
    (err: unknown) => mount(out, h('p', { class: 'error' }, said(err))),
  );
}
