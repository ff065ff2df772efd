import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { startGavel, type Gavel } from '../../src/gavel.js';
import { startBuyer } from '../support/buyer-server.js';
import { ADMIN_KEY, call, dropSchema, fullLead, PG_URL, pingLead, readTrace, stopExchange, testConfig, testPrefix, testSchema } from '../support/exchange.js';
import { stopAfterEach } from '../support/stop-after.js';

const A_KEY = 'buyer-a-key-0123456789';
const M = 1_000_000;

const cleanups = stopAfterEach();

async function get(port: number, path: string, key = ADMIN_KEY) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, body: (await res.json()) as any };
}

/** the counter's value for these labels in /metrics' text (0 when absent) */
async function metric(g: Gavel, name: string, labels: string): Promise<number> {
  const text = await g.metrics.registry.getSingleMetricAsString(name);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

describe('GET /v1/reports', () => {
  it('counts from the traces and money from the ledger, per buyer, seller, campaign, hour and day; they agree with the metrics, the traces and the balances', async () => {
    // a bids 10 and takes every lead but New York's; b bids 6 (not for leads over 60) and takes all
    const a = await startBuyer(() => ({ body: { bid: 10 } }), (c) => ({ body: (c.body.lead as { state: string }).state === 'NY' ? { accepted: false, reason: 'NO_NY' } : { accepted: true } }));
    const b = await startBuyer((c) => ({ body: (c.body.lead as { age: number }).age > 60 ? { pass: true } : { bid: 6 } }));
    cleanups.push(() => a.close(), () => b.close());
    const schema = testSchema();
    cleanups.push(() => dropSchema(schema));
    const input = testConfig([{ id: 'a', url: a.url }, { id: 'b', url: b.url }], { returns: { auto_approve: true } }, testPrefix());
    (input.buyers[0] as Record<string, unknown>).key = A_KEY;
    // a stats flush long enough that only the test's own flush sends them
    const g = await startGavel({ config: parseConfig({ ...input, ledger: { postgres_url: PG_URL, schema, poll_ms: 20, stats_flush: '1h' } }), port: 0, host: '127.0.0.1', operatorPort: 0, logLevel: 'silent' });
    cleanups.push(() => stopExchange(g));

    const leadIds: string[] = [];
    // three pings posted (a buys), one ping never posted
    for (let i = 0; i < 4; i++) {
      const lead = fullLead();
      const ping = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(lead) });
      expect(ping.body.status).toBe('bid');
      leadIds.push(ping.body.ping_id);
      if (i < 3) expect((await call(g.port, '/v1/post', { ping_id: ping.body.ping_id, lead })).body.status).toBe('sold');
    }
    // two New York leads fall through from a to b; one over 60 is bid on by a alone
    for (const lead of [fullLead({ state: 'NY' }), fullLead({ state: 'NY' }), fullLead({ age: 70 })]) {
      const r = await call(g.port, '/v1/leads', { campaign: 'auto', lead });
      expect(r.body.status).toBe('sold');
      leadIds.push(r.body.lead_id);
    }
    await g.ledgerWriter.drain(5000);
    const ret = await fetch(`http://127.0.0.1:${g.port}/v1/returns`, {
      method: 'POST',
      headers: { authorization: `Bearer ${A_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ lead_id: leadIds[0], reason: 'WRONG_NUMBER' }),
    });
    expect(ret.status).toBe(201);
    await g.stats.flush();
    await g.ledgerWriter.drain(5000);

    const now = Date.now();
    const span = `from=${new Date(now - 3_600_000).toISOString()}&to=${new Date(now + 3_600_000).toISOString()}`;
    const byBuyer = await get(g.operatorPort, `/v1/reports?${span}&group_by=buyer`);
    expect(byBuyer.status).toBe(200);
    const anyMs = { p50: expect.any(Number), p99: expect.any(Number) };
    expect(byBuyer.body.rows).toEqual([
      { key: 'a', leads: 7, pings: 7, bids: 7, bid_rate: 1, wins: 7, posts_accepted: 4, posts_rejected: 2, sold: 4, revenue: 40, payout: 32, margin: 8, returns: 1, credits: 10, auction_ms: anyMs },
      { key: 'b', leads: 7, pings: 7, bids: 6, bid_rate: 6 / 7, wins: 0, posts_accepted: 2, posts_rejected: 0, sold: 2, revenue: 12, payout: 9.6, margin: 2.4, returns: 0, credits: 0, auction_ms: anyMs },
    ]);
    const campaign = { leads: 7, pings: 14, bids: 13, bid_rate: 13 / 14, wins: 7, posts_accepted: 6, posts_rejected: 2, sold: 6, revenue: 52, payout: 41.6, margin: 10.4, returns: 1, credits: 10, auction_ms: anyMs };
    expect((await get(g.operatorPort, `/v1/reports?${span}&group_by=campaign`)).body.rows).toEqual([{ key: 'auto', ...campaign }]);
    expect((await get(g.operatorPort, `/v1/reports?${span}&group_by=seller`)).body.rows).toEqual([{ key: 'pub1', ...campaign }]);
    // by hour and by day the same leads, in one group or two if the test crossed a boundary
    for (const by of ['hour', 'day']) {
      const rows = (await get(g.operatorPort, `/v1/reports?${span}&group_by=${by}`)).body.rows as Record<string, number>[];
      for (const f of ['leads', 'pings', 'bids', 'wins', 'posts_accepted', 'posts_rejected', 'sold', 'returns'] as const) expect(rows.reduce((s, r) => s + r[f]!, 0)).toBe(campaign[f]);
    }

    // the metrics counted the same bids and posts
    for (const row of byBuyer.body.rows as { key: string; bids: number; posts_accepted: number; posts_rejected: number }[]) {
      expect(await metric(g, 'gavel_bids_total', `buyer="${row.key}"`)).toBe(row.bids);
      expect(await metric(g, 'gavel_posts_total', `buyer="${row.key}",result="accepted"`)).toBe(row.posts_accepted);
      expect((await metric(g, 'gavel_posts_total', `buyer="${row.key}",result="rejected"`)) + (await metric(g, 'gavel_posts_total', `buyer="${row.key}",result="timeout"`))).toBe(row.posts_rejected);
    }
    // the traces hold the same bids
    let traced = 0;
    for (const id of leadIds) for (const seg of (await readTrace(g, id)).body.segments) traced += seg.pings.filter((p: { kind: string }) => p.kind === 'bid').length;
    expect(traced).toBe(campaign.bids);
    // and the money equals the ledger's balances: buyers owe revenue less credits, and so on
    const balances = Object.fromEntries(await g.ledger.balances());
    expect(-(balances['buyer:a'] + balances['buyer:b'])).toBe((campaign.revenue - campaign.credits) * M);
    expect(balances['seller:pub1']).toBe(Math.round((campaign.payout - 8) * M));
    expect(balances['exchange:margin']).toBe(Math.round((campaign.margin - 2) * M));
  });

  it('refuses what it cannot read: bad times, an unknown grouping, a span over a year, and any key but the operator\'s', async () => {
    const schema = testSchema();
    cleanups.push(() => dropSchema(schema));
    const input = testConfig([], {}, testPrefix());
    const g = await startGavel({ config: parseConfig({ ...input, ledger: { postgres_url: PG_URL, schema } }), port: 0, host: '127.0.0.1', operatorPort: 0, logLevel: 'silent' });
    cleanups.push(() => stopExchange(g));
    const bad = async (q: string) => (await get(g.operatorPort, `/v1/reports?${q}`)).body.error;
    expect(await bad('to=2026-11-22T00:00:00Z')).toMatchObject({ code: 'INVALID_REQUEST', details: [{ path: 'from' }] });
    expect(await bad('from=yesterday&to=2026-11-22T00:00:00Z')).toMatchObject({ code: 'INVALID_REQUEST', details: [{ path: 'from' }] });
    expect(await bad('from=2026-11-22T00:00:00Z&to=2026-11-23T00:00:00Z&group_by=planet')).toMatchObject({ code: 'INVALID_REQUEST', details: [{ path: 'group_by' }] });
    expect(await bad('from=2026-11-23T00:00:00Z&to=2026-11-22T00:00:00Z')).toMatchObject({ details: [{ path: 'to', message: 'after from' }] });
    expect(await bad('from=2024-01-01T00:00:00Z&to=2026-11-22T00:00:00Z')).toMatchObject({ details: [{ path: 'to' }] });
    expect((await get(g.operatorPort, '/v1/reports?from=2026-11-22T00:00:00Z&to=2026-11-23T00:00:00Z', 'seller-key-0123456789')).status).toBe(403);
    expect((await get(g.operatorPort, '/v1/reports?from=2026-11-22T00:00:00Z&to=2026-11-23T00:00:00Z', 'nobody-at-all-0123456789')).status).toBe(401);
    // an empty span is an empty report, over whole hours
    const empty = await get(g.operatorPort, '/v1/reports?from=2026-11-22T00:30:00Z&to=2026-11-22T02:10:00Z&group_by=hour');
    expect(empty.body).toEqual({ from: '2026-11-22T00:00:00.000Z', to: '2026-11-22T03:00:00.000Z', group_by: 'hour', rows: [] });
  });
});
