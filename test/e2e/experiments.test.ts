import { afterEach, describe, expect, it } from 'vitest';
import { armOf } from '../../src/config/experiment-arm.js';
import { parseConfig } from '../../src/config/load-config.js';
import { compileRuntime } from '../../src/config/runtime.js';
import type { ConfigInput } from '../../src/config/schema.js';
import type { Gavel } from '../../src/gavel.js';
import type { TraceSegment } from '../../src/trace/lead-trace.js';
import { startBuyer, type TestBuyer } from '../support/buyer-server.js';
import { admin, startEmbeddedExchange, startRedisPostgresExchange } from '../support/admin-api.js';
import { call, dropSchema, fullLead, pingLead, readTrace, startExchange, stopExchange, testConfig, testSchema } from '../support/exchange.js';

const open: { g?: Gavel; buyers: TestBuyer[]; close?: () => Promise<void> } = { buyers: [] };
afterEach(async () => {
  if (open.g) await stopExchange(open.g);
  await open.close?.();
  for (const b of open.buyers.splice(0)) await b.close();
  open.g = undefined;
  open.close = undefined;
});

/** arm `high`'s floor: the bids of leads aged under 50 fall under it */
const HIGH_FLOOR = 5;
/** a lead's bid is its age over ten: 2 to 7.9 */
const bidOf = (age: number) => age / 10;

/** The test campaign with no floor of its own, split half and half: the control, and `high` with its floor. */
function splitConfig(url: string): ConfigInput {
  // deadlines a busy machine meets: a late bid would read as a floor's refusal
  return testConfig([{ id: 'acme', url, timeout_ms: 800 }], { tmax_ms: 1000, floor: 0, margin: 0.2, experiment: { id: 'floor-test', arms: [{ name: 'control', share: 50 }, { name: 'high', share: 50, floor: HIGH_FLOOR }] } });
}

async function start(kind: 'embedded' | 'redis+postgres', config: ConfigInput): Promise<Gavel> {
  if (kind === 'embedded') {
    const s = await startEmbeddedExchange(config);
    open.close = s.close;
    return (open.g = s.g);
  }
  const schema = testSchema();
  const s = await startRedisPostgresExchange(config, schema);
  open.close = async () => {
    await s.close();
    await dropSchema(schema);
  };
  return (open.g = s.g);
}

interface Lead {
  id: string;
  bid: number;
  answered: 'bid' | 'no_bid';
  sold: boolean;
}

/** `n` leads of ages spread over 20 to 79, each pinged and, when bid on, posted. */
async function traffic(g: Gavel, n: number): Promise<Lead[]> {
  const leads: Lead[] = [];
  for (let i = 0; i < n; i++) {
    const lead = fullLead({ age: 20 + ((i * 7) % 60) });
    const ping = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(lead) });
    expect(ping.status).toBe(200);
    let sold = false;
    if (ping.body.status === 'bid') sold = (await call(g.port, '/v1/post', { ping_id: ping.body.ping_id, lead })).body.status === 'sold';
    leads.push({ id: ping.body.ping_id, bid: bidOf(lead.age as number), answered: ping.body.status, sold });
  }
  return leads;
}

describe('A/B tests live', () => {
  for (const kind of ['embedded', 'redis+postgres'] as const) {
    it(`${kind}: each lead runs under one arm, its ping and its post alike, by its id; the high floor's arm refuses the bids under it`, async () => {
      const buyer = await startBuyer((c) => ({ body: { bid: bidOf(Number((c.body.lead as { age: number }).age)) } }));
      open.buyers.push(buyer);
      const config = splitConfig(buyer.url);
      const g = await start(kind, config);
      const leads = await traffic(g, 40);
      const campaign = compileRuntime(parseConfig(config), undefined).campaigns.get('auto')!;
      const arms = new Map<string, number>();
      for (const lead of leads) {
        const segs = (await readTrace(g, lead.id)).body.segments as TraceSegment[];
        // the ping, and its post when it was posted: each names the same test and arm
        expect(segs.map((s) => s.phase)).toEqual(lead.answered === 'bid' ? ['ping', 'post'] : ['ping']);
        const arm = armOf(campaign, lead.id)!;
        for (const s of segs) expect(s).toMatchObject({ experiment: 'floor-test', arm });
        arms.set(arm, (arms.get(arm) ?? 0) + 1);
        // the control sells every lead; `high` only those bid at or over its floor
        const expected = arm === 'control' || lead.bid >= HIGH_FLOOR;
        expect(lead.answered).toBe(expected ? 'bid' : 'no_bid');
        expect(lead.sold).toBe(expected);
      }
      // both arms ran, and the floor cost `high` some leads
      expect(arms.get('control')).toBeGreaterThan(5);
      expect(arms.get('high')).toBeGreaterThan(5);
      expect(leads.some((l) => armOf(campaign, l.id) === 'high' && !l.sold)).toBe(true);
    });
  }

  for (const kind of ['embedded', 'redis+postgres'] as const) {
    it(`${kind}: the report counts each arm's leads, sales and money as the buyer saw them, with intervals and tests; ending the test publishes the chosen arm`, async () => {
      const buyer = await startBuyer((c) => ({ body: { bid: bidOf(Number((c.body.lead as { age: number }).age)) } }));
      open.buyers.push(buyer);
      const config = splitConfig(buyer.url);
      const g = await start(kind, config);
      const startedOn = (await admin(g, 'GET', '/v1/admin/config')).body.version as number;
      const leads = await traffic(g, 60);
      // a direct post runs under its own lead id's arm too
      const direct = await call(g.port, '/v1/leads', { campaign: 'auto', lead: fullLead({ age: 75 }) });
      expect(direct.body.status).toBe('sold');
      await g.stats.flush();
      await g.ledgerWriter.drain(5000);

      // what the buyer saw, per arm: the leads posted to it and the prices they carried
      const campaign = compileRuntime(parseConfig(config), undefined).campaigns.get('auto')!;
      const seen = new Map<string, { leads: number; sold: number; revenue: number }>([
        ['control', { leads: 0, sold: 0, revenue: 0 }],
        ['high', { leads: 0, sold: 0, revenue: 0 }],
      ]);
      for (const l of leads) seen.get(armOf(campaign, l.id)!)!.leads++;
      seen.get(armOf(campaign, direct.body.lead_id)!)!.leads++;
      for (const post of buyer.posts) {
        const arm = seen.get(armOf(campaign, post.body.ping_id as string)!)!;
        arm.sold++;
        arm.revenue += post.body.price as number;
      }
      const r = await admin(g, 'GET', '/v1/admin/experiments/auto');
      expect(r.status).toBe(200);
      const report = r.body;
      expect(report).toMatchObject({ campaign: 'auto', experiment: 'floor-test', control: 'control', alpha: 0.05, running_since: { version: startedOn } });
      expect(report.arms.map((a: { name: string; share: number; overrides: unknown }) => [a.name, a.share, a.overrides])).toEqual([
        ['control', 50, {}],
        ['high', 50, { floor: HIGH_FLOOR }],
      ]);
      for (const a of report.arms) {
        const want = seen.get(a.name)!;
        expect({ leads: a.leads, sold: a.sold, sales: a.sales }).toEqual({ leads: want.leads, sold: want.sold, sales: want.sold });
        expect(a.revenue).toBeCloseTo(want.revenue, 6);
        // the campaign's margin is 20%: the seller is paid 80% of each price
        expect(a.payout).toBeCloseTo(want.revenue * 0.8, 6);
        expect(a.margin).toBeCloseTo(want.revenue * 0.2, 6);
        expect(a.fill).toBeCloseTo(want.sold / want.leads, 12);
        expect(a.margin_per_lead).toBeCloseTo((want.revenue * 0.2) / want.leads, 6);
        expect(a.fill_ci.low).toBeLessThanOrEqual(a.fill);
        expect(a.fill_ci.high).toBeGreaterThanOrEqual(a.fill);
        expect(a.margin_per_lead_ci.low).toBeLessThan(a.margin_per_lead);
        expect(a.margin_per_lead_ci.high).toBeGreaterThan(a.margin_per_lead);
      }
      // the control sells every lead; the high floor fewer: its fill is lower, and so it is said
      const [control, high] = report.arms;
      expect(control.fill).toBe(1);
      expect(high.fill).toBeLessThan(1);
      expect(control.vs_control).toBeNull();
      expect(high.vs_control.fill.difference).toBeCloseTo(high.fill - 1, 12);
      expect(high.vs_control.fill.significant).toBe(high.vs_control.fill.p < 0.05);
      expect(high.vs_control.margin_per_lead.difference).toBeCloseTo(high.margin_per_lead - control.margin_per_lead, 5);
      expect(report.significant).toBe(high.vs_control.fill.significant || high.vs_control.margin_per_lead.significant);

      // the end: an arm the test lacks is refused, naming its arms; then `high` is published
      const unknown = await admin(g, 'POST', '/v1/admin/campaigns/auto/experiment/end', { arm: 'nope' });
      expect(unknown.status).toBe(422);
      expect(unknown.body.error).toMatchObject({ code: 'UNKNOWN_ARM', details: [{ path: 'arm', message: 'one of control, high' }] });
      expect((await admin(g, 'POST', '/v1/admin/campaigns/home/experiment/end', { arm: 'high' })).body.error.code).toBe('NO_EXPERIMENT');
      const ended = await admin(g, 'POST', '/v1/admin/campaigns/auto/experiment/end', { arm: 'high' });
      expect(ended.status).toBe(200);
      expect(ended.body).toMatchObject({ version: startedOn + 1, live_here: true, comment: 'A/B test floor-test of campaign auto ended: arm high published' });
      const live = (await admin(g, 'GET', '/v1/admin/config')).body;
      expect(live.version).toBe(startedOn + 1);
      const auto = live.document.campaigns.find((c: { id: string }) => c.id === 'auto');
      expect(auto.floor).toBe(HIGH_FLOOR);
      expect(auto).not.toHaveProperty('experiment');
      // audited as a publish by the operator's key
      expect((await admin(g, 'GET', '/v1/admin/audit?limit=5')).body.audit[0]).toMatchObject({ what: 'publish', detail: expect.objectContaining({ version: startedOn + 1 }) });
      // no test runs now: the report and a second end say so
      expect((await admin(g, 'GET', '/v1/admin/experiments/auto')).body.error.code).toBe('NO_EXPERIMENT');
      expect((await admin(g, 'POST', '/v1/admin/campaigns/auto/experiment/end', { arm: 'high' })).status).toBe(404);
      // and the exchange runs the campaign at the published floor, with no arm
      const low = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead({ age: 30 })) });
      expect(low.body).toMatchObject({ status: 'no_bid', reason: 'NO_BID' });
      const hi = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead({ age: 60 })) });
      expect(hi.body.status).toBe('bid');
      const seg = ((await readTrace(g, hi.body.ping_id)).body.segments as TraceSegment[])[0]!;
      expect(seg.arm).toBeUndefined();
    });
  }

  it('a ping on one process and its post on another run under one arm: the arm is the id\'s, not the process\'s', async () => {
    const buyer = await startBuyer((c) => ({ body: { bid: bidOf(Number((c.body.lead as { age: number }).age)) } }));
    open.buyers.push(buyer);
    // two processes on one Redis (one prefix): the auction between ping and post lives there
    const config = splitConfig(buyer.url);
    const first = await startExchange(config, 'redis');
    const second = await startExchange(config, 'redis');
    open.g = first;
    try {
      const campaign = compileRuntime(parseConfig(config), undefined).campaigns.get('auto')!;
      const byArm = new Map<string, number>();
      for (let i = 0; i < 16; i++) {
        // every lead bid over the high floor, so every ping is posted
        const lead = fullLead({ age: 60 + i });
        const ping = await call(first.port, '/v1/ping', { campaign: 'auto', lead: pingLead(lead) });
        expect(ping.body.status).toBe('bid');
        expect((await call(second.port, '/v1/post', { ping_id: ping.body.ping_id, lead })).body.status).toBe('sold');
        const arm = armOf(campaign, ping.body.ping_id)!;
        byArm.set(arm, (byArm.get(arm) ?? 0) + 1);
        // each process writes its own segment, in its own batch: read once both are in the store
        // (in the order the batches landed, which a busy box may turn: by phase here)
        const segsOf = async () =>
          (((await readTrace(second, ping.body.ping_id)).body.segments ?? []) as TraceSegment[])
            .map((x) => [x.phase, x.arm])
            .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
        await expect.poll(segsOf, { timeout: 3000 }).toEqual([
          ['ping', arm],
          ['post', arm],
        ]);
      }
      expect(byArm.size).toBe(2);
    } finally {
      await stopExchange(second);
    }
  });

  it('the report and the end are the operator\'s: a seller\'s key is refused, on either listener', async () => {
    const buyer = await startBuyer(() => ({ body: { bid: 3 } }));
    open.buyers.push(buyer);
    const g = await start('embedded', splitConfig(buyer.url));
    expect((await admin(g, 'GET', '/v1/admin/experiments/auto', undefined, 'seller-key-0123456789')).status).toBe(403);
    expect((await admin(g, 'POST', '/v1/admin/campaigns/auto/experiment/end', { arm: 'high' }, 'seller-key-0123456789')).status).toBe(403);
    expect((await admin(g, 'GET', '/v1/admin/experiments/auto', undefined, null)).status).toBe(401);
    const res = await fetch(`http://127.0.0.1:${g.port}/v1/admin/experiments/auto`, { headers: { authorization: 'Bearer seller-key-0123456789' } });
    expect(res.status).toBe(404);
    // a body without an arm is refused before anything is published
    const bad = await admin(g, 'POST', '/v1/admin/campaigns/auto/experiment/end', {});
    expect(bad.body.error).toMatchObject({ code: 'INVALID_REQUEST', details: [{ path: 'arm' }] });
    expect((await admin(g, 'GET', '/v1/admin/config')).body.document.campaigns[0].experiment.id).toBe('floor-test');
  });
});
