import { api } from './api.js';
import { h, mount } from './dom.js';
import { dash, said, when } from './format.js';
import type { Notices, Who } from './portal-types.js';

/**
 * How the party's notices were delivered (GET /v1/postbacks): a seller's postbacks, a buyer's
 * loss notices and the e-mails and webhook copies of the leads it bought, each with its tries,
 * its state and the last error. The API answers the key's
 * own, whatever the page asks.
 */
export function noticesPage(root: HTMLElement, who: Who): void {
  const seller = who.party === 'seller';
  const list = h('tbody', {}, h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'loading…')));
  mount(
    root,
    h('h2', {}, seller ? 'Postbacks' : 'Deliveries'),
    h(
      'p',
      { class: 'muted' },
      seller
        ? "The final result of each of your leads (sold, rejected, returned), posted to your postback URL, newest first: kept 7 days, the newest 500."
        : 'Each lead you bought, as your e-mail (lead.email) and your webhook copy (lead.webhook) when you take them so, and each lead you bid on and did not get, told to your loss_notices URL once settled (lead.lost); newest first: kept 7 days, the newest 500.',
    ),
    h('table', { class: 'buyers notices' }, h('thead', {}, h('tr', {}, ...['type', 'lead', 'state', 'attempts', 'first try', 'last try', 'last status / error'].map((x) => h('th', {}, x)))), list),
  );
  api<Notices>('GET', '/v1/postbacks?limit=200').then(
    (r) =>
      mount(
        list,
        ...(r.notices.length === 0
          ? [h('tr', {}, h('td', { colspan: 7, class: 'muted' }, seller ? 'No postback yet: none configured, or no lead of yours has settled.' : 'Nothing delivered yet: no e-mail, webhook or loss notice configured, or no lead to tell of.'))]
          : r.notices.map((n) =>
              h(
                'tr',
                { 'data-event': n.event_id, 'data-lead': n.lead_id },
                h('td', {}, n.type),
                h('td', {}, h('a', { href: `#/leads/${encodeURIComponent(n.lead_id)}`, title: n.lead_id }, n.lead_id.slice(0, 8))),
                h('td', { class: `state ${n.state}` }, n.state),
                h('td', { class: 'num' }, n.attempts),
                h('td', {}, when(n.first_at)),
                h('td', {}, when(n.last_at)),
                h('td', { class: n.last_error === null ? undefined : 'error' }, `${n.last_status ?? dash}${n.last_error !== null ? ` · ${n.last_error}` : ''}`),
              ),
            )),
      ),
    (err: unknown) => mount(list, h('tr', {}, h('td', { colspan: 7, class: 'error' }, said(err)))),
  );
}
