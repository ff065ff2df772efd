import { h } from './dom.js';
import { count, money } from './format.js';
import type { ChangedLead, LeadPath } from './replay-types.js';

/** One side's path of a lead: who was held first at what offer, what was sold to whom, the caps hit, and whether it rests on an estimate. */
function path(p: LeadPath, side: 'live' | 'draft'): HTMLElement {
  const lines: (HTMLElement | string)[] = [];
  lines.push(p.winner === null ? h('span', { class: 'no-offer' }, 'no offer') : h('span', {}, 'offer ', h('b', {}, money(p.offer)), ` for ${p.winner}`));
  for (const s of p.sold) lines.push(h('span', { class: 'sold' }, `sold to ${s.buyer} at ${money(s.price)}, seller paid ${money(s.payout)}`));
  if (p.winner !== null && p.sold.length === 0) lines.push(h('span', { class: 'muted' }, 'not sold'));
  if (p.cap_hits.length > 0) lines.push(h('span', { class: 'cap-hit' }, `cap hit: ${p.cap_hits.join(', ')}`));
  return h('td', { class: `path ${side}` }, ...lines.flatMap((x, i) => (i === 0 ? [x] : [h('br'), x])), p.estimated ? h('span', { class: 'pill warn' }, 'estimate') : null);
}

/**
 * The leads whose outcome the draft changes, oldest first, each with its path under live and
 * under the draft; the lead's id opens its trace on the Leads page.
 */
export function changedLeads(changed: readonly ChangedLead[], total: number): HTMLElement {
  if (total === 0) return h('p', { class: 'muted changed-none' }, 'No lead’s outcome changes under the draft.');
  const time = (iso: string) => new Date(iso).toLocaleString('en-GB', { month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return h(
    'div',
    { class: 'replay-changed' },
    total > changed.length ? h('p', { class: 'hint' }, `The first ${count(changed.length)} of ${count(total)}, oldest first.`) : null,
    h(
      'table',
      { class: 'buyers changed-leads' },
      h('thead', {}, h('tr', {}, h('th', {}, 'lead'), h('th', {}, 'seller'), h('th', {}, 'received'), h('th', {}, 'live'), h('th', {}, 'draft'))),
      h(
        'tbody',
        {},
        ...changed.map((c) =>
          h(
            'tr',
            { 'data-lead': c.lead_id },
            h('td', {}, h('a', { href: `#/leads/${encodeURIComponent(c.lead_id)}`, title: c.lead_id, class: 'mono' }, c.lead_id.slice(0, 8))),
            h('td', {}, c.seller),
            h('td', { class: 'time' }, time(c.at)),
            path(c.live, 'live'),
            path(c.draft, 'draft'),
          ),
        ),
      ),
    ),
  );
}
