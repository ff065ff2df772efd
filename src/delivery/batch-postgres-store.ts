import pg from 'pg';
import { SCHEMA_NAME } from '../ledger/run-migrations.js';
import { fromMs, toMs } from '../ledger/postgres-time.js';
import type { BatchStore, BatchSummary, BatchToSend, BuildRequest, PendingLead } from './batch-store.js';

/**
 * Batches in the ledger's PostgreSQL (its migration 5 makes the tables): shared by every Gavel
 * process on that schema and kept across restarts, so a batch built by a process that dies is
 * sent, as the same file, by the next one to hold the buyer's lease.
 */
export class PostgresBatchStore implements BatchStore {
  readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly pending: string;
  private readonly batches: string;
  private readonly leads: string;
  private readonly leases: string;

  constructor(url: string, schema: string) {
    if (!SCHEMA_NAME.test(schema)) throw new Error(`PostgresBatchStore: schema ${JSON.stringify(schema)} must match ${SCHEMA_NAME}`);
    const q = `"${schema}"`;
    this.pending = `${q}.batch_pending`;
    this.batches = `${q}.batches`;
    this.leads = `${q}.batch_leads`;
    this.leases = `${q}.batch_leases`;
    this.pool = new pg.Pool({ connectionString: url, max: 3, connectionTimeoutMillis: 5000, query_timeout: 30_000, keepAlive: true });
    // an idle client whose server went away is dropped and the next checkout reconnects; unheard, the event would crash the process
    this.pool.on('error', () => undefined);
  }

  async enqueue(buyer: string, lead: PendingLead): Promise<void> {
    // a lead already batched for this buyer is never queued again: one lead, one batch
    await this.pool.query(
      `INSERT INTO ${this.pending} (buyer, lead_id, queued_at, sealed)
       SELECT $1, $2, ${fromMs('$3')}, $4
        WHERE NOT EXISTS (SELECT 1 FROM ${this.leads} WHERE buyer = $1 AND lead_id = $2)
       ON CONFLICT (buyer, lead_id) DO NOTHING`,
      [buyer, lead.leadId, lead.queuedAt, lead.sealed],
    );
  }

  async build(req: BuildRequest): Promise<boolean> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const made = await c.query(
        `INSERT INTO ${this.batches} (id, buyer, file, window_start, built_at, state, leads, next_at, channel, layout)
         VALUES ($1, $2, $3, ${fromMs('$4')}, ${fromMs('$5')}, 'built', 0, ${fromMs('$5')}, $6, $7)
         ON CONFLICT (id) DO NOTHING`,
        [req.id, req.buyer, req.file, req.windowStart, req.at, req.channel, req.layout],
      );
      if (made.rowCount === 0) {
        await c.query('ROLLBACK');
        return false;
      }
      // the move is one statement: a lead leaves the queue exactly when it enters the batch
      const moved = await c.query(
        `WITH taken AS (
           DELETE FROM ${this.pending} WHERE buyer = $1 AND queued_at < ${fromMs('$2')} RETURNING lead_id, queued_at, sealed
         )
         INSERT INTO ${this.leads} (buyer, lead_id, batch_id, queued_at, sealed) SELECT $1, lead_id, $3, queued_at, sealed FROM taken`,
        [req.buyer, req.before, req.id],
      );
      if (moved.rowCount === 0) {
        await c.query('ROLLBACK');
        return false;
      }
      await c.query(`UPDATE ${this.batches} SET leads = $2 WHERE id = $1`, [req.id, moved.rowCount]);
      await c.query('COMMIT');
      return true;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }

  async due(buyer: string, now: number): Promise<BatchToSend[]> {
    const rows = await this.pool.query(`SELECT ${SUMMARY}, layout FROM ${this.batches} WHERE buyer = $1 AND state = 'built' AND next_at <= ${fromMs('$2')} ORDER BY window_start`, [buyer, now]);
    const out: BatchToSend[] = [];
    for (const r of rows.rows) {
      const items = await this.pool.query(`SELECT lead_id, ${toMs('queued_at')} AS queued_at, sealed FROM ${this.leads} WHERE batch_id = $1 ORDER BY queued_at, lead_id`, [r.id]);
      out.push({ ...summaryOf(r), layout: r.layout, items: items.rows.map((l) => ({ leadId: l.lead_id, queuedAt: Number(l.queued_at), sealed: l.sealed })) });
    }
    return out;
  }

  async delivered(id: string, at: number): Promise<void> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      await c.query(`UPDATE ${this.batches} SET state = 'delivered', delivered_at = ${fromMs('$2')}, attempts = attempts + 1, next_at = NULL WHERE id = $1 AND state = 'built'`, [id, at]);
      await c.query(`UPDATE ${this.leads} SET sealed = NULL WHERE batch_id = $1`, [id]);
      await c.query('COMMIT');
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }

  async failed(id: string, error: string, nextAt: number): Promise<void> {
    await this.pool.query(`UPDATE ${this.batches} SET attempts = attempts + 1, last_error = $2, next_at = ${fromMs('$3')} WHERE id = $1 AND state = 'built'`, [id, error, nextAt]);
  }

  async list(buyer: string | undefined, limit: number): Promise<BatchSummary[]> {
    const rows =
      buyer === undefined
        ? await this.pool.query(`SELECT ${SUMMARY} FROM ${this.batches} ORDER BY built_at DESC, window_start DESC LIMIT $1`, [limit])
        : await this.pool.query(`SELECT ${SUMMARY} FROM ${this.batches} WHERE buyer = $1 ORDER BY built_at DESC, window_start DESC LIMIT $2`, [buyer, limit]);
    return rows.rows.map(summaryOf);
  }

  async ofLead(leadId: string): Promise<BatchSummary[]> {
    const rows = await this.pool.query(`SELECT ${SUMMARY} FROM ${this.batches} WHERE id IN (SELECT batch_id FROM ${this.leads} WHERE lead_id = $1)`, [leadId]);
    return rows.rows.map(summaryOf);
  }

  async lease(buyer: string, holder: string, now: number, ms: number): Promise<boolean> {
    // taken when free, expired, or already this holder's; a process that dies holding it loses it at `until`
    const r = await this.pool.query(
      `INSERT INTO ${this.leases} (buyer, holder, until) VALUES ($1, $2, ${fromMs('$4')})
       ON CONFLICT (buyer) DO UPDATE SET holder = EXCLUDED.holder, until = EXCLUDED.until
        WHERE ${this.leases}.holder = EXCLUDED.holder OR ${this.leases}.until < ${fromMs('$3')}
       RETURNING holder`,
      [buyer, holder, now, now + ms],
    );
    return r.rowCount === 1;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

const SUMMARY = `id, buyer, file, ${toMs('window_start')} AS window_start, ${toMs('built_at')} AS built_at, ${toMs('delivered_at')} AS delivered_at, state, leads, attempts, last_error, ${toMs('next_at')} AS next_at, channel`;

function summaryOf(r: Record<string, any>): BatchSummary {
  const ms = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    id: r.id,
    buyer: r.buyer,
    file: r.file,
    windowStart: Number(r.window_start),
    builtAt: Number(r.built_at),
    deliveredAt: ms(r.delivered_at),
    state: r.state,
    leads: r.leads,
    attempts: r.attempts,
    lastError: r.last_error,
    nextAt: ms(r.next_at),
    channel: r.channel,
  };
}
