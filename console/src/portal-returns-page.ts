import { api } from './api.js';
import { h, mount } from './dom.js';
import { money, said, when } from './format.js';
import type { Return, Sales, Who } from './portal-types.js';

const DAY = 86_400_000;

/** Reasons a campaign's returns.auto_approve may list; any other text is filed for the operator to decide. */
const REASONS = ['WRONG_NUMBER', 'DUPLICATE', 'NOT_INTERESTED', 'FAKE_INFO'];

/** A buyer's returns (GET /v1/returns, its own) with their status, and a form to return a lead it bought (POST /v1/returns). */
export function returnsPage(root: HTMLElement, _who: Who, leadId: string | undefined): void {
  const list = h('tbody', {}, h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'loading…')));
  const lead = h('select', { id: 'return-lead', name: 'lead_id', required: true }) as HTMLSelectElement;
  const reason = h('input', { id: 'return-reason', name: 'reason', list: 'return-reasons', required: true, maxlength: 200, placeholder: 'WRONG_NUMBER, or say why' }) as HTMLInputElement;
  const status = h('p', { role: 'status' });
  const form = h(
    'form',
    { class: 'card return-form' },
    h('h3', {}, 'Return a lead'),
    h('label', { for: 'return-lead' }, 'Lead you bought (last 30 days)'),
    lead,
    h('label', { for: 'return-reason' }, 'Reason'),
    reason,
    h('datalist', { id: 'return-reasons' }, ...REASONS.map((r) => h('option', { value: r }))),
    h('button', { type: 'submit' }, 'File the return'),
    status,
  );
  mount(
    root,
    h('h2', {}, 'Returns'),
    h('div', { class: 'split' }, h('table', { class: 'buyers returns' }, h('thead', {}, h('tr', {}, ...['lead', 'reason', 'status', 'price', 'filed', 'decided'].map((x) => h('th', {}, x)))), list), form),
  );
  const load = () =>
    Promise.all([api<{ returns: Return[] }>('GET', '/v1/returns'), api<Sales>('GET', `/v1/sales?from=${new Date(Date.now() - 30 * DAY).toISOString()}&limit=1000`)]).then(
      ([r, s]) => {
        mount(
          list,
          ...(r.returns.length === 0
            ? [h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'No return filed.'))]
            : r.returns.map((x) =>
                h(
                  'tr',
                  { 'data-lead': x.lead_id },
                  h('td', {}, h('a', { href: `#/leads/${encodeURIComponent(x.lead_id)}`, title: x.lead_id }, x.lead_id.slice(0, 8))),
                  h('td', {}, x.reason),
                  h('td', { class: `status ${x.status}` }, x.status),
                  h('td', { class: 'num' }, money(x.price)),
                  h('td', {}, when(x.requested_at)),
                  h('td', {}, when(x.decided_at)),
                ),
              )),
        );
        // a lead returned once cannot be returned again: offer the others
        const returned = new Set(r.returns.map((x) => x.lead_id));
        const open = s.sales.filter((x) => !returned.has(x.lead_id));
        mount(
          lead,
          h('option', { value: '' }, open.length === 0 ? 'no lead to return' : 'choose a lead…'),
          ...open.map((x) => h('option', { value: x.lead_id, selected: x.lead_id === leadId }, `${x.lead_id.slice(0, 8)} · ${x.campaign} · ${when(x.at)} · ${money(x.price)}`)),
        );
      },
      (err: unknown) => mount(list, h('tr', {}, h('td', { colspan: 6, class: 'error' }, said(err)))),
    );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    api<Return>('POST', '/v1/returns', { lead_id: lead.value, reason: reason.value.trim() }).then(
      (r) => {
        mount(status, `Filed: ${r.status}${r.status === 'pending' ? ", until the operator decides" : ''}.`);
        reason.value = '';
        void load();
      },
      (err: unknown) => mount(status, h('span', { class: 'error' }, said(err))),
    );
  });
  void load();
}
