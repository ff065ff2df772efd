import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { ArmLeadsRow, Ledger, MoneyRow, ReturnContext, ReturnRecord, ReturnRequest, ReturnVerdict, SaleEvent, StatsBatch, StatsGroup, StatsRow } from '../../src/ledger/ledger.js';
import { AUCTION_MS_BUCKETS } from '../../src/ledger/ledger.js';
import { LEDGER_MIGRATIONS } from '../../src/ledger/ledger-migrations.js';
import { MemoryLedger } from '../../src/ledger/memory-ledger.js';
import { PostgresLedger } from '../../src/ledger/postgres-ledger.js';
import { closePgAdmin, pgAdmin } from '../support/pg-admin.js';
import { PG_URL } from '../support/test-config.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** 2026-11-22T13:00:00Z */
const T0 = Date.UTC(2026, 10, 22, 13);
const M = 1_000_000;

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

afterAll(closePgAdmin);

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

/** leads, pings, bids, wins, posts accepted, posts rejected: a stats row's or group's figures in order */
type Figures = [number, number, number, number, number, number];

/** an auction-time histogram: these counts at these bucket indexes, zero elsewhere */
function ms(counts: Record<number, number> = {}): number[] {
  const out = new Array<number>(AUCTION_MS_BUCKETS.length + 1).fill(0);
  for (const [i, n] of Object.entries(counts)) out[Number(i)] = n;
  return out;
}

/** buyer '' is the leads' row */
function statsRow(hour: number, campaign: string, seller: string, buyer: string, f: Figures, buckets: Record<number, number> = {}): StatsRow {
  const [leads, pings, bids, wins, posts_accepted, posts_rejected] = f;
  return { hour, campaign, seller, buyer, leads, pings, bids, wins, posts_accepted, posts_rejected, ms: ms(buckets) };
}

function statsGroup(key: string, f: Figures, buckets: Record<number, number> = {}): StatsGroup {
  const [leads, pings, bids, wins, posts_accepted, posts_rejected] = f;
  return { key, leads, pings, bids, wins, posts_accepted, posts_rejected, ms: ms(buckets) };
}

const leadsOnly = (leads: number): Figures => [leads, 0, 0, 0, 0, 0];

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

  it('salesOf: newest first within [from, to), of one buyer or one seller, at most limit', async () => {
    const l = await ledger();
    const a = sale({ buyer: 'b1', seller: 's1', at: T0 + 1000 });
    const b = sale({ buyer: 'b2', seller: 's1', at: T0 + 2000 });
    const c = sale({ buyer: 'b1', seller: 's2', at: T0 + 3000 });
    const late = sale({ buyer: 'b1', seller: 's1', at: T0 + 9000 });
    await l.recordSales([a, b, c, late]);
    const window = { from: T0, to: T0 + 5000, limit: 10 };
    expect(await l.salesOf(window)).toEqual([c, b, a]);
    expect(await l.salesOf({ ...window, buyer: 'b1' })).toEqual([c, a]);
    expect(await l.salesOf({ ...window, seller: 's1' })).toEqual([b, a]);
    expect(await l.salesOf({ ...window, buyer: 'b1', seller: 's1' })).toEqual([a]);
    expect(await l.salesOf({ ...window, limit: 1 })).toEqual([c]);
    expect(await l.salesOf({ ...window, from: T0 + 1001 })).toEqual([c, b]);
    expect(await l.salesOf({ ...window, buyer: 'nobody' })).toEqual([]);
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

  it('recordStats: a replayed batch, or an id twice in one call, is recorded once (the first), and the count says so', async () => {
    const l = await ledger();
    // leads as powers of two, so the total tells which batches were counted
    const batch = (id: string, leads: number, bucket: number): StatsBatch => ({ id, rows: [statsRow(T0, 'auto', 's1', '', leadsOnly(leads), { [bucket]: leads })] });
    const a = batch('stats:p1:1', 1, 0);
    const b = batch('stats:p2:1', 2, 1);
    const c = batch('stats:p1:2', 4, 2);
    const d = batch('stats:p2:2', 8, 3);
    const empty: StatsBatch = { id: 'stats:p3:1', rows: [] };
    expect(await l.recordStats([a, b])).toBe(2);
    expect(await l.recordStats([a])).toBe(0);
    expect(await l.recordStats([b, c])).toBe(1);
    expect(await l.recordStats([d, d])).toBe(1);
    expect(await l.recordStats([batch('stats:p4:1', 16, 4), batch('stats:p4:1', 32, 5)])).toBe(1);
    expect(await l.recordStats([empty, empty])).toBe(1);
    expect(await l.recordStats([empty, a, d])).toBe(0);
    expect(await l.recordStats([])).toBe(0);
    expect(await l.stats(T0, T0 + HOUR, 'campaign')).toEqual([statsGroup('auto', leadsOnly(1 + 2 + 4 + 8 + 16), { 0: 1, 1: 2, 2: 4, 3: 8, 4: 16 })]);
  });

  it('recordStats: a malformed row refuses the whole call, which writes nothing', async () => {
    const l = await ledger();
    const good: StatsBatch = { id: 'stats:p1:1', rows: [statsRow(T0, 'auto', 's1', '', leadsOnly(1), { 0: 1 })] };
    const narrow: StatsBatch = { id: 'stats:p1:2', rows: [{ ...statsRow(T0, 'auto', 's1', '', leadsOnly(1)), ms: [1, 0, 0] }] };
    const fraction: StatsBatch = { id: 'stats:p1:3', rows: [statsRow(T0, 'auto', 's1', 'b1', [1, 1.5, 0, 0, 0, 0])] };
    const negative: StatsBatch = { id: 'stats:p1:4', rows: [statsRow(T0, 'auto', 's1', 'b1', [1, 1, 0, 0, 0, 0], { 3: -1 })] };
    for (const bad of [narrow, fraction, negative]) await expect(l.recordStats([good, bad])).rejects.toThrow(/malformed/);
    expect(await l.stats(T0 - DAY, T0 + DAY, 'hour')).toEqual([]);
    expect(await l.recordStats([good])).toBe(1);
  });

  it('stats: by buyer, seller, campaign, day and hour, ms summed bucket by bucket, groups with only buyer rows or only leads rows included', async () => {
    const l = await ledger();
    const h13 = T0;
    const h14 = T0 + HOUR;
    const a = statsRow(h13, 'auto', 's1', '', leadsOnly(3), { 0: 2, 4: 1 });
    const b = statsRow(h13, 'auto', 's1', 'b1', [2, 2, 1, 1, 1, 0], { 0: 1, 4: 1 });
    const c = statsRow(h13, 'auto', 's1', 'b2', [3, 3, 2, 1, 0, 1], { 0: 2, 4: 1 });
    const d = statsRow(h13, 'home', 's2', '', leadsOnly(2), { 9: 2 });
    const e = statsRow(h13, 'home', 's2', 'b2', [2, 2, 2, 2, 1, 1], { 9: 2 });
    // another process, the same hour, campaign and seller as a, b
    const f = statsRow(h13, 'auto', 's1', '', leadsOnly(1), { 0: 1 });
    const g = statsRow(h13, 'auto', 's1', 'b1', [1, 1, 1, 1, 1, 0], { 0: 1 });
    // solar: leads no buyer took part in; s3: a buyer's row whose leads' row is in no batch here
    const h = statsRow(h14, 'solar', 's2', '', leadsOnly(2), { 3: 1, 22: 1 });
    const i = statsRow(h14, 'home', 's3', 'b1', [1, 1, 1, 1, 0, 1], { 12: 1 });
    const j = statsRow(h14, 'auto', 's2', '', leadsOnly(1), { 4: 1 });
    const k = statsRow(h14, 'auto', 's2', 'b2', [1, 1, 1, 0, 0, 0], { 4: 1 });
    // outside [h13, h15)
    const before = [statsRow(h13 - HOUR, 'auto', 's1', '', leadsOnly(50), { 0: 50 }), statsRow(h13 - HOUR, 'auto', 's1', 'b1', [50, 50, 50, 50, 50, 0], { 0: 50 })];
    const atTo = [statsRow(h14 + HOUR, 'home', 's2', '', leadsOnly(70), { 1: 70 }), statsRow(h14 + HOUR, 'home', 's2', 'b2', [70, 70, 70, 70, 0, 70], { 1: 70 })];
    expect(
      await l.recordStats([
        { id: 'stats:p1:1', rows: [...before, a, b, c, d, e] },
        { id: 'stats:p2:1', rows: [f, g, h, i, j, k, ...atTo] },
      ]),
    ).toBe(2);
    const from = h13;
    const to = h14 + HOUR;

    // the buyers' rows alone, every figure theirs
    expect(await l.stats(from, to, 'buyer')).toEqual([
      statsGroup('b1', [2 + 1 + 1, 2 + 1 + 1, 1 + 1 + 1, 1 + 1 + 1, 1 + 1 + 0, 0 + 0 + 1], { 0: 1 + 1, 4: 1, 12: 1 }), // b g i
      statsGroup('b2', [3 + 2 + 1, 3 + 2 + 1, 2 + 2 + 1, 1 + 2 + 0, 0 + 1 + 0, 1 + 1 + 0], { 0: 2, 4: 1 + 1, 9: 2 }), // c e k
    ]);
    // leads and ms from the leads' rows, the rest from the buyers' rows
    expect(await l.stats(from, to, 'seller')).toEqual([
      statsGroup('s1', [3 + 1, 2 + 3 + 1, 1 + 2 + 1, 1 + 1 + 1, 1 + 0 + 1, 0 + 1 + 0], { 0: 2 + 1, 4: 1 }), // leads a f; b c g
      statsGroup('s2', [2 + 2 + 1, 2 + 1, 2 + 1, 2 + 0, 1 + 0, 1 + 0], { 3: 1, 4: 1, 9: 2, 22: 1 }), // leads d h j; e k
      statsGroup('s3', [0, 1, 1, 1, 0, 1]), // i: buyer rows only
    ]);
    expect(await l.stats(from, to, 'campaign')).toEqual([
      statsGroup('auto', [3 + 1 + 1, 2 + 3 + 1 + 1, 1 + 2 + 1 + 1, 1 + 1 + 1 + 0, 1 + 0 + 1 + 0, 0 + 1 + 0 + 0], { 0: 2 + 1, 4: 1 + 1 }), // leads a f j; b c g k
      statsGroup('home', [2, 2 + 1, 2 + 1, 2 + 1, 1 + 0, 1 + 1], { 9: 2 }), // leads d; e i
      statsGroup('solar', leadsOnly(2), { 3: 1, 22: 1 }), // h: a leads row only
    ]);
    expect(await l.stats(from, to, 'day')).toEqual([
      // leads a d f h j; b c e g i k
      statsGroup('2026-11-22', [3 + 2 + 1 + 2 + 1, 2 + 3 + 2 + 1 + 1 + 1, 1 + 2 + 2 + 1 + 1 + 1, 1 + 1 + 2 + 1 + 1 + 0, 1 + 0 + 1 + 1 + 0 + 0, 0 + 1 + 1 + 0 + 1 + 0], {
        0: 2 + 1,
        3: 1,
        4: 1 + 1,
        9: 2,
        22: 1,
      }),
    ]);
    expect(await l.stats(from, to, 'hour')).toEqual([
      statsGroup('2026-11-22T13', [3 + 2 + 1, 2 + 3 + 2 + 1, 1 + 2 + 2 + 1, 1 + 1 + 2 + 1, 1 + 0 + 1 + 1, 0 + 1 + 1 + 0], { 0: 2 + 1, 4: 1, 9: 2 }), // leads a d f; b c e g
      statsGroup('2026-11-22T14', [2 + 1, 1 + 1, 1 + 1, 1 + 0, 0 + 0, 1 + 0], { 3: 1, 4: 1, 22: 1 }), // leads h j; i k
    ]);
  });

  it("armSums: per arm of one campaign's test, its leads from the stats and its sales summed per lead (a shared lead is one lead), replays counted once", async () => {
    const l = await ledger();
    const armRow = (hour: number, arm: string, leads: number, over: Partial<ArmLeadsRow> = {}): ArmLeadsRow => ({ hour, campaign: 'auto', experiment: 't1', arm, leads, ...over });
    const first: StatsBatch = { id: 'stats:p1:1', rows: [], arms: [armRow(T0, 'a', 3), armRow(T0, 'b', 2), armRow(T0 + HOUR, 'a', 1)] };
    // another process, another test of the campaign, another campaign's test of the same name
    const second: StatsBatch = { id: 'stats:p2:1', rows: [], arms: [armRow(T0, 'b', 4), armRow(T0, 'a', 50, { experiment: 't0' }), armRow(T0, 'a', 70, { campaign: 'home' })] };
    expect(await l.recordStats([first, second, first])).toBe(2);
    expect(await l.recordStats([first])).toBe(0);
    const tagged = (over: Partial<SaleEvent>) => sale({ experiment: 't1', ...over });
    await l.recordSales([
      // arm a: lead 1 sold twice (a shared tier), margins 2 and 1; lead 2 once, margin 3
      tagged({ arm: 'a', lead_id: 'l1', buyer: 'b1', price_micros: 10 * M, payout_micros: 8 * M }),
      tagged({ arm: 'a', lead_id: 'l1', buyer: 'b2', price_micros: 5 * M, payout_micros: 4 * M }),
      tagged({ arm: 'a', lead_id: 'l2', buyer: 'b1', price_micros: 15 * M, payout_micros: 12 * M }),
      // arm b: one lead, margin 0.5
      tagged({ arm: 'b', lead_id: 'l3', price_micros: 2.5 * M, payout_micros: 2 * M }),
      // not this test's: no test, another test, another campaign
      sale({ lead_id: 'l4' }),
      tagged({ arm: 'a', lead_id: 'l5', experiment: 't0' }),
      tagged({ arm: 'a', lead_id: 'l6', campaign: 'home' }),
      // an arm that sold before its leads' counts came in is still listed
      tagged({ arm: 'c', lead_id: 'l7', price_micros: 4 * M, payout_micros: 3 * M }),
    ]);
    await l.recordSales([tagged({ arm: 'b', lead_id: 'l3', price_micros: 2.5 * M, payout_micros: 2 * M })]);
    const sums = (await l.armSums('auto', 't1')).sort((x, y) => (x.arm < y.arm ? -1 : 1));
    expect(sums).toEqual([
      { arm: 'a', leads: 4, sold: 2, sales: 3, revenue_micros: 30 * M, payout_micros: 24 * M, margin_micros: 6 * M, margin_sq: (3 * M) ** 2 + (3 * M) ** 2 },
      { arm: 'b', leads: 6, sold: 1, sales: 1, revenue_micros: 2.5 * M, payout_micros: 2 * M, margin_micros: 0.5 * M, margin_sq: (0.5 * M) ** 2 },
      { arm: 'c', leads: 0, sold: 1, sales: 1, revenue_micros: 4 * M, payout_micros: 3 * M, margin_micros: 1 * M, margin_sq: M ** 2 },
    ]);
    // the sale reads back with its arm, and a sale of no test with none
    expect(await l.sale('l3', 'b1')).toMatchObject({ experiment: 't1', arm: 'b' });
    expect(await l.sale('l4', 'b1')).not.toHaveProperty('arm');
    expect(await l.armSums('auto', 'never')).toEqual([]);
  });

  it('stats: only rows with hour in [from, to)', async () => {
    const l = await ledger();
    const rows = [0, 1, 2, 3].map((n) => statsRow(T0 - HOUR + n * HOUR, 'auto', 's1', '', leadsOnly(2 ** n), { [n]: 2 ** n }));
    const buyer = statsRow(T0, 'auto', 's1', 'b1', [1, 1, 1, 1, 1, 0], { 1: 1 });
    await l.recordStats([{ id: 'stats:p1:1', rows: [...rows, buyer] }]);
    const hours = async (from: number, to: number): Promise<string[]> => (await l.stats(from, to, 'hour')).map((g) => g.key);
    expect(await hours(T0, T0 + 2 * HOUR)).toEqual(['2026-11-22T13', '2026-11-22T14']);
    expect(await hours(T0 + 1, T0 + 2 * HOUR + 1)).toEqual(['2026-11-22T14', '2026-11-22T15']);
    expect(await hours(T0, T0 + 1)).toEqual(['2026-11-22T13']);
    expect(await hours(T0 - 1, T0)).toEqual([]);
    expect(await hours(T0, T0)).toEqual([]);
    expect(await l.stats(T0 - DAY, T0 + DAY, 'day')).toEqual([statsGroup('2026-11-22', [15, 1, 1, 1, 1, 0], { 0: 1, 1: 2, 2: 4, 3: 8 })]);
    expect(await l.stats(T0 + 1, T0 + DAY, 'buyer')).toEqual([]);
    expect(await l.stats(T0, T0 + 1, 'buyer')).toEqual([statsGroup('b1', [1, 1, 1, 1, 1, 0], { 1: 1 })]);
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

  it('stats_batches and stats_rows are append-only in the database itself', async () => {
    const l = await started();
    const row = statsRow(T0, 'auto', 's1', 'b1', [1, 1, 1, 1, 1, 0], { 0: 1 });
    await l.recordStats([{ id: 'stats:p1:1', rows: [row] }]);
    const pool = await pgAdmin();
    const t = (name: string): string => `"${l.schema}".${name}`;
    await expect(pool.query(`UPDATE ${t('stats_rows')} SET pings = 0`)).rejects.toThrow(/append-only/);
    await expect(pool.query(`DELETE FROM ${t('stats_rows')}`)).rejects.toThrow(/append-only/);
    await expect(pool.query(`TRUNCATE ${t('stats_rows')}`)).rejects.toThrow(/append-only/);
    await expect(pool.query(`UPDATE ${t('stats_batches')} SET batch_id = 'stats:p1:2'`)).rejects.toThrow(/append-only/);
    await expect(pool.query(`DELETE FROM ${t('stats_batches')}`)).rejects.toThrow(/append-only/);
    await expect(pool.query(`TRUNCATE ${t('stats_batches')} CASCADE`)).rejects.toThrow(/append-only/);
    expect(await l.stats(T0, T0 + HOUR, 'buyer')).toEqual([statsGroup('b1', [1, 1, 1, 1, 1, 0], { 0: 1 })]);
    // the batch is still there: its replay is skipped
    expect(await l.recordStats([{ id: 'stats:p1:1', rows: [row] }])).toBe(0);
  });

  it('migrations: a schema a build with step 1 alone migrated gets every later step, once, and its tables stay as they were', async () => {
    const pool = await pgAdmin();
    const schema = freshSchema();
    const step1 = LEDGER_MIGRATIONS.find((m) => m.version === 1)!;
    // what that build's start() left: its migrations table and step 1's tables, applied as the runner does
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      await c.query(`CREATE SCHEMA "${schema}"`);
      await c.query(`CREATE TABLE "${schema}".schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      await c.query(`SET LOCAL search_path TO "${schema}"`);
      await c.query(step1.sql);
      await c.query(`INSERT INTO "${schema}".schema_migrations (version, name) VALUES (1, $1)`, [step1.name]);
      await c.query('COMMIT');
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
    const applied = async (): Promise<{ version: number; applied_at: Date }[]> =>
      (await pool.query(`SELECT version, applied_at FROM "${schema}".schema_migrations ORDER BY version`)).rows;
    const [before] = await applied();
    const s = sale();
    const old = new PostgresLedger({ url: PG_URL, schema });
    open.push(old);
    await old.start();
    expect(await old.recordSales([s])).toBe(1);

    const next = new PostgresLedger({ url: PG_URL, schema });
    open.push(next);
    await next.start();
    const after = await applied();
    expect(after.map((r) => r.version)).toEqual(LEDGER_MIGRATIONS.map((m) => m.version));
    expect(after[0]).toEqual(before);
    expect(await next.sale(s.lead_id, s.buyer)).toEqual(s);
    const row = statsRow(T0, 'auto', 's1', '', leadsOnly(1), { 0: 1 });
    expect(await next.recordStats([{ id: 'stats:p1:1', rows: [row] }])).toBe(1);
    expect(await old.recordStats([{ id: 'stats:p1:1', rows: [row] }])).toBe(0);
    expect(await old.stats(T0, T0 + HOUR, 'seller')).toEqual([statsGroup('s1', leadsOnly(1), { 0: 1 })]);
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
