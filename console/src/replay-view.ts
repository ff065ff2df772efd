import { h } from './dom.js';
import { count, when } from './format.js';
import { changedLeads } from './replay-changed.js';
import { buyersTable, sellersTable, skippedTable } from './replay-parties.js';
import { replayEstimate, replayTotals } from './replay-totals.js';
import type { ReplayAnswer } from './replay-types.js';

/** What was replayed: the range, the leads found, those that could not be (recorded without their fields), and whether the limit cut the range short. */
function summary(r: ReplayAnswer): HTMLElement {
  const plural = (n: number, one: string, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;
  return h(
    'p',
    { class: 'replay-summary', 'data-from': r.from, 'data-to': r.to },
    h('b', {}, `${plural(r.pings, 'lead')} replayed`),
    ` of ${plural(r.leads, 'lead')} received from ${when(r.from)} to ${when(r.to)}`,
    r.not_recorded > 0 ? `; ${count(r.not_recorded)} recorded without their fields (trace.record_fields off) could not be` : '',
    '.',
    r.truncated ? h('span', { class: 'hint truncated' }, ` The range holds more than the limit: these are its oldest ${plural(r.leads, 'lead')}.`) : null,
  );
}

/** A replay's answer: what was replayed, live and draft side by side with the estimated part apart, per buyer, per seller, skipped, and the leads that change. */
export function replayView(r: ReplayAnswer): HTMLElement {
  const skipped = skippedTable(r.live, r.draft_totals);
  return h(
    'div',
    { class: 'replay-answer' },
    summary(r),
    h('div', { class: 'replay-sides' }, replayTotals(r.live, r.draft_totals), replayEstimate(r.live, r.draft_totals)),
    h('h5', {}, 'Per buyer (live → draft)'),
    buyersTable(r.live, r.draft_totals),
    h('h5', {}, 'Per seller (live → draft)'),
    sellersTable(r.live, r.draft_totals),
    skipped !== null ? h('h5', {}, 'Leads not judged, by code') : null,
    skipped,
    h('h5', { 'data-changed': r.changed_count }, `Leads whose outcome changes: ${count(r.changed_count)}`),
    changedLeads(r.changed, r.changed_count),
  );
}
