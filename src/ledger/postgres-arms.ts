/** The PostgreSQL ledger's A/B test figures: each arm's leads from the stats, its sales per lead from the events. */
import type pg from 'pg';
import type { ArmLeadsRow, ArmSums } from './ledger.js';
import { fromMs } from './postgres-time.js';

type Queryable = Pick<pg.PoolClient, 'query'>;
type Row = Record<string, unknown>;

/** A call's arm rows in one statement. */
export async function insertArmRows(c: Queryable, armLeads: string, rows: readonly { batch: string; row: ArmLeadsRow }[]): Promise<void> {
  await c.query(
    `INSERT INTO ${armLeads} (batch_id, hour, campaign, experiment, arm, leads)
     SELECT batch_id, ${fromMs('hour_ms')}, campaign, experiment, arm, leads
       FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::bigint[]) AS i(batch_id, hour_ms, campaign, experiment, arm, leads)`,
    [rows.map((r) => r.batch), rows.map((r) => r.row.hour), rows.map((r) => r.row.campaign), rows.map((r) => r.row.experiment), rows.map((r) => r.row.arm), rows.map((r) => r.row.leads)],
  );
}

/**
 * Per arm: the leads counted, and the sales summed per lead first (a lead a shared tier sold
 * several times is one lead, its margins added), so the report has each arm's margin per lead
 * and its variance. The squares are summed as numeric: a margin of 100 in micros squared is 10^16.
 */
export async function armSumsOf(pool: Queryable, events: string, armLeads: string, campaign: string, experiment: string): Promise<ArmSums[]> {
  const r = await pool.query(
    `WITH leads AS (
       SELECT arm, sum(leads) AS leads FROM ${armLeads} WHERE campaign = $1 AND experiment = $2 GROUP BY arm
     ), per_lead AS (
       SELECT arm, lead_id, count(*) AS sales, sum(price_micros) AS revenue, sum(payout_micros) AS payout, sum(price_micros - payout_micros) AS margin
         FROM ${events}
        WHERE kind = 'sale' AND campaign = $1 AND experiment = $2 AND arm IS NOT NULL
        GROUP BY arm, lead_id
     ), sold AS (
       SELECT arm, count(*) AS sold, sum(sales) AS sales, sum(revenue) AS revenue, sum(payout) AS payout, sum(margin) AS margin,
              sum(margin::numeric * margin::numeric) AS margin_sq
         FROM per_lead GROUP BY arm
     )
     SELECT coalesce(l.arm, s.arm) AS arm, coalesce(l.leads, 0) AS leads, coalesce(s.sold, 0) AS sold, coalesce(s.sales, 0) AS sales,
            coalesce(s.revenue, 0) AS revenue, coalesce(s.payout, 0) AS payout, coalesce(s.margin, 0) AS margin, coalesce(s.margin_sq, 0) AS margin_sq
       FROM leads l FULL JOIN sold s ON s.arm = l.arm`,
    [campaign, experiment],
  );
  return r.rows.map((row: Row) => ({
    arm: String(row.arm),
    leads: Number(row.leads),
    sold: Number(row.sold),
    sales: Number(row.sales),
    revenue_micros: Number(row.revenue),
    payout_micros: Number(row.payout),
    margin_micros: Number(row.margin),
    margin_sq: Number(row.margin_sq),
  }));
}
