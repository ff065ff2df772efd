import type { z } from 'zod';
import type { ReturnAnswer } from '../../src/protocol/party-api.js';
import { api, explain, segment } from './api.js';
import { h, mount } from './dom.js';
import { money, when } from './format.js';

type Return = z.infer<typeof ReturnAnswer>;
const STATUSES = ['pending', 'approved', 'denied', 'all'] as const;
type Filter = (typeof STATUSES)[number];

const COLUMNS = ['lead', 'buyer', 'seller', 'campaign', 'reason', 'price', 'payout', 'filed at', 'status', ''];

/**
 * Returns: the queue of pending returns (GET /v1/returns?status=pending), approved and denied ones
 * a tab away. Approve and Deny decide one (POST /v1/returns/{id}/approve|deny): the row is redrawn
 * from the answer, so it shows what the ledger recorded, and stays in place so the operator sees
 * what was just done; a refusal is written in the row with its code.
 */
export function returnsPage(root: Element, arg: string | undefined): void {
  const filter: Filter = (STATUSES as readonly string[]).includes(arg ?? '') ? (arg as Filter) : 'pending';
  const body = h('tbody');
  const summary = h('p', { class: 'muted', 'data-k': 'returns-summary' }, 'loading…');
  const tabs = h('nav', { class: 'tabs' }, ...STATUSES.map((x) => h('a', { href: `#/returns/${x}`, class: x === filter ? 'on' : undefined, 'data-status': x }, x)));
  mount(
    root,
    h('h2', {}, 'Returns'),
    h('p', { class: 'lede' }, 'A buyer returns a lead it bought; unless its campaign approves the reason by itself, the return waits here. Approving credits the buyer its price and claws the payout back from the seller; denying leaves the sale as it was.'),
    tabs,
    summary,
    h('table', { class: 'buyers returns' }, h('thead', {}, h('tr', {}, ...COLUMNS.map((x) => h('th', {}, x)))), body),
  );
  api<{ returns: Return[] }>('GET', `/v1/returns${filter === 'all' ? '' : `?status=${filter}`}`).then(
    (r) => {
      // the rows as they are now: a decision redraws its row, and the summary with it
      const shown = new Map(r.returns.map((x) => [x.id, x]));
      const summarize = () => {
        const all = [...shown.values()];
        const left = filter === 'pending' ? all.filter((x) => x.status === 'pending') : all;
        const word = filter === 'all' ? '' : `${filter} `;
        const decided = all.length - left.length;
        mount(
          summary,
          `${left.length === 0 ? `no ${word}return` : `${left.length} ${word}return${left.length === 1 ? '' : 's'}, ${money(left.reduce((a, x) => a + x.price, 0))} in price`}${decided > 0 ? ` · ${decided} decided just now` : ''}`,
        );
      };
      const changed = (x: Return) => {
        shown.set(x.id, x);
        summarize();
      };
      summarize();
      mount(body, ...(r.returns.length === 0 ? [h('tr', {}, h('td', { colspan: COLUMNS.length, class: 'muted empty' }, filter === 'pending' ? 'Nothing waits for a decision.' : 'None.'))] : r.returns.map((x) => row(x, changed))));
    },
    (err: unknown) => {
      mount(summary, '');
      mount(body, h('tr', {}, h('td', { colspan: COLUMNS.length, class: 'error' }, explain(err))));
    },
  );
}

function row(r: Return, changed: (r: Return) => void): HTMLElement {
  const tr = h('tr', { 'data-return': r.id, 'data-status': r.status });
  draw(tr, r, changed);
  return tr;
}

function draw(tr: HTMLElement, r: Return, changed: (r: Return) => void, error?: string): void {
  tr.setAttribute('data-status', r.status);
  const actions = h('td', { class: 'actions' });
  if (r.status === 'pending') {
    const decide = (verb: 'approve' | 'deny') => {
      const b = h('button', { type: 'button', class: verb === 'approve' ? 'approve' : 'deny secondary', 'data-action': verb }, verb === 'approve' ? 'Approve' : 'Deny');
      b.addEventListener('click', () => {
        for (const x of actions.querySelectorAll('button')) (x as HTMLButtonElement).disabled = true;
        api<Return>('POST', `/v1/returns/${segment(r.id)}/${verb}`).then(
          (done) => {
            draw(tr, done, changed);
            changed(done);
          },
          (err: unknown) => draw(tr, r, changed, explain(err)),
        );
      });
      return b;
    };
    actions.append(decide('approve'), decide('deny'));
  } else {
    actions.append(h('span', { class: 'muted' }, `${r.status} ${when(r.decided_at)}`));
  }
  if (error !== undefined) actions.append(h('p', { class: 'error', role: 'alert' }, error));
  mount(
    tr,
    h('td', {}, h('a', { href: `#/leads/${encodeURIComponent(r.lead_id)}`, class: 'mono', title: r.lead_id }, r.lead_id.slice(0, 8))),
    h('td', {}, r.buyer),
    h('td', {}, r.seller ?? ''),
    h('td', {}, r.campaign),
    h('td', { class: 'reason' }, r.reason),
    h('td', { class: 'num' }, money(r.price)),
    h('td', { class: 'num' }, money(r.payout)),
    h('td', { class: 'time' }, when(r.requested_at)),
    h('td', {}, h('span', { class: `pill ${r.status}`, 'data-k': 'status' }, r.status)),
    actions,
  );
}
