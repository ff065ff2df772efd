import type { z } from 'zod';
import type { ExperimentReportSchema } from '../../src/versions/experiment-schemas.js';
import { api, explain, segment } from './api.js';
import { h, mount } from './dom.js';
import { count, dash, money, pct, signed, when } from './format.js';

type Report = z.infer<typeof ExperimentReportSchema>;
type Arm = Report['arms'][number];
interface Published {
  version: number;
  live_here: boolean;
}

/** a p-value as a reader wants it: three places, or under 0.001 */
const pValue = (p: number): string => (p < 0.001 ? 'p < 0.001' : `p = ${p.toFixed(3)}`);
/** an interval, in the figure's own format */
const interval = (i: { low: number; high: number } | null, fmt: (x: number) => string): string => (i === null ? '' : ` (${fmt(i.low)} – ${fmt(i.high)})`);
/** percentage points, for a difference of fills */
const points = (x: number): string => `${(x * 100).toFixed(1)} pts`;
/** money per lead: more places than a sale's, as the differences are small */
const perLead = (x: number | null | undefined): string => (x === null || x === undefined ? dash : x.toFixed(3));

/** what an arm sets instead of the campaign, as one line */
function overrides(a: Arm): string {
  const entries = Object.entries(a.overrides);
  return entries.length === 0 ? "the campaign's own" : entries.map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(', ');
}

/** each arm against the control, said in words: what differs, by how much, and whether it may be chance */
function verdict(r: Report): HTMLElement {
  const lines = r.arms
    .filter((a) => a.vs_control !== null)
    .map((a) => {
      const vs = a.vs_control!;
      const fill = vs.fill === null ? 'fill: nothing to compare yet' : `fill ${signed(vs.fill.difference, points) || '±0 pts'} (${pValue(vs.fill.p)}${vs.fill.significant ? ', significant' : ''})`;
      const margin =
        vs.margin_per_lead === null
          ? 'margin per lead: nothing to compare yet'
          : `margin per lead ${signed(vs.margin_per_lead.difference, perLead) || '±0'} (${pValue(vs.margin_per_lead.p)}${vs.margin_per_lead.significant ? ', significant' : ''})`;
      return h('li', { 'data-arm': a.name }, h('b', {}, a.name), ` against ${r.control}: ${fill}; ${margin}.`);
    });
  const summary = r.significant
    ? `The difference is significant at ${r.alpha}: it is unlikely to be chance.`
    : `No difference is significant at ${r.alpha} yet: it may be chance. Let the test run longer before choosing.`;
  return h('div', { class: `verdict ${r.significant ? 'significant' : 'not-significant'}`, 'data-k': 'verdict' }, h('p', {}, h('b', {}, summary)), h('ul', {}, ...lines));
}

function armTable(r: Report): HTMLElement {
  const cols: [string, (a: Arm) => string, string?][] = [
    ['arm', (a) => a.name],
    ['share', (a) => `${a.share}%`, 'num'],
    ['sets', overrides],
    ['leads', (a) => count(a.leads), 'num'],
    ['sold', (a) => count(a.sold), 'num'],
    ['fill (95% CI)', (a) => `${pct(a.fill)}${interval(a.fill_ci, pct)}`, 'num'],
    ['revenue', (a) => money(a.revenue), 'num'],
    ['payout', (a) => money(a.payout), 'num'],
    ['margin', (a) => money(a.margin), 'num'],
    ['margin / lead (95% CI)', (a) => `${perLead(a.margin_per_lead)}${interval(a.margin_per_lead_ci, perLead)}`, 'num'],
  ];
  return h(
    'table',
    { class: 'buyers report-table experiment-arms' },
    h('thead', {}, h('tr', {}, ...cols.map(([name, , cls]) => h('th', { class: cls }, name)))),
    h(
      'tbody',
      {},
      ...r.arms.map((a) =>
        h(
          'tr',
          { 'data-arm': a.name },
          ...cols.map(([name, f, cls]) => h('td', { class: cls, 'data-col': name }, f(a), name === 'arm' && a.name === r.control ? h('span', { class: 'pill', title: 'every other arm is compared with this one' }, 'baseline') : null)),
        ),
      ),
    ),
  );
}

/**
 * The Reports page's "Experiments": each campaign of the live configuration that runs an A/B test
 * (GET /v1/admin/experiments/{campaign}), its arms' figures with their intervals, a line on whether
 * the difference is significant, and per arm a button that ends the test by publishing that arm
 * (after a confirm): the campaign takes the arm's settings in a new version.
 */
export function experimentsSection(root: Element): void {
  const notice = h('div', { class: 'experiments-notice' });
  const list = h('div', { class: 'experiments-list' });
  mount(
    root,
    h('h3', {}, 'Experiments'),
    h('p', { class: 'lede' }, "A campaign's A/B test splits its leads between arms by share, each lead's arm fixed by its id. Figures since the test started, every process's; intervals at 95%."),
    notice,
    list,
  );

  function done(text: string, cls: 'ok' | 'error'): void {
    mount(notice, h('p', { class: `notice ${cls}`, role: cls === 'error' ? 'alert' : 'status' }, text));
  }

  async function load(): Promise<void> {
    mount(list, h('p', { class: 'muted' }, 'loading…'));
    try {
      const live = await api<{ document: { campaigns?: { id: string; experiment?: unknown }[] } }>('GET', '/v1/admin/config');
      const ids = (live.document.campaigns ?? []).filter((c) => c.experiment !== undefined).map((c) => c.id);
      if (ids.length === 0) return mount(list, h('p', { class: 'muted empty', 'data-k': 'no-experiments' }, 'No campaign runs an A/B test. Add an `experiment` to a campaign (README, A/B tests) to start one.'));
      const reports = await Promise.all(ids.map((id) => api<Report>('GET', `/v1/admin/experiments/${segment(id)}`)));
      mount(list, ...reports.map(card));
    } catch (err) {
      mount(list, h('p', { class: 'error', role: 'alert' }, explain(err)));
    }
  }

  function card(r: Report): HTMLElement {
    const actions = h('div', { class: 'experiment-actions' });
    const idle = () =>
      mount(
        actions,
        ...r.arms.map((a) => {
          const b = h('button', { type: 'button', class: 'secondary', 'data-action': 'end', 'data-arm': a.name }, `End test: publish ${a.name}`);
          b.addEventListener('click', () => ask(a));
          return b;
        }),
      );
    const ask = (a: Arm) => {
      const go = h('button', { type: 'button', class: 'danger', 'data-action': 'end-confirm' }, `Publish ${a.name}`);
      const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
      cancel.addEventListener('click', idle);
      go.addEventListener('click', () => {
        go.setAttribute('disabled', '');
        api<Published>('POST', `/v1/admin/campaigns/${segment(r.campaign)}/experiment/end`, { arm: a.name }).then(
          (p) => {
            done(`Version ${p.version} published: campaign ${r.campaign} now runs arm ${a.name}'s settings (${overrides(a)}), and test ${r.experiment} has ended.`, 'ok');
            void load();
          },
          (err: unknown) => {
            done(explain(err), 'error');
            idle();
          },
        );
      });
      mount(actions, h('span', { class: 'confirm' }, `End test ${r.experiment} and publish arm ${a.name} (${overrides(a)}) as campaign ${r.campaign}'s settings?`, go, cancel));
    };
    idle();
    const since = r.running_since === null ? 'running' : `running since version ${r.running_since.version} (${when(r.running_since.published_at)})`;
    return h(
      'section',
      { class: 'experiment', 'data-campaign': r.campaign, 'data-experiment': r.experiment },
      h('h4', {}, `${r.campaign}: test ${r.experiment}`),
      h('p', { class: 'muted' }, since),
      armTable(r),
      verdict(r),
      actions,
    );
  }

  void load();
}
