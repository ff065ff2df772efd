import { api } from './api.js';
import { h, mount } from './dom.js';
import { dash, money, said, when } from './format.js';
import type { BuyerView, LeadPage, SellerSpec, SellerView, Who } from './portal-types.js';
import { bars, kindClass } from './timeline.js';

/** A row of the list: what every party's list shows. */
interface Row {
  lead_id: string;
  at: string;
  phase: string;
  campaign: string;
  /** a seller's: the answer it got; a buyer's: bought or not (why it lost is in the lead's own page) */
  outcome: string;
}

/** One of the party's leads, as the server lets it see it: never another party's name. */
function rowOf(l: LeadPage['leads'][number]): Row {
  // a buyer's ping is only asked for a bid: whether it bought the lead is its post's (or a direct post's) to say
  const outcome = l.bought !== undefined ? (l.bought ? 'bought' : l.phase === 'ping' ? 'pinged' : 'not bought') : (l.outcome ?? dash);
  return { lead_id: l.lead_id, at: l.at, phase: l.phase, campaign: l.campaign, outcome };
}

/**
 * A party's leads: GET /v1/leads?… (a seller's own, a buyer's those it took part in), newest
 * first, with a cursor for older ones.
 */
export function partyLeadsPage(root: HTMLElement, who: Who, leadId: string | undefined): void {
  if (leadId !== undefined) return leadPage(root, who, leadId);
  const field = (name: string, placeholder: string, type = 'text') => h('input', { name, placeholder, type, class: 'filter', 'aria-label': placeholder }) as HTMLInputElement;
  const fields = [field('outcome', 'outcome (sold, no_bid…)'), field('from', 'from', 'datetime-local'), field('to', 'to', 'datetime-local')];
  const list = h('tbody');
  const note = h('p', { class: 'muted' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Older leads');
  const form = h('form', { class: 'search filters' }, ...fields, h('button', { type: 'submit' }, 'Filter'));
  const heads = ['lead', 'time', 'call', 'campaign', who.party === 'buyer' ? 'you' : 'outcome'];
  let cursor: string | null = null;
  const draw = (rows: Row[], append: boolean) => {
    const trs = rows.map((r) =>
      h('tr', { 'data-lead': r.lead_id }, h('td', {}, h('a', { href: `#/leads/${encodeURIComponent(r.lead_id)}`, title: r.lead_id }, r.lead_id.slice(0, 8))), h('td', {}, when(r.at)), h('td', {}, r.phase), h('td', {}, r.campaign), h('td', {}, r.outcome)),
    );
    if (append) list.append(...trs);
    else mount(list, ...(trs.length === 0 ? [h('tr', {}, h('td', { colspan: heads.length, class: 'muted' }, 'no lead matches'))] : trs));
  };
  const query = () => {
    const q = new URLSearchParams({ limit: '50' });
    for (const f of fields) if (f.value !== '') q.set(f.name, f.type === 'datetime-local' ? new Date(f.value).toISOString() : f.value);
    return q;
  };
  const load = (append: boolean) => {
    const q = query();
    if (append && cursor !== null) q.set('before', cursor);
    api<LeadPage>('GET', `/v1/leads?${q.toString()}`).then(
      (r) => {
        cursor = r.next;
        more.hidden = r.next === null;
        mount(note, who.party === 'buyer' ? 'The leads you were pinged for or bought, newest first.' : 'Your leads and the answers they got, newest first.');
        draw(r.leads.map(rowOf), append);
      },
      (err: unknown) => mount(list, h('tr', {}, h('td', { colspan: heads.length, class: 'error' }, said(err)))),
    );
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    load(false);
  });
  more.addEventListener('click', () => load(true));
  const find = h('input', { type: 'search', id: 'lead-id', placeholder: 'a lead id (the ping_id or lead_id)', size: 40, 'aria-label': 'lead id' }) as HTMLInputElement;
  const byId = h('form', { class: 'search' }, find, h('button', { type: 'submit' }, 'Open'));
  byId.addEventListener('submit', (e) => {
    e.preventDefault();
    if (find.value.trim() !== '') location.hash = `#/leads/${encodeURIComponent(find.value.trim())}`;
  });
  mount(root, h('h2', {}, 'Leads'), byId, form, note, h('table', { class: 'buyers leads' }, h('thead', {}, h('tr', {}, ...heads.map((x) => h('th', {}, x)))), list), more);
  load(false);
}

const fact = (label: string, value: string, k: string) => h('div', { class: 'tile' }, h('span', { class: 'label' }, label), h('span', { class: 'value small', 'data-k': k }, value));

/** One lead: the party's own part of its trace (src/trace/trace-views.ts), drawn on its deadline where the party knows it. */
function leadPage(root: HTMLElement, who: Who, leadId: string): void {
  const out = h('div', { class: 'trace' }, h('p', { class: 'muted' }, 'loading…'));
  mount(root, h('p', {}, h('a', { href: '#/leads' }, '← all leads')), h('h2', {}, `Lead ${leadId}`), out);
  api<BuyerView | SellerView>('GET', `/v1/leads/${encodeURIComponent(leadId)}`).then(
    (view) => (who.party === 'buyer' ? buyerLead(out, view as BuyerView) : sellerLead(out, view as SellerView)),
    (err: unknown) => mount(out, h('p', { class: 'error' }, said(err))),
  );
}

/** A buyer's part: its own ping (a bar from sent to answered), won or lost and why, the clearing price. */
function buyerLead(out: HTMLElement, v: BuyerView): void {
  const ping = v.your_ping;
  mount(
    out,
    h(
      'div',
      { class: 'tiles' },
      fact('campaign', v.campaign, 'campaign'),
      fact('pinged at', when(v.at), 'at'),
      fact('your answer', ping === null ? 'not pinged (fixed price)' : ping.kind === 'bid' ? `bid ${money(ping.bid)}` : ping.kind, 'ping'),
      fact('outcome', v.outcome === 'won' ? `won at ${money(v.price)}` : `lost: ${v.reason ?? dash}`, 'outcome'),
      fact('clearing price', money(v.clearing_price), 'clearing'),
      // how the lead reached it beside its post: its e-mail, its webhook copy
      ...(v.deliveries ?? []).map((d) => fact(d.channel === 'email' ? 'your e-mail' : `your ${d.channel}`, `${d.state} after ${d.attempts} ${d.attempts === 1 ? 'try' : 'tries'}${d.last_error !== null ? ` · ${d.last_error}` : ''}`, `delivery-${d.channel}`)),
      v.test ? fact('test lead', 'yes', 'test') : null,
    ),
    ping === null ? null : bars([{ name: 'your ping', from: 0, to: ping.ms, cls: kindClass(ping.kind), label: `${ping.kind === 'bid' ? `bid ${ping.bid}` : ping.kind} in ${ping.ms.toFixed(1)} ms` }], null, null, 'your ping'),
    v.outcome === 'won' ? h('p', {}, h('a', { href: `#/returns/${encodeURIComponent(v.lead_id)}` }, 'Return this lead…')) : null,
  );
}

/** A seller's lead: each call (ping, post, direct post) a bar against its campaign's deadline, and its answer. */
function sellerLead(out: HTMLElement, v: SellerView): void {
  const draw = (facts: SellerSpec['x-gavel-campaigns'][string] | undefined) =>
    mount(
      out,
      h(
        'div',
        { class: 'tiles' },
        fact('campaign', v.campaign, 'campaign'),
        fact('received', when(v.received_at), 'at'),
        fact('result', v.result === null ? dash : `${v.result.status}${v.result.price !== undefined ? ` at ${money(v.result.price)}` : ''}${v.result.reason !== undefined ? ` (${v.result.reason})` : ''}`, 'outcome'),
        fact('sub id', v.sub_id ?? dash, 'sub_id'),
        v.test ? fact('test lead', 'yes', 'test') : null,
      ),
      ...v.calls.map((c) => {
        const deadline = facts === undefined ? null : c.phase === 'ping' ? facts.tmax_ms : facts.post_tmax_ms;
        const status = c.result?.status ?? 'error';
        const cls = status === 'error' || status === 'rejected' ? 'error' : status === 'no_bid' || status === 'duplicate' ? 'pass' : 'bid';
        const label = `${status}${c.result?.price !== undefined ? ` ${c.result.price}` : ''}${c.result?.reason !== undefined ? ` (${c.result.reason})` : ''}`;
        return h(
          'section',
          { class: 'call' },
          h('h3', {}, `${c.phase} · ${when(c.at)} · ${c.bytes} bytes · dedup ${c.dedup ?? dash}`),
          bars([{ name: c.phase, from: 0, to: c.total_ms, cls, label }], deadline, null, `${c.phase} call`),
          c.invalid === null ? null : h('p', { class: 'error' }, 'Invalid: ', c.invalid.map((i) => `${i.path}: ${i.message}`).join('; ')),
        );
      }),
    );
  // the deadlines are the seller's own spec's: a campaign it may no longer send to draws without one
  api<SellerSpec>('GET', '/v1/spec').then(
    (spec) => draw(spec['x-gavel-campaigns'][v.campaign]),
    () => draw(undefined),
  );
}
