/** The report queries of the PostgreSQL ledger: money by group from the events, counts by group from the stats rows. */
import type pg from 'pg';
import type { GroupBy, MoneyRow, StatsBatch, StatsGroup } from './ledger.js';
import { STATS_MS_WIDTH } from './ledger.js';
import { fromMs } from './postgres-time.js';

type Queryable = Pick<pg.PoolClient, 'query'>;
type Row = Record<string, unknown>;

/** a group's key, given the table's time column: events group by `at`, stats rows by `hour` */
const GROUP_KEYS: Record<GroupBy, (time: string) => string> = {
  buyer: () => 'buyer',
  seller: () => 'seller',
  campaign: () => 'campaign',
  day: (time) => `to_char(${time} AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
  hour: (time) => `to_char(${time} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24')`,
};

export async function moneyBy(pool: Queryable, events: string, from: number, to: number, groupBy: GroupBy): Promise<MoneyRow[]> {
  const key = GROUP_KEYS[groupBy]?.('at');
  if (key === undefined) throw new Error(`ledger: cannot group by ${String(groupBy)}`);
  const r = await pool.query(
    `SELECT key,
            count(*) FILTER (WHERE kind = 'sale') AS sold,
            coalesce(sum(price_micros) FILTER (WHERE kind = 'sale'), 0) AS revenue,
            coalesce(sum(payout_micros) FILTER (WHERE kind = 'sale'), 0) AS payout,
            count(*) FILTER (WHERE kind = 'credit') AS returns,
            coalesce(sum(price_micros) FILTER (WHERE kind = 'credit'), 0) AS credits
       FROM (SELECT ${key} AS key, kind, price_micros, payout_micros FROM ${events}
              WHERE at >= ${fromMs('$1')} AND at < ${fromMs('$2')}) e
      GROUP BY key`,
    [from, to],
  );
  const rows: MoneyRow[] = r.rows.map((row: Row) => {
    const revenue = Number(row.revenue);
    const payout = Number(row.payout);
    return {
      key: String(row.key),
      sold: Number(row.sold),
      revenue_micros: revenue,
      payout_micros: payout,
      margin_micros: revenue - payout,
      returns: Number(row.returns),
      credits_micros: Number(row.credits),
    };
  });
  // sorted here, not by the database's collation, so both ledgers order keys alike
  return rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export async function statsBy(pool: Queryable, statsRows: string, from: number, to: number, groupBy: GroupBy): Promise<StatsGroup[]> {
  const key = GROUP_KEYS[groupBy]?.('hour');
  if (key === undefined) throw new Error(`ledger: cannot group by ${String(groupBy)}`);
  const byBuyer = groupBy === 'buyer';
  // by buyer every figure is the buyer's own; otherwise a lead is counted (and timed) once, by
  // its leads' row, and each buyer's row adds that buyer's pings, bids, wins and posts
  const r = await pool.query(
    `WITH r AS MATERIALIZED (
       SELECT ${key} AS key, ${byBuyer ? 'true' : `buyer = ''`} AS lead_row, buyer <> '' AS buyer_row,
              leads, pings, bids, wins, posts_accepted, posts_rejected, ms
         FROM ${statsRows}
        WHERE hour >= ${fromMs('$1')} AND hour < ${fromMs('$2')}${byBuyer ? ` AND buyer <> ''` : ''}
     ), sums AS (
       SELECT key,
              coalesce(sum(leads) FILTER (WHERE lead_row), 0) AS leads,
              coalesce(sum(pings) FILTER (WHERE buyer_row), 0) AS pings,
              coalesce(sum(bids) FILTER (WHERE buyer_row), 0) AS bids,
              coalesce(sum(wins) FILTER (WHERE buyer_row), 0) AS wins,
              coalesce(sum(posts_accepted) FILTER (WHERE buyer_row), 0) AS posts_accepted,
              coalesce(sum(posts_rejected) FILTER (WHERE buyer_row), 0) AS posts_rejected
         FROM r GROUP BY key
     ), buckets AS (
       SELECT key, u.i, sum(u.v) AS v
         FROM r CROSS JOIN LATERAL unnest(r.ms) WITH ORDINALITY AS u(v, i)
        WHERE lead_row
        GROUP BY key, u.i
     ), ms AS (
       SELECT key, array_agg(v::bigint ORDER BY i) AS ms FROM buckets GROUP BY key
     )
     SELECT s.*, m.ms FROM sums s LEFT JOIN ms m USING (key)`,
    [from, to],
  );
  const groups: StatsGroup[] = r.rows.map((row: Row) => {
    // a group without leads' rows has no buckets: all zeros, as wide as any other
    const ms = new Array<number>(STATS_MS_WIDTH).fill(0);
    const summed = (row.ms ?? []) as unknown[];
    for (let i = 0; i < STATS_MS_WIDTH && i < summed.length; i++) ms[i] = Number(summed[i]);
    return {
      key: String(row.key),
      leads: Number(row.leads),
      pings: Number(row.pings),
      bids: Number(row.bids),
      wins: Number(row.wins),
      posts_accepted: Number(row.posts_accepted),
      posts_rejected: Number(row.posts_rejected),
      ms,
    };
  });
  return groups.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** A call's stats rows in one statement; each row's ms travels as an array literal, as unnest of a two-dimensional array would flatten it. */
export async function insertStatsRows(c: Queryable, statsRows: string, rows: readonly { batch: string; row: StatsBatch['rows'][number] }[]): Promise<void> {
  const col = <K extends keyof StatsBatch['rows'][number]>(k: K): unknown[] => rows.map((r) => r.row[k]);
  await c.query(
    `INSERT INTO ${statsRows} (batch_id, hour, campaign, seller, buyer, leads, pings, bids, wins, posts_accepted, posts_rejected, ms)
     SELECT batch_id, ${fromMs('hour_ms')}, campaign, seller, buyer, leads, pings, bids, wins, posts_accepted, posts_rejected, ms::bigint[]
       FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[], $12::text[])
         AS i(batch_id, hour_ms, campaign, seller, buyer, leads, pings, bids, wins, posts_accepted, posts_rejected, ms)`,
    [
      rows.map((r) => r.batch),
      col('hour'),
      col('campaign'),
      col('seller'),
      col('buyer'),
      col('leads'),
      col('pings'),
      col('bids'),
      col('wins'),
      col('posts_accepted'),
      col('posts_rejected'),
      rows.map((r) => `{${r.row.ms.join(',')}}`),
    ],
  );
}
