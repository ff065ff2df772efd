import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { startGavel, type Gavel } from '../../src/gavel.js';
import { LedgerWriter } from '../../src/ledger/ledger-writer.js';
import { saleId, SALES_QUEUE } from '../../src/ledger/sales-queue.js';
import { startBuyer, type TestBuyer } from '../support/buyer-server.js';
import { ADMIN_KEY, call, cleanPrefix, dropSchema, fullLead, PG_URL, stopExchange, testConfig, testPrefix, testSchema } from '../support/exchange.js';
import { spawnGavel, writeConfig } from '../support/process.js';
import { stopAfterEach } from '../support/stop-after.js';

const BUYER_KEY = 'buyer-a-key-0123456789';
const M = 1_000_000;

const cleanups = stopAfterEach();

async function buyer(): Promise<TestBuyer> {
  const b = await startBuyer(() => ({ body: { bid: 10 } }));
  cleanups.push(() => b.close());
  return b;
}

/** buyer a bids 10 and accepts; margin 0.2, so the seller is paid 8 a lead */
function config(url: string, schema: string, prefix: string, over: { campaign?: Record<string, unknown>; buyer?: Record<string, unknown>; ledger?: Record<string, unknown> } = {}): ConfigInput {
  const c = testConfig([{ id: 'a', url }], over.campaign ?? {}, prefix);
  (c.buyers[0] as Record<string, unknown>).key = BUYER_KEY;
  Object.assign(c.buyers[0]!, over.buyer ?? {});
  return { ...c, ledger: { postgres_url: PG_URL, schema, poll_ms: 20, reclaim_after: '300ms', ...over.ledger } };
}

async function start(input: ConfigInput): Promise<Gavel> {
  const g = await startGavel({ config: parseConfig(input), port: 0, host: '127.0.0.1', operatorPort: 0, logLevel: 'silent' });
  cleanups.push(() => stopExchange(g));
  return g;
}

async function sell(port: number): Promise<string> {
  const r = await call(port, '/v1/leads', { campaign: 'auto', lead: fullLead() });
  expect(r.body.status).toBe('sold');
  return r.body.lead_id as string;
}

async function api(port: number, method: 'GET' | 'POST', path: string, key: string, body?: unknown) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as any };
}

function schemaFor(): string {
  const s = testSchema();
  cleanups.push(() => dropSchema(s));
  return s;
}

describe('the ledger in PostgreSQL, fed through the durable queue', () => {
  it('every sale lands once, as balanced entries; test leads are no money', async () => {
    const b = await buyer();
    // the queue alone (direct_ms 0): the way every sale took before sales were written on the post path
    const g = await start(config(b.url, schemaFor(), testPrefix(), { buyer: { accepts_test: true }, ledger: { direct_ms: 0 } }));
    expect(g.ledger.kind).toBe('postgres');
    const ids = [await sell(g.port), await sell(g.port), await sell(g.port)];
    const test = await call(g.port, '/v1/leads', { campaign: 'auto', test: true, lead: fullLead() });
    expect(test.body.status).toBe('sold');
    await g.ledgerWriter.drain(5000);
    for (const id of ids) expect(await g.ledger.sale(id, 'a')).toMatchObject({ id: saleId(id, 'a'), seller: 'pub1', campaign: 'auto', price_micros: 10 * M, payout_micros: 8 * M });
    expect(await g.ledger.sale(test.body.lead_id, 'a')).toBeNull();
    expect(Object.fromEntries(await g.ledger.balances())).toEqual({ 'buyer:a': -30 * M, 'seller:pub1': 24 * M, 'exchange:margin': 6 * M });
    // a replayed sale (a queue that hands it over twice) is recorded once
    const again = await g.ledger.sale(ids[0]!, 'a');
    await g.store.enqueue(SALES_QUEUE, JSON.stringify(again));
    await g.ledgerWriter.drain(5000);
    expect(Object.fromEntries(await g.ledger.balances())).toMatchObject({ 'buyer:a': -30 * M });
    const metrics = await g.metrics.registry.getSingleMetricAsString('gavel_ledger_sales_total');
    expect(metrics).toContain('result="recorded"} 3');
    expect(metrics).toContain('result="replayed"} 1');
  });

  it('a process killed between answering the seller and recording the sale loses nothing: another records it, once', async () => {
    const b = await buyer();
    const schema = schemaFor();
    const prefix = testPrefix();
    cleanups.push(() => cleanPrefix(prefix));
    // this process never gets to record: its writer waits a minute between reads
    const doomed = await spawnGavel(writeConfig(config(b.url, schema, prefix, { ledger: { poll_ms: 60_000, direct_ms: 0 } })));
    cleanups.push(async () => void doomed.child.kill('SIGKILL'));
    const ids = [await sell(doomed.port), await sell(doomed.port)];
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    const heir = await start(config(b.url, schema, prefix));
    await heir.ledgerWriter.drain(5000);
    for (const id of ids) expect(await heir.ledger.sale(id, 'a')).toMatchObject({ price_micros: 10 * M, payout_micros: 8 * M });
    expect(Object.fromEntries(await heir.ledger.balances())).toEqual({ 'buyer:a': -20 * M, 'seller:pub1': 16 * M, 'exchange:margin': 4 * M });
    // and never twice, however often the queue is read again
    await new Promise((r) => setTimeout(r, 400));
    await heir.ledgerWriter.drain(2000);
    expect((await heir.ledger.balances()).get('buyer:a')).toBe(-20 * M);
  });

  it('a sale taken by a writer that died before acknowledging it is taken over and not recorded twice', async () => {
    const b = await buyer();
    const g = await start(config(b.url, schemaFor(), testPrefix(), { ledger: { poll_ms: 60_000, direct_ms: 0 } }));
    const id = await sell(g.port);
    // a writer that records, then "dies": its acknowledgement never reaches the queue
    const dying = new LedgerWriter({ ...g.store, acknowledge: async () => undefined, dequeue: g.store.dequeue.bind(g.store) } as typeof g.store, g.ledger, { consumer: 'dying', batchSize: 10, pollMs: 10, reclaimMs: 200 }, g.metrics, g.log);
    expect(await dying.once()).toBe(1);
    expect(await g.ledger.sale(id, 'a')).not.toBeNull();
    await new Promise((r) => setTimeout(r, 300));
    await g.ledgerWriter.drain(5000);
    expect((await g.ledger.balances()).get('buyer:a')).toBe(-10 * M);
    expect(await g.ledgerWriter.once()).toBe(0);
  });

  it('with the ledger off, a sale is answered and neither recorded nor counted', async () => {
    const b = await buyer();
    const g = await start(config(b.url, schemaFor(), testPrefix(), { ledger: { enabled: false } }));
    const id = await sell(g.port);
    await g.stats.flush();
    await g.ledgerWriter.drain(2000);
    expect(g.ledger.kind).toBe('memory');
    expect(await g.ledger.sale(id, 'a')).toBeNull();
    expect(await g.ledger.stats(0, Date.now() + 3_600_000, 'campaign')).toEqual([]);
    expect(await g.store.dequeue('sales', 'probe', 10, 60_000)).toEqual([]);
  });

  it('with no PostgreSQL configured, the ledger is in memory and still balanced', async () => {
    const b = await buyer();
    const input = config(b.url, 'unused', testPrefix());
    delete (input as { ledger?: unknown }).ledger;
    const g = await start(input);
    expect(g.ledger.kind).toBe('memory');
    const id = await sell(g.port);
    await g.ledgerWriter.drain(5000);
    expect(await g.ledger.sale(id, 'a')).toMatchObject({ price_micros: 10 * M });
  });

  it('an idle writer backs off to a read a second; under a stream it reads every poll_ms and looks for the abandoned only a few times per reclaim window', async () => {
    const b = await buyer();
    // Gavel's own writer reads once at its start and then waits a minute: the counting one below reads alone
    const g = await start(config(b.url, schemaFor(), testPrefix(), { ledger: { poll_ms: 60_000 } }));
    const reads: { at: number; reclaim: boolean; taken: number }[] = [];
    const counting = {
      ...g.store,
      acknowledge: g.store.acknowledge.bind(g.store),
      dequeue: async (queue: string, consumer: string, count: number, reclaimMs: number | null) => {
        const events = await g.store.dequeue(queue, consumer, count, reclaimMs);
        if (queue === SALES_QUEUE) reads.push({ at: performance.now(), reclaim: reclaimMs !== null, taken: events.length });
        return events;
      },
    } as typeof g.store;
    const w = new LedgerWriter(counting, g.ledger, { consumer: 'counting', batchSize: 10, pollMs: 20, reclaimMs: 2000 }, g.metrics, g.log);
    cleanups.push(() => w.close());
    const t0 = performance.now();
    w.start();
    await new Promise((r) => setTimeout(r, 3500));
    // idle: 20, 40, 80 … ms apart, then a second apart (every 20 ms would be 175 reads)
    const idle = reads.filter((r) => r.at - t0 < 3500);
    expect(idle.every((r) => r.taken === 0)).toBe(true);
    expect(idle.length).toBeGreaterThanOrEqual(4);
    expect(idle.length).toBeLessThanOrEqual(10);
    const gaps = idle.slice(1).map((r, i) => r.at - idle[i]!.at);
    expect(Math.max(...gaps)).toBeGreaterThan(900);
    expect(Math.max(...gaps)).toBeLessThan(2000); // the pause's cap, plus room for a loaded machine

    // an event after the quiet spell is read within the idle pause; events that keep coming are read every poll_ms
    const streamFrom = performance.now();
    const streamed = 60;
    for (let i = 0; i < streamed; i++) {
      await g.store.enqueue(SALES_QUEUE, 'not a sale'); // set aside as a bad event, which still counts as taken
      await new Promise((r) => setTimeout(r, 15));
    }
    await new Promise((r) => setTimeout(r, 1200));
    const during = reads.filter((r) => r.at >= streamFrom);
    const firstTaken = during.find((r) => r.taken > 0)!;
    expect(firstTaken.at - streamFrom).toBeLessThan(2000);
    expect(during.reduce((n, r) => n + r.taken, 0)).toBe(streamed);
    const busy = during.filter((r) => r.at >= firstTaken.at && r.at <= streamFrom + streamed * 15);
    expect(busy.length).toBeGreaterThanOrEqual(5);
    // reclaimMs 2000: the abandoned are looked for at most every 500 ms, not on each read
    const reclaims = busy.filter((r) => r.reclaim).length;
    expect(reclaims).toBeLessThanOrEqual(Math.ceil((busy.at(-1)!.at - busy[0]!.at) / 500) + 1);
    expect(reclaims).toBeLessThan(busy.length);
    expect(Number(/gavel_ledger_errors_total\{op="bad_event"\} (\d+)/.exec(await g.metrics.registry.metrics())?.[1])).toBe(streamed);
  });
});

describe('returns and credits', () => {
  it('within the window and the limits: auto-approved by reason or left to the operator; credits claw back the payout and give the cap back', async () => {
    const b = await buyer();
    const g = await start(
      config(b.url, schemaFor(), testPrefix(), {
        campaign: { returns: { window: '30d', auto_approve: { reasons: ['WRONG_NUMBER'] }, restore_cap: true } },
        buyer: { caps: { daily: 3 }, returns: { max_count: 2 } },
      }),
    );
    const ids = [await sell(g.port), await sell(g.port), await sell(g.port)];
    const capped = await call(g.port, '/v1/leads', { campaign: 'auto', lead: fullLead() });
    expect(capped.body).toMatchObject({ status: 'rejected', reason: 'NO_ELIGIBLE_BUYER' });
    await g.ledgerWriter.drain(5000);

    // auto-approved: credited at once, the seller's payout clawed back, the cap given back
    const first = await api(g.port, 'POST', '/v1/returns', BUYER_KEY, { lead_id: ids[0], reason: 'WRONG_NUMBER' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ id: `ret:${ids[0]}:a`, lead_id: ids[0], buyer: 'a', status: 'approved', price: 10 });
    expect(first.body.payout).toBeUndefined(); // the seller's side is not the buyer's to see
    expect(Object.fromEntries(await g.ledger.balances())).toEqual({ 'buyer:a': -20 * M, 'seller:pub1': 16 * M, 'exchange:margin': 4 * M });
    const fourth = await call(g.port, '/v1/leads', { campaign: 'auto', lead: fullLead() });
    expect(fourth.body.status).toBe('sold');
    await g.ledgerWriter.drain(5000);
    // the buyer's accept rate learned of it: one accept taken back
    const accepts = (await g.store.acceptRecords('a')).get('*')!;
    expect(accepts.accepts).toBeLessThan(accepts.posts);

    // another reason waits for the operator; the buyer cannot decide it; the operator approves
    const second = await api(g.port, 'POST', '/v1/returns', BUYER_KEY, { lead_id: ids[1], reason: 'not interested' });
    expect(second.body.status).toBe('pending');
    expect((await api(g.operatorPort, 'GET', '/v1/returns?status=pending', ADMIN_KEY)).body.returns).toEqual([expect.objectContaining({ id: second.body.id, seller: 'pub1', payout: 8 })]);
    expect((await api(g.port, 'POST', `/v1/returns/${second.body.id}/approve`, BUYER_KEY)).status).toBe(403);
    expect((await g.ledger.balances()).get('buyer:a')).toBe(-30 * M);
    const approved = await api(g.operatorPort, 'POST', `/v1/returns/${second.body.id}/approve`, ADMIN_KEY);
    expect(approved.body).toMatchObject({ status: 'approved' });
    expect(approved.body.decided_at).not.toBeNull();
    expect((await g.ledger.balances()).get('buyer:a')).toBe(-20 * M);
    expect((await api(g.operatorPort, 'POST', `/v1/returns/${second.body.id}/deny`, ADMIN_KEY)).body.error.code).toBe('RETURN_DECIDED');

    // over the limit of 2 a cycle; twice the same lead; a lead never sold to it; malformed; a seller's key
    const over = await api(g.port, 'POST', '/v1/returns', BUYER_KEY, { lead_id: ids[2], reason: 'WRONG_NUMBER' });
    expect([over.status, over.body.error.code]).toEqual([409, 'RETURN_LIMIT_REACHED']);
    expect((await api(g.port, 'POST', '/v1/returns', BUYER_KEY, { lead_id: ids[0], reason: 'WRONG_NUMBER' })).body.error.code).toBe('ALREADY_RETURNED');
    expect((await api(g.port, 'POST', '/v1/returns', BUYER_KEY, { lead_id: 'no-such-lead', reason: 'x' })).body.error.code).toBe('SALE_NOT_FOUND');
    const bad = await api(g.port, 'POST', '/v1/returns', BUYER_KEY, { lead_id: ids[2] });
    expect([bad.status, bad.body.error.code, bad.body.error.details[0].path]).toEqual([400, 'INVALID_REQUEST', 'reason']);
    expect((await api(g.port, 'POST', '/v1/returns', 'seller-key-0123456789', { lead_id: ids[2], reason: 'x' })).status).toBe(403);
    expect((await api(g.operatorPort, 'POST', '/v1/returns/ret:nope:a/approve', ADMIN_KEY, {})).body.error.code).toBe('RETURN_NOT_FOUND');
    // a buyer sees its own returns; the operator may file one for a buyer
    expect((await api(g.port, 'GET', '/v1/returns', BUYER_KEY)).body.returns.map((r: { status: string }) => r.status)).toEqual(['approved', 'approved']);
  });

  it('outside the window a return is refused; a pending one denied credits nothing; a share limit counts the cycle\'s purchases', async () => {
    const b = await buyer();
    const g = await start(
      config(b.url, schemaFor(), testPrefix(), {
        campaign: { returns: { window: '1s' } },
        buyer: { returns: { max_share: 0.5 } },
      }),
    );
    const ids = [await sell(g.port), await sell(g.port), await sell(g.port), await sell(g.port)];
    await g.ledgerWriter.drain(5000);
    const first = await api(g.port, 'POST', '/v1/returns', BUYER_KEY, { lead_id: ids[0], reason: 'bad' });
    expect(first.body.status).toBe('pending');
    expect((await api(g.operatorPort, 'POST', `/v1/returns/${first.body.id}/deny`, ADMIN_KEY)).body.status).toBe('denied');
    expect((await g.ledger.balances()).get('buyer:a')).toBe(-40 * M);
    // a denied return does not count toward the limit: two more of four fit in half, a third does not
    expect((await api(g.port, 'POST', '/v1/returns', BUYER_KEY, { lead_id: ids[1], reason: 'bad' })).status).toBe(201);
    expect((await api(g.port, 'POST', '/v1/returns', BUYER_KEY, { lead_id: ids[2], reason: 'bad' })).status).toBe(201);
    expect((await api(g.port, 'POST', '/v1/returns', BUYER_KEY, { lead_id: ids[3], reason: 'bad' })).body.error.code).toBe('RETURN_LIMIT_REACHED');
    await new Promise((r) => setTimeout(r, 1100));
    const late = await api(g.operatorPort, 'POST', '/v1/returns', 'admin-key-0123456789abcdef', { lead_id: ids[3], reason: 'bad', buyer: 'a' });
    expect([late.status, late.body.error.code]).toEqual([409, 'RETURN_WINDOW_CLOSED']);
  });
});
