import { fromMicros } from '../core/money.js';
import { AUCTION_MS_BUCKETS, type GroupBy, type Ledger, type MoneyRow, type StatsGroup } from './ledger.js';

const HOUR = 3_600_000;

/** A report's row: counts from the traces' rollup, money from the ledger, one group. */
export interface ReportRow {
  key: string;
  leads: number;
  pings: number;
  bids: number;
  /** bids per ping; null with no ping */
  bid_rate: number | null;
  wins: number;
  posts_accepted: number;
  posts_rejected: number;
  sold: number;
  revenue: number;
  payout: number;
  margin: number;
  returns: number;
  credits: number;
  /** upper bounds of the buckets the p50 and p99 auction times fall in (ms); null with no auction */
  auction_ms: { p50: number | null; p99: number | null };
}

/** The auction time at quantile q: the bound of the bucket it falls in (the last bound for the bucket above it). */
export function bucketQuantile(ms: readonly number[], q: number): number | null {
  const total = ms.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let i = 0; i < ms.length; i++) {
    seen += ms[i]!;
    if (seen >= rank) return AUCTION_MS_BUCKETS[Math.min(i, AUCTION_MS_BUCKETS.length - 1)]!;
  }
  return AUCTION_MS_BUCKETS[AUCTION_MS_BUCKETS.length - 1]!;
}

/** whole hours around [from, to): the counts are kept per hour, so the money is read over the same span */
export function hourSpan(from: number, to: number): { from: number; to: number } {
  return { from: from - (from % HOUR), to: to % HOUR === 0 ? to : to - (to % HOUR) + HOUR };
}

/**
 * GET /v1/reports: over whole UTC hours, per group, the counts of the traces' rollup next to the
 * money of the ledger. Both are read from the ledger, so every process's leads are in it.
 */
export async function report(ledger: Ledger, from: number, to: number, groupBy: GroupBy): Promise<{ from: number; to: number; rows: ReportRow[] }> {
  const span = hourSpan(from, to);
  const [stats, money] = await Promise.all([ledger.stats(span.from, span.to, groupBy), ledger.money(span.from, span.to, groupBy)]);
  const keys = [...new Set([...stats.map((s) => s.key), ...money.map((m) => m.key)])].sort();
  const byStats = new Map<string, StatsGroup>(stats.map((s) => [s.key, s]));
  const byMoney = new Map<string, MoneyRow>(money.map((m) => [m.key, m]));
  const rows = keys.map((key): ReportRow => {
    const s = byStats.get(key);
    const m = byMoney.get(key);
    const pings = s?.pings ?? 0;
    const bids = s?.bids ?? 0;
    return {
      key,
      leads: s?.leads ?? 0,
      pings,
      bids,
      bid_rate: pings === 0 ? null : bids / pings,
      wins: s?.wins ?? 0,
      posts_accepted: s?.posts_accepted ?? 0,
      posts_rejected: s?.posts_rejected ?? 0,
      sold: m?.sold ?? 0,
      revenue: fromMicros(m?.revenue_micros ?? 0),
      payout: fromMicros(m?.payout_micros ?? 0),
      margin: fromMicros(m?.margin_micros ?? 0),
      returns: m?.returns ?? 0,
      credits: fromMicros(m?.credits_micros ?? 0),
      auction_ms: { p50: s === undefined ? null : bucketQuantile(s.ms, 0.5), p99: s === undefined ? null : bucketQuantile(s.ms, 0.99) },
    };
  });
  return { ...span, rows };
}
