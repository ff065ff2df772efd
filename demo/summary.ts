import type { ConfigData } from '../src/config/schema.js';
import { fromMicros } from '../src/core/money.js';
import { GRADES } from '../src/scoring/scoring-schema.js';
import type { BuyerCounters } from '../bench/buyer-counters.js';
import { percentile } from '../bench/support/percentiles.js';
import { sumOf, type Sample } from '../bench/support/prom-text.js';
import { textTable } from './text-table.js';
import type { LeadResult, Traffic } from './traffic.js';

export interface DemoFacts {
  config: ConfigData;
  store: string;
  concurrency: number;
  tmaxMs: number;
  tightTmaxMs: number;
  traffic: Traffic;
  fleet: Record<string, BuyerCounters>;
  metrics: Sample[];
}

export interface Check {
  ok: boolean;
  text: string;
}

const money = (x: number) => `$${x.toFixed(2)}`;
const ms = (x: number) => `${x.toFixed(1)} ms`;

/** The buyers Gavel reaches over their own sockets, and the sales each of them accepted (Gavel's count). */
function socketBuyerWins(f: DemoFacts): [string, number][] {
  return f.config.buyers.filter((b) => b.transport === 'websocket').map((b) => [b.id, sumOf(f.metrics, 'gavel_posts_total', { buyer: b.id, result: 'accepted' })]);
}

/**
 * "A 38, B 103, C 35, D 214 (unscored: late 0, saturated 0, error 0); bids not taken for grade
 * (BELOW_GRADE): fern 71": Gavel's grades of the auctions' leads and who passed up a lead for one.
 */
function gradesLine(f: DemoFacts): string {
  const count = (outcome: string) => sumOf(f.metrics, 'gavel_scores_total', { outcome });
  const grades = GRADES.map((g) => `${g} ${count(g)}`).join(', ');
  const unscored = ['late', 'saturated', 'error'].map((o) => `${o} ${count(o)}`).join(', ');
  const graded = f.config.buyers.filter((b) => b.min_grade !== undefined);
  const below = graded.map((b) => `${b.id} (min_grade ${b.min_grade}) ${sumOf(f.metrics, 'gavel_buyer_passes_total', { buyer: b.id, kind: 'BELOW_GRADE' })}`);
  return `${grades} (unscored: ${unscored}); bids not taken for grade (BELOW_GRADE): ${below.join(', ') || 'no buyer has a min_grade'}`;
}

/** "133 (61 sold)": leads that went one way, and how many of them sold */
function soldOf(leads: readonly LeadResult[]): string {
  return `${leads.length} (${leads.filter((l) => l.outcome === 'sold').length} sold)`;
}

/** What must hold after any demo run, whatever the timing: a failed one means Gavel is broken. */
export function checks(f: DemoFacts): Check[] {
  const sold = f.traffic.leads.filter((l) => l.outcome === 'sold').length;
  const errors = f.traffic.leads.filter((l) => l.outcome === 'error');
  const buyers = f.config.buyers;
  const accepted = buyers.reduce((s, b) => s + (f.fleet[b.id]?.postsAccepted ?? 0), 0);
  const pii = buyers.reduce((s, b) => s + (f.fleet[b.id]?.piiInPings ?? 0), 0);
  const dups = f.traffic.leads.filter((l) => l.duplicate);
  // a twin whose ping found no bid never showed Gavel its phone, so it cannot be caught
  const tested = dups.filter((l) => !(l.phoneAt === 'post' && l.stage === 'ping' && l.outcome === 'unsold'));
  const caught = tested.filter((l) => l.reason === 'DUPLICATE').length;
  const mismatched = buyers.filter((b) => sumOf(f.metrics, 'gavel_posts_total', { buyer: b.id, result: 'accepted' }) !== (f.fleet[b.id]?.postsAccepted ?? 0));
  const capped = buyers.filter((b) => b.caps.daily !== undefined);
  const overrun = capped.filter((b) => (f.fleet[b.id]?.postsAccepted ?? 0) > b.caps.daily!);
  const overSocket = f.traffic.leads.filter((l) => l.seller === 'socket').length;
  const socketWins = socketBuyerWins(f);
  return [
    { ok: sold > 0, text: `leads were sold (${sold})` },
    { ok: pii === 0, text: `no ping reached a buyer with PII in it (${pii} did)` },
    { ok: sold === accepted, text: `every sale told to a seller was accepted by a buyer (sold ${sold}, buyers accepted ${accepted})` },
    { ok: mismatched.length === 0, text: `Gavel's accepted posts match each buyer's own count${mismatched.length ? ` (not for ${mismatched.map((b) => b.id).join(', ')})` : ''}` },
    { ok: overrun.length === 0, text: `no daily cap overrun (${capped.map((b) => `${b.id} ${f.fleet[b.id]?.postsAccepted ?? 0}/${b.caps.daily}`).join(', ')})` },
    { ok: caught === tested.length && !dups.some((l) => l.outcome === 'sold'), text: `every duplicate that showed its phone was caught (${caught}/${tested.length}), none sold` },
    { ok: overSocket > 0 && overSocket < f.traffic.leads.length, text: `leads came both ways (${f.traffic.leads.length - overSocket} over HTTP, ${overSocket} over the seller socket)` },
    {
      ok: socketWins.length > 0 && socketWins.every(([, n]) => n > 0),
      text: `every socket buyer won auctions over its socket (${socketWins.map(([id, n]) => `${id} ${n}`).join(', ') || 'none configured'})`,
    },
    { ok: errors.length === 0, text: `no seller call failed (${errors.length} did${errors.length ? `: ${[...new Set(errors.map((e) => e.reason))].join(', ')}` : ''})` },
  ];
}

function outcomesTable(f: DemoFacts): string {
  const counts = new Map<string, number>();
  for (const l of f.traffic.leads) {
    if (l.outcome === 'sold') continue;
    const key = l.outcome === 'error' ? `error ${l.reason} at ${l.stage}` : `${l.reason} at ${l.stage}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const rows = [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => [k, String(n)]);
  return rows.length ? textTable(rows, '    ') : '    none';
}

function buyersTable(f: DemoFacts): string {
  const m = (name: string, match: Record<string, string>) => String(sumOf(f.metrics, name, match));
  const rows = [['buyer', 'via', 'pings', 'bids', 'passes', 'timeouts', 'wins', 'post rejects', 'cap/day', 'PII seen']];
  for (const b of f.config.buyers) {
    const c = f.fleet[b.id];
    rows.push([
      b.id,
      b.transport === 'websocket' ? 'socket' : 'HTTP',
      String(c?.pings ?? 0),
      m('gavel_bids_total', { buyer: b.id }),
      m('gavel_buyer_passes_total', { buyer: b.id, kind: 'NO_BID' }),
      m('gavel_buyer_timeouts_total', { buyer: b.id }),
      m('gavel_posts_total', { buyer: b.id, result: 'accepted' }),
      m('gavel_posts_total', { buyer: b.id, result: 'rejected' }),
      b.caps.daily === undefined ? '-' : String(b.caps.daily),
      String(c?.piiInPings ?? 0),
    ]);
  }
  return textTable(rows);
}

/** The demo's closing page. */
export function renderSummary(f: DemoFacts, results: readonly Check[]): string {
  const leads = f.traffic.leads;
  const sold = leads.filter((l) => l.outcome === 'sold');
  const revenue = sold.reduce((s, l) => s + l.price, 0);
  const byRoute = (route: string) => soldOf(leads.filter((l) => l.route === route && !l.duplicate));
  const bySeller = (way: string) => soldOf(leads.filter((l) => l.seller === way));
  const socketWins = socketBuyerWins(f);
  const dups = leads.filter((l) => l.duplicate).length;
  const late = f.traffic.pingMs.filter((x) => x > f.tmaxMs).length;
  const tight = f.traffic.tightMs;
  const campaign = f.config.campaigns[0]!;
  return [
    '',
    `Gavel demo: ${leads.length} leads in ${(f.traffic.elapsedMs / 1000).toFixed(1)} s, ${f.concurrency} at a time, ${f.config.buyers.length} buyers, ${f.store} store`,
    '',
    `  sent        ping then post ${byRoute('ping/post')}, direct post ${byRoute('direct post')}, duplicates ${dups}`,
    `  sellers     over HTTP ${bySeller('http')}, over the seller socket (SDK connectSeller) ${bySeller('socket')}`,
    `  via socket  ${socketWins.map(([id, n]) => `${id} won ${n} of the ${sold.length} sales bidding over the buyer socket (SDK connectBuyer)`).join('; ') || 'no socket buyer'}`,
    `  sold        ${sold.length} of ${leads.length}; ${sold.filter((l) => l.redirect).length} with a redirect url`,
    `  paid out    ${money(revenue)} to the seller, ${money(sold.length ? revenue / sold.length : 0)} a sale on average (bid less the ${typeof campaign.margin === 'number' ? `${campaign.margin * 100}%` : `${fromMicros(campaign.margin.fixed)} fixed`} margin)`,
    `  graded      ${gradesLine(f)}`,
    `  unsold      ${leads.length - sold.length}, by reason:`,
    outcomesTable(f),
    '',
    `  auction time at the seller (/v1/ping and socket pings, ${f.traffic.pingMs.length} auctions, tmax ${f.tmaxMs} ms): ` +
      `p50 ${ms(percentile(f.traffic.pingMs, 0.5))}, p99 ${ms(percentile(f.traffic.pingMs, 0.99))}, max ${ms(percentile(f.traffic.pingMs, 1))}; ${late} later than tmax at the seller`,
    `  tight deadline (${tight.length} pings with tmax ${f.tightTmaxMs} ms): p50 ${ms(percentile(tight, 0.5))}, p99 ${ms(percentile(tight, 0.99))}, ` +
      `max ${ms(percentile(tight, 1))}; ${tight.filter((x) => x > f.tightTmaxMs).length} later than tmax at the seller (which shares this process)`,
    `  Gavel's own count of ping answers later than their tmax: ${sumOf(f.metrics, 'gavel_late_answers_total')}`,
    `  direct post time (${f.traffic.directMs.length} leads, ping tree and post): p50 ${ms(percentile(f.traffic.directMs, 0.5))}, p99 ${ms(percentile(f.traffic.directMs, 0.99))}`,
    '',
    buyersTable(f),
    '  (pings and PII seen: the buyers\' own counts; the rest: Gavel\'s /metrics)',
    '',
    ...results.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'}  ${c.text}`),
    '',
  ].join('\n');
}
