import { api, ApiError } from './api.js';
import { h, mount } from './dom.js';
import { decisions, timeline } from './timeline.js';
import { dash, when } from './format.js';
import type { Campaign, LeadSummary, TraceSegment } from './trace-types.js';

let campaigns: Promise<Map<string, Campaign>> | undefined;
function campaignsById(): Promise<Map<string, Campaign>> {
  campaigns ??= api<{ campaigns: Campaign[] }>('GET', '/v1/console/campaigns').then((x) => new Map(x.campaigns.map((c) => [c.id, c])));
  return campaigns;
}

function deadline(seg: TraceSegment, c: Campaign | undefined): number | null {
  if (c === undefined) return null;
  return seg.phase === 'post' ? c.post_tmax_ms : c.tmax_ms;
}

/** Leads: find one by its id and draw its trace, a timeline per segment (ping, post). */
export function leadsPage(root: Element, leadId: string | undefined): void {
  const id = h('input', { type: 'search', id: 'lead-id', placeholder: 'lead id (the ping_id or lead_id)', value: leadId ?? '', size: 44 }) as HTMLInputElement;
  const out = h('div', { class: 'trace' });
  const form = h('form', { class: 'search' }, id, h('button', { type: 'submit' }, 'Show trace'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = `#/leads/${encodeURIComponent(id.value.trim())}`;
  });
  mount(root, h('h2', {}, 'Leads'), form, out);
  if (leadId === undefined || leadId === '') return recentLeads(out);
  mount(out, h('p', { class: 'muted' }, 'loading…'));
  Promise.all([api<{ lead_id: string; segments: TraceSegment[]; deliveries?: LeadDelivery[] }>('GET', `/v1/leads/${encodeURIComponent(leadId)}`), campaignsById()]).then(
    ([trace, cs]) =>
      mount(
        out,
        ...trace.segments.flatMap((seg) => [
          h('h3', {}, `${seg.phase} · ${seg.campaign} · seller ${seg.seller} · ${new Date(seg.at).toLocaleString()}`),
          timeline(seg, deadline(seg, cs.get(seg.campaign))),
          decisions(seg),
        ]),
        ...deliveriesOf(trace.deliveries ?? []),
      ),
    (err: unknown) => mount(out, h('p', { class: 'error' }, err instanceof ApiError ? `${err.code}: ${err.message}` : String(err))),
  );
}

/** A sold lead's delivery to a buyer beside its post (GET /v1/leads/{id} `deliveries`). */
interface LeadDelivery {
  buyer: string;
  channel: string;
  state: string;
  attempts: number;
  first_at: string;
  last_at: string;
  last_status: number | null;
  last_error: string | null;
}

/** The lead's e-mails and webhook copies, each buyer's, with their tries and last error; nothing when it had none. */
function deliveriesOf(ds: readonly LeadDelivery[]): Element[] {
  if (ds.length === 0) return [];
  const rows = ds.map((d) =>
    h(
      'tr',
      { 'data-buyer': d.buyer, 'data-channel': d.channel },
      h('td', {}, d.buyer),
      h('td', {}, d.channel),
      h('td', { class: `state ${d.state}` }, d.state),
      h('td', { class: 'num' }, d.attempts),
      h('td', {}, when(d.first_at)),
      h('td', {}, when(d.last_at)),
      h('td', { class: d.last_error === null ? undefined : 'error' }, `${d.last_status ?? dash}${d.last_error !== null ? ` · ${d.last_error}` : ''}`),
    ),
  );
  return [h('h3', {}, 'Deliveries beside the post'), h('table', { class: 'buyers deliveries' }, h('thead', {}, h('tr', {}, ...['buyer', 'channel', 'state', 'attempts', 'first try', 'last try', 'last status / error'].map((x) => h('th', {}, x)))), h('tbody', {}, ...rows))];
}

/** Leads from the index (every process's, within the traces' retention), filtered by seller, buyer, outcome and time; a row opens its timeline. */
function recentLeads(out: Element): void {
  const field = (name: string, placeholder: string, type = 'text') => h('input', { name, placeholder, type, class: 'filter' }) as HTMLInputElement;
  const fields = [field('seller', 'seller'), field('buyer', 'buyer'), field('outcome', 'outcome (sold, no_bid…)'), field('from', 'from', 'datetime-local'), field('to', 'to', 'datetime-local')];
  const list = h('tbody');
  const more = h('button', { type: 'button', class: 'more', hidden: true }, 'Older leads');
  const form = h('form', { class: 'search filters' }, ...fields, h('button', { type: 'submit' }, 'Filter'));
  let next: string | null = null;
  const row = (l: LeadSummary) =>
    h('tr', { 'data-lead': l.lead_id }, h('td', {}, h('a', { href: `#/leads/${encodeURIComponent(l.lead_id)}` }, l.lead_id.slice(0, 8))), h('td', {}, new Date(l.at).toLocaleTimeString()), h('td', {}, l.phase), h('td', {}, l.seller), h('td', {}, l.buyers.join(', ')), h('td', {}, l.sold_to !== null ? `${l.outcome} to ${l.sold_to}` : l.outcome));
  const load = (append: boolean) => {
    const q = new URLSearchParams();
    for (const f of fields) if (f.value !== '') q.set(f.name, f.type === 'datetime-local' ? new Date(f.value).toISOString() : f.value);
    if (append && next !== null) q.set('before', next);
    api<{ leads: LeadSummary[]; next: string | null }>('GET', `/v1/leads?${q.toString()}`).then(
      (r) => {
        next = r.next;
        more.hidden = next === null;
        const rows = r.leads.map(row);
        if (append) list.append(...rows);
        else mount(list, ...(rows.length === 0 ? [h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'no lead matches'))] : rows));
      },
      (err: unknown) => mount(list, h('tr', {}, h('td', { colspan: 6, class: 'error' }, err instanceof ApiError ? `${err.code}: ${err.message}` : String(err)))),
    );
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    load(false);
  });
  more.addEventListener('click', () => load(true));
  mount(
    out,
    h('h3', {}, 'Leads'),
    form,
    h('table', { class: 'buyers leads' }, h('thead', {}, h('tr', {}, ...['lead', 'time', 'phase', 'seller', 'buyers', 'outcome'].map((x) => h('th', {}, x)))), list),
    more,
    h('p', { class: 'muted' }, 'Every process\'s leads, newest first, for as long as their traces are kept.'),
  );
  load(false);
}
