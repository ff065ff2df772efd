import { h } from './dom.js';
import { count, money, pct } from './format.js';
import type { BuyerTotals, ReplayTotals, SellerTotals } from './replay-types.js';

/** a figure under live and under the draft in one cell: `live → draft`, or the one value when they read the same */
function pair(live: number, draft: number, fmt: (x: number) => string): HTMLElement {
  const [a, b] = [fmt(live), fmt(draft)];
  return a === b ? h('td', { class: 'num same' }, a) : h('td', { class: `num moved ${draft > live ? 'up' : 'down'}` }, `${a} → ${b}`);
}

/** every key of either side, the largest first by `size` under either, then by name */
function keysOf<T>(live: Record<string, T>, draft: Record<string, T>, size: (x: T) => number): string[] {
  const most = (k: string) => Math.max(live[k] !== undefined ? size(live[k]) : 0, draft[k] !== undefined ? size(draft[k]) : 0);
  return [...new Set([...Object.keys(live), ...Object.keys(draft)])].sort((a, b) => most(b) - most(a) || a.localeCompare(b));
}

type Column<T> = { label: string; of: (x: T) => number; fmt: (x: number) => string; hint?: string };

/** one table of parties: a row each, a `live → draft` cell per column; a party missing on a side counts zero there */
function partyTable<T>(cls: string, who: string, live: Record<string, T>, draft: Record<string, T>, zero: T, columns: Column<T>[], size: (x: T) => number): HTMLElement {
  const keys = keysOf(live, draft, size);
  if (keys.length === 0) return h('p', { class: 'muted' }, `No ${who} in either.`);
  return h(
    'table',
    { class: `buyers ${cls}` },
    h('thead', {}, h('tr', {}, h('th', {}, who), ...columns.map((c) => h('th', { class: 'num', title: c.hint }, c.label)))),
    h('tbody', {}, ...keys.map((k) => h('tr', { 'data-party': k }, h('td', {}, k), ...columns.map((c) => pair(c.of(live[k] ?? zero), c.of(draft[k] ?? zero), c.fmt))))),
  );
}

const NO_BUYER: BuyerTotals = { eligible: 0, bids: 0, wins: 0, sold: 0, spend: 0, cap_hits: 0, win_share: 0 };
const NO_SELLER: SellerTotals = { leads: 0, offers: 0, sold: 0, revenue: 0, payout: 0 };

/** Per buyer, live → draft: how often eligible, its bids and wins, what it would buy and spend, its cap hits and its share of the wins. */
export function buyersTable(live: ReplayTotals, draft: ReplayTotals): HTMLElement {
  return partyTable('replay-buyers', 'buyer', live.buyers, draft.buyers, NO_BUYER, [
    { label: 'eligible', of: (b) => b.eligible, fmt: count, hint: 'leads it passed the rules for' },
    { label: 'bids', of: (b) => b.bids, fmt: count },
    { label: 'wins', of: (b) => b.wins, fmt: count, hint: 'leads it was held for first' },
    { label: 'bought', of: (b) => b.sold, fmt: count, hint: 'leads posted to it and accepted' },
    { label: 'spend', of: (b) => b.spend, fmt: money },
    { label: 'cap hits', of: (b) => b.cap_hits, fmt: count, hint: 'wins its caps refused' },
    { label: 'share of wins', of: (b) => b.win_share, fmt: pct, hint: 'its share of the leads sold' },
  ], (b) => b.spend * 1e6 + b.wins);
}

/** Per seller, live → draft: its leads, the offers it would get, what it would sell and be paid. */
export function sellersTable(live: ReplayTotals, draft: ReplayTotals): HTMLElement {
  return partyTable('replay-sellers', 'seller', live.sellers, draft.sellers, NO_SELLER, [
    { label: 'leads', of: (s) => s.leads, fmt: count },
    { label: 'offers', of: (s) => s.offers, fmt: count },
    { label: 'sold', of: (s) => s.sold, fmt: count },
    { label: 'revenue', of: (s) => s.revenue, fmt: money },
    { label: 'payout', of: (s) => s.payout, fmt: money },
  ], (s) => s.leads);
}

/** Why a version could not judge a recorded lead (src/auction/replay-ping.ts). */
const SKIPPED: Record<string, string> = {
  UNKNOWN_CAMPAIGN: 'its campaign is not in the version, or its seller may not send to it',
  UNKNOWN_SELLER: 'its seller is not in the version',
  CAMPAIGN_PAUSED: 'its campaign is paused in the version',
  SELLER_PAUSED: 'its seller is paused in the version',
};

/** The leads a side could not judge, by code; null when neither skipped any. */
export function skippedTable(live: ReplayTotals, draft: ReplayTotals): HTMLElement | null {
  const codes = [...new Set([...Object.keys(live.skipped), ...Object.keys(draft.skipped)])].sort();
  if (codes.length === 0) return null;
  return h(
    'table',
    { class: 'buyers replay-skipped' },
    h('thead', {}, h('tr', {}, h('th', {}, 'code'), h('th', { class: 'num' }, 'live'), h('th', { class: 'num' }, 'draft'), h('th', {}, 'why'))),
    h(
      'tbody',
      {},
      ...codes.map((c) =>
        h('tr', { 'data-code': c }, h('td', {}, h('code', {}, c)), h('td', { class: 'num live' }, count(live.skipped[c] ?? 0)), h('td', { class: 'num draft' }, count(draft.skipped[c] ?? 0)), h('td', { class: 'muted' }, SKIPPED[c] ?? '')),
      ),
    ),
  );
}
