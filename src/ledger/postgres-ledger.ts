/*
 * The ledger in PostgreSQL. Kept in one file of about 300 lines: every statement that changes the
 * ledger runs in this class's transactions, next to the migrations' check; the report queries
 * (postgres-reports.ts) and the reading of rows (postgres-rows.ts) live beside it.
 */
import pg from 'pg';
import type {
  ArmSums,
  GroupBy,
  Ledger,
  MoneyRow,
  ReturnContext,
  ReturnRecord,
  ReturnRequest,
  ReturnStatus,
  ReturnVerdict,
  SaleEvent,
  StatsBatch,
  StatsGroup,
  SalesFilter,
} from './ledger.js';
import { checkStatsBatches, recordIds } from './ledger.js';
import { LEDGER_MIGRATIONS } from './ledger-migrations.js';
import { runMigrations, SCHEMA_NAME } from './run-migrations.js';
import { fromMs } from './postgres-time.js';
import { insertStatsRows, moneyBy, statsBy } from './postgres-reports.js';
import { armSumsOf, insertArmRows } from './postgres-arms.js';
import { EVENT_COLUMNS, RETURN_COLUMNS, toReturn, toSale } from './postgres-rows.js';

const { Pool } = pg;

export interface PostgresLedgerOptions {
  url: string;
  /** default 'gavel' */
  schema?: string;
  /** default 4 */
  poolSize?: number;
}

type Queryable = Pick<pg.PoolClient, 'query'>;

/** The ledger in PostgreSQL: durable, and shared by every Gavel process pointed at the same schema. */
export class PostgresLedger implements Ledger {
  readonly kind = 'postgres' as const;
  readonly schema: string;
  private readonly pool: pg.Pool;
  /** quoted schema, and the tables qualified by it: no query depends on a connection's search_path */
  private readonly q: string;
  private readonly events: string;
  private readonly entries: string;
  private readonly returns: string;
  private readonly statsBatches: string;
  private readonly statsRows: string;
  private readonly armLeads: string;
  private closed = false;

  constructor(opts: PostgresLedgerOptions) {
    const schema = opts.schema ?? 'gavel';
    if (!SCHEMA_NAME.test(schema)) throw new Error(`PostgresLedger: schema ${JSON.stringify(schema)} must match ${SCHEMA_NAME}`);
    const poolSize = opts.poolSize ?? 4;
    if (!Number.isInteger(poolSize) || poolSize < 1) throw new Error(`PostgresLedger: poolSize ${poolSize} must be a positive integer`);
    this.schema = schema;
    this.q = `"${schema}"`;
    this.events = `${this.q}.ledger_events`;
    this.entries = `${this.q}.ledger_entries`;
    this.returns = `${this.q}.returns`;
    this.statsBatches = `${this.q}.stats_batches`;
    this.statsRows = `${this.q}.stats_rows`;
    this.armLeads = `${this.q}.arm_leads`;
    // bounded waits: a PostgreSQL that stops answering (not just refusing) must not hold a sale's
    // writer, or a shutdown, forever; the post path has its own, shorter bound (SaleRecorder)
    this.pool = new Pool({ connectionString: opts.url, max: poolSize, connectionTimeoutMillis: 5000, query_timeout: 60_000, keepAlive: true });
    // an idle client whose server went away: the pool drops it and the next checkout reconnects,
    // and callers see the failure as a rejected query; unheard, the 'error' event would crash the process
    this.pool.on('error', () => undefined);
  }

  async start(): Promise<void> {
    const c = await this.pool.connect();
    try {
      await runMigrations(c, this.schema, { table: 'schema_migrations', label: 'ledger', steps: LEDGER_MIGRATIONS });
    } finally {
      c.release();
    }
  }

  async recordSales(sales: readonly SaleEvent[]): Promise<number> {
    if (sales.length === 0) return 0;
    return this.writeEvents(this.pool, 'sale', sales);
  }

  async sale(leadId: string, buyer: string): Promise<SaleEvent | null> {
    return this.findSale(this.pool, leadId, buyer);
  }

  async requestReturn(req: ReturnRequest, policy: (ctx: ReturnContext) => ReturnVerdict): Promise<ReturnRecord | { refused: string }> {
    return this.transaction(
      async (c) => {
        // every request of one buyer queues here, so no two read the same counts
        await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`gavel-returns:${this.schema}:${req.buyer}`]);
        const sale = await this.findSale(c, req.lead_id, req.buyer);
        if (sale === null) return { refused: 'SALE_NOT_FOUND' };
        const id = returnId(req.lead_id, req.buyer);
        const seen = await c.query(`SELECT 1 FROM ${this.returns} WHERE id = $1`, [id]);
        if (seen.rowCount !== 0) return { refused: 'ALREADY_RETURNED' };
        const counts = await c.query(
          `SELECT
             (SELECT count(*) FROM ${this.returns}
               WHERE buyer = $1 AND status IN ('pending', 'approved')
                 AND requested_at >= ${fromMs('$2')} AND requested_at < ${fromMs('$3')}) AS returns,
             (SELECT count(*) FROM ${this.events}
               WHERE kind = 'sale' AND buyer = $1 AND at >= ${fromMs('$2')} AND at < ${fromMs('$3')}) AS sales`,
          [req.buyer, req.cycleFrom, req.cycleTo],
        );
        const verdict = policy({ sale, returnsInCycle: Number(counts.rows[0].returns), salesInCycle: Number(counts.rows[0].sales) });
        if ('refused' in verdict) return { refused: verdict.refused };
        const decidedAt = verdict.status === 'approved' ? req.at : null;
        const inserted = await c.query(
          `INSERT INTO ${this.returns} (id, lead_id, buyer, seller, campaign, reason, status, price_micros, payout_micros, requested_at, decided_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, ${fromMs('$10')}, ${fromMs('$11')})
           RETURNING ${RETURN_COLUMNS}`,
          [id, sale.lead_id, sale.buyer, sale.seller, sale.campaign, req.reason, verdict.status, sale.price_micros, sale.payout_micros, req.at, decidedAt],
        );
        if (verdict.status === 'approved') await this.writeCredit(c, sale, req.at);
        return toReturn(inserted.rows[0]);
      },
      (r) => !('refused' in r),
    );
  }

  async decideReturn(id: string, decision: 'approved' | 'denied', at: number): Promise<ReturnRecord | { refused: 'RETURN_NOT_FOUND' | 'RETURN_DECIDED' }> {
    return this.transaction(
      async (c): Promise<ReturnRecord | { refused: 'RETURN_NOT_FOUND' | 'RETURN_DECIDED' }> => {
        const found = await c.query<{ status: ReturnStatus; lead_id: string; buyer: string }>(
          `SELECT status, lead_id, buyer FROM ${this.returns} WHERE id = $1 FOR UPDATE`,
          [id],
        );
        if (found.rows.length === 0) return { refused: 'RETURN_NOT_FOUND' };
        const current = found.rows[0]!;
        if (current.status !== 'pending') return { refused: 'RETURN_DECIDED' };
        const updated = await c.query(`UPDATE ${this.returns} SET status = $2, decided_at = ${fromMs('$3')} WHERE id = $1 RETURNING ${RETURN_COLUMNS}`, [
          id,
          decision,
          at,
        ]);
        if (decision === 'approved') {
          const sale = await this.findSale(c, current.lead_id, current.buyer);
          // events are append-only, so a return's sale cannot have gone
          if (sale === null) throw new Error(`ledger: return ${id} has no sale`);
          await this.writeCredit(c, sale, at);
        }
        return toReturn(updated.rows[0]);
      },
      (r) => !('refused' in r),
    );
  }

  async returnsOf(filter: { status?: ReturnStatus; buyer?: string }): Promise<ReturnRecord[]> {
    const r = await this.pool.query(
      `SELECT ${RETURN_COLUMNS} FROM ${this.returns}
        WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR buyer = $2)
        ORDER BY requested_at, id COLLATE "C"`,
      [filter.status ?? null, filter.buyer ?? null],
    );
    return r.rows.map(toReturn);
  }

  async salesOf(f: SalesFilter): Promise<SaleEvent[]> {
    const r = await this.pool.query(
      `SELECT ${EVENT_COLUMNS} FROM ${this.events}
        WHERE kind = 'sale' AND ($1::text IS NULL OR buyer = $1) AND ($2::text IS NULL OR seller = $2)
          AND at >= to_timestamp($3::double precision / 1000) AND at < to_timestamp($4::double precision / 1000)
        ORDER BY at DESC, event_id COLLATE "C" LIMIT $5`,
      [f.buyer ?? null, f.seller ?? null, f.from, f.to, f.limit],
    );
    return r.rows.map(toSale);
  }

  async balances(): Promise<Map<string, number>> {
    const r = await this.pool.query<{ account: string; amount: string }>(
      `SELECT account, sum(amount_micros) AS amount FROM ${this.entries} GROUP BY account ORDER BY account COLLATE "C"`,
    );
    return new Map(r.rows.map((row) => [row.account, Number(row.amount)]));
  }

  money(from: number, to: number, groupBy: GroupBy): Promise<MoneyRow[]> {
    return moneyBy(this.pool, this.events, from, to, groupBy);
  }

  stats(from: number, to: number, groupBy: GroupBy): Promise<StatsGroup[]> {
    return statsBy(this.pool, this.statsRows, from, to, groupBy);
  }

  async recordStats(batches: readonly StatsBatch[]): Promise<number> {
    checkStatsBatches(batches);
    // an id twice in one call is one batch, the first: ON CONFLICT would let both sets of rows in
    const seen = new Set<string>();
    const unique = batches.filter((b) => !seen.has(b.id) && seen.add(b.id));
    if (unique.length === 0) return 0;
    return this.transaction(
      async (c) => {
        // a batch another process is recording waits here for its commit, then counts as seen
        const inserted = await c.query<{ batch_id: string }>(
          `INSERT INTO ${this.statsBatches} (batch_id) SELECT unnest($1::text[]) ON CONFLICT (batch_id) DO NOTHING RETURNING batch_id`,
          [unique.map((b) => b.id)],
        );
        const fresh = new Set(inserted.rows.map((r) => r.batch_id));
        const kept = unique.filter((b) => fresh.has(b.id));
        const rows = kept.flatMap((b) => b.rows.map((row) => ({ batch: b.id, row })));
        if (rows.length > 0) await insertStatsRows(c, this.statsRows, rows);
        const arms = kept.flatMap((b) => (b.arms ?? []).map((row) => ({ batch: b.id, row })));
        if (arms.length > 0) await insertArmRows(c, this.armLeads, arms);
        return fresh.size;
      },
      () => true,
    );
  }

  armSums(campaign: string, experiment: string): Promise<ArmSums[]> {
    return armSumsOf(this.pool, this.events, this.armLeads, campaign, experiment);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  private async findSale(c: Queryable, leadId: string, buyer: string): Promise<SaleEvent | null> {
    const r = await c.query(
      `SELECT ${EVENT_COLUMNS} FROM ${this.events}
        WHERE kind = 'sale' AND lead_id = $1 AND buyer = $2
        ORDER BY at, event_id COLLATE "C" LIMIT 1`,
      [leadId, buyer],
    );
    return r.rows.length === 0 ? null : toSale(r.rows[0]);
  }

  private async writeCredit(c: Queryable, sale: SaleEvent, at: number): Promise<void> {
    const written = await this.writeEvents(c, 'credit', [{ ...sale, id: creditId(sale.lead_id, sale.buyer), at }]);
    // one return per lead and buyer, so its credit is new; anything else means the books disagree with the returns
    if (written !== 1) throw new Error(`ledger: the credit for ${sale.lead_id} to ${sale.buyer} was already written`);
  }

  /**
   * Insert events and, in the same statement, the entries of those that were new: an id seen
   * before writes nothing. A sale moves money buyer -> seller and margin; a credit the reverse.
   */
  private async writeEvents(c: Queryable, kind: 'sale' | 'credit', events: readonly SaleEvent[]): Promise<number> {
    const col = <K extends keyof SaleEvent>(k: K): SaleEvent[K][] => events.map((e) => e[k]);
    const r = await c.query(
      `WITH input AS (
         SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[], $10::bigint[], $11::bigint[], $12::text[], $13::text[])
           AS i(event_id, lead_id, campaign, seller, sub_id, buyer, grade, price_micros, payout_micros, at_ms, experiment, arm)
       ), inserted AS (
         INSERT INTO ${this.events} (event_id, kind, lead_id, campaign, seller, sub_id, buyer, grade, price_micros, payout_micros, at, experiment, arm)
         SELECT event_id, $1::text, lead_id, campaign, seller, sub_id, buyer, grade, price_micros, payout_micros, ${fromMs('at_ms')}, experiment, arm FROM input
         ON CONFLICT (event_id) DO NOTHING
         RETURNING event_id, buyer, seller, price_micros, payout_micros, at
       ), written AS (
         INSERT INTO ${this.entries} (event_id, account, amount_micros, at)
         SELECT n.event_id, e.account, e.amount * (CASE WHEN $1::text = 'sale' THEN 1 ELSE -1 END), n.at
           FROM inserted n
          CROSS JOIN LATERAL (VALUES
            ('buyer:' || n.buyer, -n.price_micros),
            ('seller:' || n.seller, n.payout_micros),
            ('exchange:margin', n.price_micros - n.payout_micros)
          ) AS e(account, amount)
       )
       SELECT count(*) AS n FROM inserted`,
      [
        kind,
        col('id'),
        col('lead_id'),
        col('campaign'),
        col('seller'),
        col('sub_id'),
        col('buyer'),
        col('grade'),
        col('price_micros'),
        col('payout_micros'),
        col('at'),
        events.map((e) => e.experiment ?? null),
        events.map((e) => e.arm ?? null),
      ],
    );
    return Number(r.rows[0].n);
  }

  /** Runs `fn` in a transaction, committed when `keep` accepts its result and rolled back otherwise. */
  private async transaction<T>(fn: (c: pg.PoolClient) => Promise<T>, keep: (result: T) => boolean): Promise<T> {
    const c = await this.pool.connect();
    let discard: Error | undefined;
    try {
      await c.query('BEGIN');
      const result = await fn(c).catch(async (e: unknown) => {
        // a client left inside a transaction must not go back to the pool
        await c.query('ROLLBACK').catch((rollbackError: Error) => (discard = rollbackError));
        throw e;
      });
      await c.query(keep(result) ? 'COMMIT' : 'ROLLBACK');
      return result;
    } finally {
      c.release(discard);
    }
  }
}

const returnId = recordIds.return;
const creditId = recordIds.credit;
