import pg from 'pg';
import { PG_URL } from './test-config.js';

/** The sales the ledger holds in `schema`, by lead id, each with how many times it was recorded (once, or a test fails). */
export async function ledgerSales(schema: string): Promise<Map<string, number>> {
  const db = new pg.Client({ connectionString: PG_URL });
  await db.connect();
  try {
    const r = await db.query<{ lead_id: string; n: string }>(`SELECT lead_id, count(*) AS n FROM "${schema}".ledger_events WHERE kind = 'sale' GROUP BY lead_id`);
    return new Map(r.rows.map((row) => [row.lead_id, Number(row.n)]));
  } finally {
    await db.end();
  }
}
