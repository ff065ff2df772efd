import { afterEach, describe, expect, it } from 'vitest';
import { recordedPing, replayPing } from '../../src/auction/replay-ping.js';
import { parseConfig } from '../../src/config/load-config.js';
import { compileRuntime } from '../../src/config/runtime.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { toMicros } from '../../src/core/money.js';
import type { Gavel } from '../../src/gavel.js';
import type { TraceSegment } from '../../src/trace/lead-trace.js';
import { startBuyer, type TestBuyer } from '../support/buyer-server.js';
import { admin, startEmbeddedExchange, startRedisPostgresExchange } from '../support/admin-api.js';
import { call, dropSchema, fullLead, pingLead, readTrace, startExchange, stopExchange, testConfig, testSchema } from '../support/exchange.js';

const open: TestBuyer[] = [];
let g: Gavel | undefined;
afterEach(async () => {
  if (g) await stopExchange(g);
  g = undefined;
  for (const b of open.splice(0)) await b.close();
});

/** The lead's age sets the bids, so each lead has its own best bid. */
const bidOf = (age: number, k: number) => Math.round((age / 10) * k * 100) / 100;

/**
 * Three buyers: `high` and `low` bid by the lead's age, `ny` takes New York leads only (a
 * filter). Eight pings of varied states and ages are run live, and their traces read back.
 */
async function recorded(start: 'memory' | 'embedded' | 'redis+postgres' = 'memory'): Promise<{ config: ConfigInput; segs: TraceSegment[]; close?: () => Promise<void> }> {
  const buyers = {
    high: await startBuyer((req) => ({ body: { bid: bidOf(Number((req.body as { lead: { age: number } }).lead.age), 1.5) } })),
    low: await startBuyer((req) => ({ body: { bid: bidOf(Number((req.body as { lead: { age: number } }).lead.age), 1) } })),
    ny: await startBuyer(() => ({ body: { bid: 4 } })),
  };
  open.push(...Object.values(buyers));
  const config = testConfig(Object.entries(buyers).map(([id, b]) => ({ id, url: b.url })), { floor: 1 });
  config.buyers = config.buyers.map((b) => (b.id === 'ny' ? { ...b, filters: { field: 'state', equals: 'NY' } } : b));
  let close: (() => Promise<void>) | undefined;
  if (start === 'embedded') ({ g, close } = await startEmbeddedExchange(config));
  else if (start === 'redis+postgres') {
    const schema = testSchema();
    const started = await startRedisPostgresExchange(config, schema);
    g = started.g;
    close = async () => {
      await started.close();
      await dropSchema(schema);
    };
  } else g = await startExchange(config, 'memory');
  const segs: TraceSegment[] = [];
  const leads = [20, 25, 30, 35, 40, 50, 60, 70].map((age, i) => fullLead({ age, state: i % 3 === 0 ? 'NY' : 'CA' }));
  for (const lead of leads) {
    const ping = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(lead) });
    expect(ping.body.status).toBe('bid');
    const trace = await readTrace(g, ping.body.ping_id as string);
    segs.push((trace.body.segments as TraceSegment[])[0]!);
  }
  return { config, segs, ...(close !== undefined ? { close } : {}) };
}

const runtimeOf = (config: ConfigInput) => compileRuntime(parseConfig(config), undefined);

describe('replaying recorded pings under a version', () => {
  it('the live version replayed on its own recorded pings offers what was offered, to the buyer that was held', async () => {
    const { config, segs } = await recorded();
    const live = runtimeOf(config);
    for (const seg of segs) {
      const r = recordedPing(seg);
      expect(r).not.toBeNull();
      const replayed = await replayPing(live, r!);
      expect(replayed.skipped).toBeUndefined();
      expect(replayed.unobserved).toEqual([]);
      expect(replayed.offerMicros).toBe(toMicros(seg.result!.price!));
      expect(replayed.winner).toBe(seg.buyers.find((x) => x.stage === 'hold' && x.outcome === 'HELD')!.buyer);
      // the filter judged on the recorded fields: ny is eligible exactly for the New York leads
      expect(replayed.eligible.includes('ny')).toBe(r!.fields.state === 'NY');
    }
  });

  it('what if the floor were raised: the leads it costs are those whose best recorded bid is under it, and a buyer never pinged is counted, not guessed', async () => {
    const { config, segs } = await recorded();
    const floor = 6;
    const draft = runtimeOf({ ...config, campaigns: config.campaigns.map((c) => ({ ...c, floor })) });
    const best = (seg: TraceSegment) => Math.max(...seg.pings.filter((p) => p.kind === 'bid').map((p) => p.bid!));
    const lost: string[] = [];
    for (const seg of segs) if ((await replayPing(draft, recordedPing(seg)!)).winner === null) lost.push(seg.lead_id);
    const under = segs.filter((s) => best(s) < floor).map((s) => s.lead_id);
    expect(under.length).toBeGreaterThan(0);
    expect(under.length).toBeLessThan(segs.length);
    expect(lost).toEqual(under);

    // a draft with a buyer the live run never pinged: eligible, unobserved, no bid of its own
    const withNew = runtimeOf({ ...config, buyers: [...config.buyers, { ...config.buyers[0]!, id: 'newcomer' }] });
    const replayed = await replayPing(withNew, recordedPing(segs[1]!)!);
    expect(replayed.unobserved).toEqual(['newcomer']);
    expect(replayed.ranked.map((x) => x.buyer)).not.toContain('newcomer');

    // not replayable: a segment recorded without its fields, and a campaign the version lacks
    const { fields: _dropped, ...bare } = segs[0]!;
    expect(recordedPing(bare as TraceSegment)).toBeNull();
    expect((await replayPing(runtimeOf(config), { ...recordedPing(segs[0]!)!, campaign: 'gone' })).skipped).toBe('UNKNOWN_CAMPAIGN');
    expect((await replayPing(runtimeOf(config), { ...recordedPing(segs[0]!)!, seller: 'gone' })).skipped).toBe('UNKNOWN_SELLER');
  });

  for (const start of ['embedded', 'redis+postgres'] as const) {
  it(`${start}: POST /v1/admin/drafts/{id}/replay: a draft with a raised floor, replayed on the range, against live, with the pings it changes`, async () => {
    const from = new Date(Date.now() - 1000).toISOString();
    const { segs, close } = await recorded(start);
    const to = new Date(Date.now() + 1000).toISOString();
    const draft = await admin(g!, 'POST', '/v1/admin/drafts', {});
    const doc = draft.body.document as { campaigns: { floor: number }[] };
    doc.campaigns[0]!.floor = 6;
    expect((await admin(g!, 'PUT', `/v1/admin/drafts/${draft.body.id}`, { document: doc })).status).toBe(200);
    // the lead index is written with the trace batches: wait until every ping is in it
    await expect.poll(async () => (await admin(g!, 'POST', `/v1/admin/drafts/${draft.body.id}/replay`, { from, to })).body.pings, { timeout: 3000 }).toBe(segs.length);
    const r = (await admin(g!, 'POST', `/v1/admin/drafts/${draft.body.id}/replay`, { from, to })).body;
    const best = (seg: TraceSegment) => Math.max(...seg.pings.filter((p) => p.kind === 'bid').map((p) => p.bid!));
    const under = segs.filter((x) => best(x) < 6);
    expect(r).toMatchObject({ draft: draft.body.id, leads: segs.length, not_recorded: 0, changed_count: under.length });
    // live, replayed, offers what was offered: every ping, the same sum
    expect(r.live.offers).toBe(segs.length);
    expect(r.live.offered).toBeCloseTo(segs.reduce((sum, x) => sum + x.result!.price!, 0), 2);
    expect(r.draft_totals.offers).toBe(segs.length - under.length);
    expect(r.changed.map((c: { lead_id: string }) => c.lead_id).sort()).toEqual(under.map((x) => x.lead_id).sort());
    for (const c of r.changed) expect(c.draft).toEqual({ winner: null, offer: null });
    // bad requests: a range that ends before it starts, an unknown draft
    expect((await admin(g!, 'POST', `/v1/admin/drafts/${draft.body.id}/replay`, { from: to, to: from })).body.error.code).toBe('INVALID_REQUEST');
    expect((await admin(g!, 'POST', '/v1/admin/drafts/nope/replay', { from, to })).body.error.code).toBe('DRAFT_NOT_FOUND');
    await stopExchange(g!);
    g = undefined;
    await close!();
  });
  }
});
