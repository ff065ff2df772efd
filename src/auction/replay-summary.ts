import type { Runtime } from '../config/runtime.js';
import { fromMicros } from '../core/money.js';
import { replayPing, type RecordedPing, type ReplayedPing } from './replay-ping.js';

/** One version's account of the replayed pings. */
export interface ReplayTotals {
  /** pings whose answer offered a price */
  offers: number;
  /** offers / pings replayed (0 when none) */
  offer_rate: number;
  /** the prices offered to the sellers, summed, in the seller API's decimals */
  offered: number;
  /** per buyer: the pings it would have been held for first, and the offers those made */
  buyers: Record<string, { wins: number; offered: number }>;
  /** pings it could not judge, by why (its campaign or seller not in the version, or paused) */
  skipped: Record<string, number>;
  /** per buyer eligible under the version but never pinged live: how many pings it has no recorded answer for */
  unobserved: Record<string, number>;
}

/** A ping whose outcome differs between the two versions, with both paths. */
export interface ChangedPing {
  lead_id: string;
  live: { winner: string | null; offer: number | null };
  draft: { winner: string | null; offer: number | null };
}

export interface ReplayComparison {
  /** pings replayed (each ping segment with its fields recorded) */
  pings: number;
  live: ReplayTotals;
  draft: ReplayTotals;
  /** the pings whose winner or offer changed, oldest first, at most `maxChanged` */
  changed: ChangedPing[];
  /** how many changed in all */
  changed_count: number;
}

function totals(): ReplayTotals {
  return { offers: 0, offer_rate: 0, offered: 0, buyers: {}, skipped: {}, unobserved: {} };
}

function add(t: ReplayTotals, r: ReplayedPing): void {
  if (r.skipped !== undefined) t.skipped[r.skipped] = (t.skipped[r.skipped] ?? 0) + 1;
  for (const b of r.unobserved) t.unobserved[b] = (t.unobserved[b] ?? 0) + 1;
  if (r.winner === null || r.offerMicros === null) return;
  const offer = fromMicros(r.offerMicros);
  t.offers++;
  t.offered += offer;
  const b = (t.buyers[r.winner] ??= { wins: 0, offered: 0 });
  b.wins++;
  b.offered += offer;
}

const path = (r: ReplayedPing) => ({ winner: r.winner, offer: r.offerMicros === null ? null : fromMicros(r.offerMicros) });

/**
 * Recorded pings replayed under the live version and under a draft, side by side: what each
 * would have offered, to whom, and the pings whose outcome the draft changes. Money is summed in
 * micros' decimals and rounded to the cent once, at the end.
 */
export async function comparePings(live: Runtime, draft: Runtime, pings: Iterable<RecordedPing>, maxChanged = 100): Promise<ReplayComparison> {
  const out: ReplayComparison = { pings: 0, live: totals(), draft: totals(), changed: [], changed_count: 0 };
  for (const p of pings) {
    out.pings++;
    const [a, b] = [await replayPing(live, p), await replayPing(draft, p)];
    add(out.live, a);
    add(out.draft, b);
    if (a.winner !== b.winner || a.offerMicros !== b.offerMicros) {
      out.changed_count++;
      if (out.changed.length < maxChanged) out.changed.push({ lead_id: p.leadId, live: path(a), draft: path(b) });
    }
  }
  for (const t of [out.live, out.draft]) {
    t.offer_rate = out.pings === 0 ? 0 : t.offers / out.pings;
    t.offered = Math.round(t.offered * 100) / 100;
    for (const b of Object.values(t.buyers)) b.offered = Math.round(b.offered * 100) / 100;
  }
  return out;
}
