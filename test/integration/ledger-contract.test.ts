import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Ledger, MoneyRow, ReturnContext, ReturnRecord, ReturnRequest, ReturnVerdict, SaleEvent } from '../../src/ledger/ledger.js';
import { LEDGER_MIGRATIONS } from '../../src/ledger/ledger-migrations.js';
import { MemoryLedger } from '../../src/ledger/memory-ledger.js';
import { PostgresLedger } from '../../src/ledger/postgres-ledger.js';

const PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** 2026-11-22T13:00:00Z */
const T0 = Date.UTC(2026, 10, 22, 13);
const M = 1_000_000;

let admin: Promise<pg.Pool> | undefined;

/**
 * The PostgreSQL half of the contract needs a real server. When none answers, every one of its
 * tests fails with how to start one, never skips: a skipped ledger test would prove nothing.
 */
function pgAdmin(): Promise<pg.Pool> {
  admin ??= (async () => {
    const pool = new pg.Pool({ connectionString: PG_URL, max: 2, connectionTimeoutMillis: 3000 });
    pool.on('error', () => undefined);
    try {
      await pool.query('SELECT 1');
      return pool;
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw new Error(
        `No PostgreSQL answers at ${PG_URL} (${(e as Error).message}). Start one, e.g.:\n` +
          `  pg_ctlcluster 15 main start && psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE test'\n` +
          `  or: docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust -e POSTGRES_DB=test postgres:16\n` +
          `or point TEST_PG_URL at one.`,
      );
    }
  })();
  return admin;
}

const open: Ledger[] = [];
const schemas = new Set<string>();

interface OpenOptions {
  poolSize?: number;
}

/** One contract, two ledgers: what the exchange relies on holds for each. */
const ledgers: Record<'postgres' | 'memory', (o?: OpenOptions) => Promise<Ledger>> = {
  postgres: async (o = {}) => {
    await pgAdmin();
    const l = new PostgresLedger({ url: PG_URL, schema: freshSchema(), poolSize: o.poolSize });
    open.push(l);
    await l.start();
    return l;
  },
  memory: async () => {
    const l = new MemoryLedger();
    open.push(l);
    await l.start();
    return l;
  },
};

function freshSchema(): string {
  const s = `t_${randomBytes(8).toString('hex')}`;
  schemas.add(s);
  return s;
}

afterEach(async () => {
  for (const l of open.splice(0)) await l.close();
  const drop = [...schemas];
  schemas.clear();
  if (drop.length > 0) {
    const pool = await pgAdmin();
    for (const s of drop) await pool.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  }
});

afterAll(async () => {
  const pool = await admin?.catch(() => undefined);
  await pool?.end();
});

let leadSeq = 0;
function sale(over: Partial<SaleEvent> = {}): SaleEvent {
  const lead_id = over.lead_id ?? `lead-${++leadSeq}`;
  const buyer = over.buyer ?? 'b1';
  return {
    id: `sale:${lead_id}:${buyer}`,
    lead_id,
    campaign: 'auto',
    seller: 's1',
    sub_id: null,
    buyer,
    price_micros: 10 * M,
    payout_micros: 8 * M,
    grade: null,
    at: T0,
    ...over,
  };
}

function request(s: SaleEvent, over: Partial<ReturnRequest> = {}): ReturnRequest {
  return { lead_id: s.lead_id, buyer: s.buyer, reason: 'disconnected phone', at: T0 + HOUR, cycleFrom: T0 - DAY, cycleTo: T0 + DAY, ...over };
}

const approve = (): ReturnVerdict => ({ status: 'approved' });
const pending = (): ReturnVerdict => ({ status: 'pending' });

/** The record a return of `s` gets, requested at `requested_at`. */
function returned(s: SaleEvent, over: Partial<ReturnRecord>): ReturnRecord {
  return {
    id: `ret:${s.lead_id}:${s.buyer}`,
    lead_id: s.lead_id,
    buyer: s.buyer,
    seller: s.seller,
    campaign: s.campaign,
    reason: 'disconnected phone',
    status: 'pending',
    price_micros: s.price_micros,
    payout_micros: s.payout_micros,
    requested_at: T0 + HOUR,
    decided_at: null,
    ...over,
  };
}

async function accept(l: Ledger, r: ReturnRequest, policy: (ctx: ReturnContext) => ReturnVerdict): Promise<ReturnRecord> {
  const out = await l.requestReturn(r, policy);
  if ('refused' in out) throw new Error(`refused: ${out.refused}`);
  return out;
}

const balances = async (l: Ledger): Promise<Record<string, number>> => Object.fromEntries(await l.balances());

function money(key: string, sold: number, revenue: number, payout: number, returns: number, credits: number): MoneyRow {
  return { key, sold, revenue_micros: revenue, payout_micros: payout, margin_micros: revenue - payout, returns, credits_micros: credits };
}

describe.each(Object.keys(ledgers) as (keyof typeof ledgers)[])('ledger contract: %s', (kind) => {
  const ledger = (o?: OpenOptions): Promise<Ledger> => ledgers[kind](o);

  it('recordSales: a replayed batch writes nothing, an overlapping batch only its new sales, and the count says so', async () => {
    const l = await ledger();
    const first = [sale(), sale(), sale()];
    expect(await l.recordSales(first)).toBe(3);
    const once = await balances(l);
    expect(await l.recordSales(first)).toBe(0);
    expect(await balances(l)).toEqual(once);
    expect(await l.recordSales([first[2]!, sale(), sale()])).toBe(2);
    const twice = sale();
    expect(await l.recordSales([twice, twice])).toBe(1);
    expect(await l.recordSales([])).toBe(0);
    expect(await balances(l)).toEqual({ 'buyer:b1': -60 * M, 'seller:s1': 48 * M, 'exchange:margin': 12 * M });
  });

  it('entries: every event sums to zero, and balances are per account', async () => {
    const l = await ledger();
    const a = sale({ buyer: 'b1', seller: 's1', price_micros: 10 * M, payout_micros: 8 * M });
    const b = sale({ buyer: 'b2', seller: 's1', price_micros: 7_500_001, payout_micros: 6_000_000 });
    const c = sale({ buyer: 'b1', seller: 's2', price_micros: 3 * M, payout_micros: 3 * M });
    await l.recordSales([a, b, c]);
    await accept(l, request(b), approve);
    expect(await balances(l)).toEqual({
      'buyer:b1': -13 * M,
      'buyer:b2': 0,
      'seller:s1': 8 * M,
      'seller:s2': 3 * M,
      'exchange:margin': 2 * M,
    });
    expect([...(await l.balances()).values()].reduce((x, y) => x + y, 0)).toBe(0);
    if (l instanceof PostgresLedger) {
      const pool = await pgAdmin();
      const r = await pool.query(`SELECT event_id, sum(amount_micros)::float8 AS total, count(*)::int AS n FROM "${l.schema}".ledger_entries GROUP BY event_id`);
      expect(r.rows).toHaveLength(4);
      for (const row of r.rows) expect(row).toMatchObject({ total: 0, n: 3 });
    }
  });

  it('sale: found with every field as recorded, null for another lead or another buyer', async () => {
    const l = await ledger();
    const full = sale({ sub_id: 'sub-7', grade: 'A', at: T0 + 123, campaign: 'home', seller: 's9', price_micros: 12_345_678, payout_micros: 9_876_543 });
    const bare = sale({ buyer: 'b2' });
    await l.recordSales([full, bare]);
    expect(await l.sale(full.lead_id, 'b1')).toEqual(full);
    expect(await l.sale(bare.lead_id, 'b2')).toEqual(bare);
    expect(await l.sale(full.lead_id, 'b2')).toBeNull();
    expect(await l.sale('no-such-lead', 'b1')).toBeNull();
  });

  it('return approved by the policy: its credit brings the sale back to zero', async () => {
    const l = await ledger();
    const s = sale();
    await l.recordSales([s]);
    const r = await l.requestReturn(request(s), approve);
    const expected = returned(s, { status: 'approved', decided_at: T0 + HOUR });
    expect(r).toEqual(expected);
    expect(await balances(l)).toEqual({ 'buyer:b1': 0, 'seller:s1': 0, 'exchange:margin': 0 });
    expect(await l.returnsOf({})).toEqual([expected]);
    expect(await l.sale(s.lead_id, s.buyer)).toEqual(s);
  });

  it('return left pending, then approved by decideReturn: the credit is written at the decision', async () => {
    const l = await ledger();
    const s = sale();
    await l.recordSales([s]);
    expect(await l.requestReturn(request(s), pending)).toEqual(returned(s, {}));
    expect(await balances(l)).toEqual({ 'buyer:b1': -10 * M, 'seller:s1': 8 * M, 'exchange:margin': 2 * M });
    const decided = await l.decideReturn(`ret:${s.lead_id}:b1`, 'approved', T0 + 5 * HOUR);
    expect(decided).toEqual(returned(s, { status: 'approved', decided_at: T0 + 5 * HOUR }));
    expect(await balances(l)).toEqual({ 'buyer:b1': 0, 'seller:s1': 0, 'exchange:margin': 0 });
    expect(await l.money(T0 + 5 * HOUR, T0 + 6 * HOUR, 'buyer')).toEqual([money('b1', 0, 0, 0, 1, 10 * M)]);
  });

  it('return left pending, then denied: no credit', async () => {
    const l = await ledger();
    const s = sale();
    await l.recordSales([s]);
    await accept(l, request(s), pending);
    const decided = await l.decideReturn(`ret:${s.lead_id}:b1`, 'denied', T0 + 2 * HOUR);
    expect(decided).toEqual(returned(s, { status: 'denied', decided_at: T0 + 2 * HOUR }));
    expect(await balances(l)).toEqual({ 'buyer:b1': -10 * M, 'seller:s1': 8 * M, 'exchange:margin': 2 * M });
    expect(await l.returnsOf({ status: 'denied' })).toEqual([decided]);
    expect(await l.money(T0 - DAY, T0 + DAY, 'buyer')).toEqual([money('b1', 1, 10 * M, 8 * M, 0, 0)]);
  });

  it('return refused by the ledger: SALE_NOT_FOUND, and ALREADY_RETURNED whatever the first return became', async () => {
    const l = await ledger();
    const [a, b, c] = [sale(), sale(), sale()];
    await l.recordSales([a!, b!, c!]);
    expect(await l.requestReturn(request(sale()), approve)).toEqual({ refused: 'SALE_NOT_FOUND' });
    expect(await l.requestReturn(request(a!, { buyer: 'b2' }), approve)).toEqual({ refused: 'SALE_NOT_FOUND' });
    await accept(l, request(a!), approve);
    await accept(l, request(b!), pending);
    await accept(l, request(c!), pending);
    await l.decideReturn(`ret:${c!.lead_id}:b1`, 'denied', T0 + 2 * HOUR);
    let asked = 0;
    const counting = (): ReturnVerdict => (asked++, { status: 'approved' });
    for (const s of [a!, b!, c!]) expect(await l.requestReturn(request(s, { at: T0 + 3 * HOUR }), counting)).toEqual({ refused: 'ALREADY_RETURNED' });
    expect(asked).toBe(0);
    expect(await l.returnsOf({})).toHaveLength(3);
  });

  it("return refused by the policy, or the policy throwing: nothing is written, and the lead can be returned later", async () => {
    const l = await ledger();
    const s = sale();
    await l.recordSales([s]);
    const before = await balances(l);
    expect(await l.requestReturn(request(s), () => ({ refused: 'PAST_WINDOW' }))).toEqual({ refused: 'PAST_WINDOW' });
    await expect(
      l.requestReturn(request(s), () => {
        throw new Error('policy broke');
      }),
    ).rejects.toThrow('policy broke');
    expect(await l.returnsOf({})).toEqual([]);
    expect(await balances(l)).toEqual(before);
    expect(await l.requestReturn(request(s), approve)).toMatchObject({ status: 'approved' });
  });

  it('the policy sees the sale, the returns in the cycle (pending or approved, not denied, not outside) and the sales in the cycle', async () => {
    const l = await ledger();
    const from = T0;
    const to = T0 + DAY;
    const before = sale({ at: from - 1 });
    const atFrom = sale({ at: from });
    const inside = sale({ at: from + HOUR });
    const denied = sale({ at: from + 2 * HOUR });
    const lastMs = sale({ at: to - 1 });
    const atTo = sale({ at: to });
    const asked = sale({ at: from + 3 * HOUR });
    const otherBuyer = sale({ buyer: 'b2', at: from + HOUR });
    await l.recordSales([before, atFrom, inside, denied, lastMs, atTo, asked, otherBuyer]);
    const cycle = { cycleFrom: from, cycleTo: to };
    await accept(l, request(atFrom, { at: from + 10 * MINUTE, ...cycle }), approve);
    await accept(l, request(inside, { at: from + 20 * MINUTE, ...cycle }), pending);
    await accept(l, request(denied, { at: from + 30 * MINUTE, ...cycle }), pending);
    await l.decideReturn(`ret:${denied.lead_id}:b1`, 'denied', from + 40 * MINUTE);
    await accept(l, request(before, { at: from - 1, cycleFrom: from - DAY, cycleTo: from }), pending);
    await accept(l, request(atTo, { at: to, cycleFrom: to, cycleTo: to + DAY }), approve);
    await accept(l, request(otherBuyer, { at: from + HOUR, ...cycle }), approve);
    const seen: ReturnContext[] = [];
    await accept(l, request(asked, { at: from + 4 * HOUR, ...cycle }), (ctx) => (seen.push(ctx), { status: 'pending' }));
    // returns: atFrom (approved) and inside (pending); sales: atFrom, inside, denied, lastMs, asked
    expect(seen).toEqual([{ sale: asked, returnsInCycle: 2, salesInCycle: 5 }]);
  });

  it('20 simultaneous returns of one buyer under a limit of 5: exactly 5 approved, each having seen a different count', async () => {
    const l = await ledger({ poolSize: 10 });
    const sales = Array.from({ length: 20 }, () => sale());
    await l.recordSales(sales);
    const seen: number[] = [];
    const limit5 = (ctx: ReturnContext): ReturnVerdict => {
      seen.push(ctx.returnsInCycle);
      return ctx.returnsInCycle >= 5 ? { refused: 'RETURN_LIMIT' } : { status: 'approved' };
    };
    const results = await Promise.all(sales.map((s) => l.requestReturn(request(s), limit5)));
    expect(results.filter((r) => 'status' in r && r.status === 'approved')).toHaveLength(5);
    expect(results.filter((r) => 'refused' in r && r.refused === 'RETURN_LIMIT')).toHaveLength(15);
    expect(seen.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, ...Array<number>(15).fill(5)]);
    expect(await l.returnsOf({ buyer: 'b1' })).toHaveLength(5);
    expect(await balances(l)).toEqual({ 'buyer:b1': -150 * M, 'seller:s1': 120 * M, 'exchange:margin': 30 * M });
  });

  it('decideReturn: RETURN_NOT_FOUND, and RETURN_DECIDED for a return already approved or denied, changing nothing', async () => {
    const l = await ledger();
    const [a, b] = [sale(), sale()];
    await l.recordSales([a!, b!]);
    expect(await l.decideReturn('ret:no-such-lead:b1', 'approved', T0)).toEqual({ refused: 'RETURN_NOT_FOUND' });
    await accept(l, request(a!), approve);
    await accept(l, request(b!), pending);
    await l.decideReturn(`ret:${b!.lead_id}:b1`, 'denied', T0 + 2 * HOUR);
    const books = await balances(l);
    const records = await l.returnsOf({});
    for (const id of [`ret:${a!.lead_id}:b1`, `ret:${b!.lead_id}:b1`]) {
      for (const decision of ['approved', 'denied'] as const) expect(await l.decideReturn(id, decision, T0 + 3 * HOUR)).toEqual({ refused: 'RETURN_DECIDED' });
    }
    expect(await balances(l)).toEqual(books);
    expect(await l.returnsOf({})).toEqual(records);
  });

  it('returnsOf: filtered by status and buyer, ordered by request time then id', async () => {
    const l = await ledger();
    const [x, y, z, w] = [sale({ lead_id: 'x' }), sale({ lead_id: 'y' }), sale({ lead_id: 'z', buyer: 'b2' }), sale({ lead_id: 'w' })];
    await l.recordSales([x!, y!, z!, w!]);
    await accept(l, request(y!, { at: T0 + 2 * HOUR }), pending);
    await accept(l, request(x!, { at: T0 + 2 * HOUR }), approve);
    await accept(l, request(z!, { at: T0 + HOUR }), pending);
    await accept(l, request(w!, { at: T0 + 3 * HOUR }), pending);
    const ids = (rs: ReturnRecord[]): string[] => rs.map((r) => r.id);
    expect(ids(await l.returnsOf({}))).toEqual(['ret:z:b2', 'ret:x:b1', 'ret:y:b1', 'ret:w:b1']);
    expect(ids(await l.returnsOf({ status: 'pending' }))).toEqual(['ret:z:b2', 'ret:y:b1', 'ret:w:b1']);
    expect(ids(await l.returnsOf({ buyer: 'b1' }))).toEqual(['ret:x:b1', 'ret:y:b1', 'ret:w:b1']);
    expect(ids(await l.returnsOf({ status: 'pending', buyer: 'b1' }))).toEqual(['ret:y:b1', 'ret:w:b1']);
    expect(await l.returnsOf({ status: 'denied' })).toEqual([]);
  });

  it('money: by buyer, seller, campaign, day and hour over [from, to), credits at their approval, a credit-only group included', async () => {
    const l = await ledger();
    const from = T0;
    const to = Date.UTC(2026, 10, 23);
    const a = sale({ buyer: 'b1', seller: 's1', campaign: 'auto', at: from, price_micros: 10 * M, payout_micros: 8 * M });
    const b = sale({ buyer: 'b2', seller: 's1', campaign: 'home', at: from + 30 * MINUTE, price_micros: 20 * M, payout_micros: 15 * M });
    const c = sale({ buyer: 'b1', seller: 's2', campaign: 'auto', at: from + 65 * MINUTE, price_micros: 5 * M, payout_micros: 4 * M });
    const early = sale({ buyer: 'b1', seller: 's1', campaign: 'auto', at: from - 1, price_micros: 3 * M, payout_micros: 2 * M });
    const atTo = sale({ buyer: 'b2', seller: 's2', campaign: 'home', at: to, price_micros: 4 * M, payout_micros: 3 * M });
    const yesterday = sale({ buyer: 'b4', seller: 's3', campaign: 'solar', at: from - DAY, price_micros: 6 * M, payout_micros: 5 * M });
    await l.recordSales([a, b, c, early, atTo, yesterday]);
    await accept(l, request(a, { at: from + 90 * MINUTE }), approve);
    await accept(l, request(yesterday, { at: from + 2 * HOUR }), approve);
    await accept(l, request(b, { at: from + 3 * HOUR }), pending);
    await l.decideReturn(`ret:${b.lead_id}:b2`, 'approved', to + HOUR);
    await accept(l, request(c, { at: from + 3 * HOUR }), pending);
    await l.decideReturn(`ret:${c.lead_id}:b1`, 'denied', from + 4 * HOUR);

    expect(await l.money(from, to, 'buyer')).toEqual([
      money('b1', 2, 15 * M, 12 * M, 1, 10 * M),
      money('b2', 1, 20 * M, 15 * M, 0, 0),
      money('b4', 0, 0, 0, 1, 6 * M),
    ]);
    expect(await l.money(from, to, 'seller')).toEqual([
      money('s1', 2, 30 * M, 23 * M, 1, 10 * M),
      money('s2', 1, 5 * M, 4 * M, 0, 0),
      money('s3', 0, 0, 0, 1, 6 * M),
    ]);
    expect(await l.money(from, to, 'campaign')).toEqual([
      money('auto', 2, 15 * M, 12 * M, 1, 10 * M),
      money('home', 1, 20 * M, 15 * M, 0, 0),
      money('solar', 0, 0, 0, 1, 6 * M),
    ]);
    expect(await l.money(from, to, 'day')).toEqual([money('2026-11-22', 3, 35 * M, 27 * M, 2, 16 * M)]);
    expect(await l.money(from, to, 'hour')).toEqual([
      money('2026-11-22T13', 2, 30 * M, 23 * M, 0, 0),
      money('2026-11-22T14', 1, 5 * M, 4 * M, 1, 10 * M),
      money('2026-11-22T15', 0, 0, 0, 1, 6 * M),
    ]);
    expect(await l.money(from - DAY, to + DAY, 'day')).toEqual([
      money('2026-11-21', 1, 6 * M, 5 * M, 0, 0),
      money('2026-11-22', 4, 38 * M, 29 * M, 2, 16 * M),
      money('2026-11-23', 1, 4 * M, 3 * M, 1, 20 * M),
    ]);
    expect(await l.money(from, from + 1, 'buyer')).toEqual([money('b1', 1, 10 * M, 8 * M, 0, 0)]);
    expect(await l.money(to, to, 'buyer')).toEqual([]);
  });
});

describe('ledger: PostgreSQL only', () => {
  async function started(): Promise<PostgresLedger> {
    await pgAdmin();
    const l = new PostgresLedger({ url: PG_URL, schema: freshSchema() });
    open.push(l);
    await l.start();
    return l;
  }

  it('ledger_events and ledger_entries are append-only in the database itself', async () => {
    const l = await started();
    const s = sale();
    await l.recordSales([s]);
    const pool = await pgAdmin();
    const t = (name: string): string => `"${l.schema}".${name}`;
    await expect(pool.query(`UPDATE ${t('ledger_entries')} SET amount_micros = 0`)).rejects.toThrow(/append-only/);
    await expect(pool.query(`DELETE FROM ${t('ledger_entries')}`)).rejects.toThrow(/append-only/);
    await expect(pool.query(`UPDATE ${t('ledger_events')} SET price_micros = 0`)).rejects.toThrow(/append-only/);
    await expect(pool.query(`DELETE FROM ${t('ledger_events')}`)).rejects.toThrow(/append-only/);
    await expect(pool.query(`TRUNCATE ${t('ledger_entries')}`)).rejects.toThrow(/append-only/);
    expect(await balances(l)).toEqual({ 'buyer:b1': -10 * M, 'seller:s1': 8 * M, 'exchange:margin': 2 * M });
    expect(await l.sale(s.lead_id, s.buyer)).toEqual(s);
  });

  it('migrations: start() twice, and two ledgers starting at once on one schema, apply each step once', async () => {
    const pool = await pgAdmin();
    const applied = async (schema: string): Promise<number[]> =>
      (await pool.query<{ version: number }>(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`)).rows.map((r) => r.version);
    const versions = LEDGER_MIGRATIONS.map((m) => m.version);

    const once = await started();
    await once.start();
    expect(await applied(once.schema)).toEqual(versions);

    const schema = freshSchema();
    const a = new PostgresLedger({ url: PG_URL, schema });
    const b = new PostgresLedger({ url: PG_URL, schema });
    open.push(a, b);
    await Promise.all([a.start(), b.start()]);
    expect(await applied(schema)).toEqual(versions);
    // one set of books: what one process writes, the other reads
    const s = sale();
    expect(await a.recordSales([s])).toBe(1);
    expect(await b.recordSales([s])).toBe(0);
    expect(await b.sale(s.lead_id, s.buyer)).toEqual(s);
  });

  it('the schema name must be a plain lower-case identifier', async () => {
    for (const bad of ['Gavel', '1st', 'a-b', 'x"; DROP SCHEMA public; --', '', 'a'.repeat(64)]) {
      expect(() => new PostgresLedger({ url: PG_URL, schema: bad })).toThrow(/schema/);
    }
    const ok = new PostgresLedger({ url: PG_URL, schema: `_${'a'.repeat(62)}` });
    await ok.close();
  });
});
