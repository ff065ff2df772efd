import { api, ApiError } from './api.js';
import { h, mount } from './dom.js';
import { decisions, timeline } from './timeline.js';
import type { Campaign, TraceSegment } from './trace-types.js';

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
  mount(root, h('h2', {}, 'Leads'), form, h('p', { class: 'muted' }, 'Search by id. Listing by seller, buyer, outcome and time needs an index of leads the store does not keep yet.'), out);
  if (leadId === undefined || leadId === '') return;
  mount(out, h('p', { class: 'muted' }, 'loading…'));
  Promise.all([api<{ lead_id: string; segments: TraceSegment[] }>('GET', `/v1/leads/${encodeURIComponent(leadId)}`), campaignsById()]).then(
    ([trace, cs]) =>
      mount(
        out,
        ...trace.segments.flatMap((seg) => [
          h('h3', {}, `${seg.phase} · ${seg.campaign} · seller ${seg.seller} · ${new Date(seg.at).toLocaleString()}`),
          timeline(seg, deadline(seg, cs.get(seg.campaign))),
          decisions(seg),
        ]),
      ),
    (err: unknown) => mount(out, h('p', { class: 'error' }, err instanceof ApiError ? `${err.code}: ${err.message}` : String(err))),
  );
}
