import { afterEach, describe, expect, it } from 'vitest';
import { readRecorded } from '../../src/auction/recorded-traffic.js';
import type { RecordedLead } from '../../src/auction/recorded-lead.js';
import { ReplayEvidence } from '../../src/auction/replay-evidence.js';
import { replayLead, ReplayMarket } from '../../src/auction/replay-lead.js';
import type { ConfigInput } from '../../src/config/schema.js';
import type { Gavel } from '../../src/gavel.js';
import { startBuyer, type TestBuyer } from '../support/buyer-server.js';
import { admin, startEmbeddedExchange, startRedisPostgresExchange } from '../support/admin-api.js';
import { call, dropSchema, fullLead, pingLead, stopExchange, testConfig, testSchema } from '../support/exchange.js';

const open: TestBuyer[] = [];
let g: Gavel | undefined;
let closeStart: (() => Promise<void>) | undefined;
afterEach(async () => {
  if (g) await stopExchange(g);
  g = undefined;
  await closeStart?.();
  closeStart = undefined;
  for (const b of open.splice(0)) await b.close();
});

/** The lead's age sets the bids, so each lead has its own best bid. */
const bidOf = (age: number, k: number) => Math.round((age / 10) * k * 100) / 100;
const ageOf = (req: { body: unknown }) => Number((req.body as { lead: { age: number } }).lead.age);

/**
 * A small market run live, every moving part of a sale in it:
 * - `high` bids 1.5 × age/10 and rejects the posts of leads aged 30, 60 or 64 (the lead falls through);
 * - `low` bids age/10 and takes at most 2 leads a day (a cap that fills during the run);
 * - `ny` bids 4 on New York leads only (a filter);
 * - second price, a 20% margin, a floor of 1;
 * - twelve leads pinged then posted one after another, but for one the seller never posts,
 *   and two direct posts.
 */
async function market(start: 'embedded' | 'redis+postgres'): Promise<{ config: ConfigInput; ids: string[]; from: number; to: number; best: Map<string, number> }> {
  const buyers = {
    high: await startBuyer(
      (req) => ({ body: { bid: bidOf(ageOf(req), 1.5) } }),
      (req) => ({ body: [30, 60, 64].includes(ageOf(req)) ? { accepted: false, reason: 'NOT_NOW' } : { accepted: true } }),
    ),
    low: await startBuyer((req) => ({ body: { bid: bidOf(ageOf(req), 1) } })),
    ny: await startBuyer(() => ({ body: { bid: 4 } })),
  };
  open.push(...Object.values(buyers));
  const config = testConfig(
    Object.entries(buyers).map(([id, b]) => ({ id, url: b.url, ...(id === 'low' ? { caps: { daily: 2 } } : {}) })),
    { floor: 1, pricing: { second_price: { increment: 0.01 } } },
  );
  config.buyers = config.buyers.map((b) => (b.id === 'ny' ? { ...b, filters: { field: 'state', equals: 'NY' } } : b));
  if (start === 'embedded') ({ g, close: closeStart } = await startEmbeddedExchange(config));
  else {
    const schema = testSchema();
    const started = await startRedisPostgresExchange(config, schema);
    g = started.g;
    closeStart = async () => {
      await started.close();
      await dropSchema(schema);
    };
  }
  const from = Date.now() - 1;
  const ids: string[] = [];
  const best = new Map<string, number>();
  const ages = [20, 25, 30, 35, 40, 50, 60, 70, 22, 45, 33, 64];
  for (const [i, age] of ages.entries()) {
    const lead = fullLead({ age, state: i % 3 === 0 ? 'NY' : 'CA' });
    const ping = await call(g!.port, '/v1/ping', { campaign: 'auto', lead: pingLead(lead) });
    expect(ping.body.status).toBe('bid');
    const id = ping.body.ping_id as string;
    ids.push(id);
    best.set(id, Math.max(bidOf(age, 1.5), i % 3 === 0 ? 4 : 0));
    // the seller does not post one of them
    if (i === 4) continue;
    const post = await call(g!.port, '/v1/post', { ping_id: id, lead });
    expect(['sold', 'rejected']).toContain(post.body.status);
  }
  for (const age of [41, 58]) {
    const lead = fullLead({ age, state: 'CA' });
    const direct = await call(g!.port, '/v1/leads', { campaign: 'auto', lead });
    expect(['sold', 'rejected']).toContain(direct.body.status);
    ids.push(direct.body.lead_id as string);
    best.set(direct.body.lead_id as string, bidOf(age, 1.5));
  }
  await g!.ledgerWriter.drain(5000);
  return { config, ids, from, to: Date.now() + 1, best };
}

/** The draft of the live version with `edit` made to its document. */
async function draftWith(edit: (doc: { campaigns: Record<string, unknown>[]; buyers: Record<string, unknown>[] }) => void): Promise<string> {
  const draft = await admin(g!, 'POST', '/v1/admin/drafts', {});
  const doc = draft.body.document as { campaigns: Record<string, unknown>[]; buyers: Record<string, unknown>[] };
  edit(doc);
  expect((await admin(g!, 'PUT', `/v1/admin/drafts/${draft.body.id}`, { document: doc })).status).toBe(200);
  return draft.body.id as string;
}

async function replay(draft: string, from: number, to: number, expectLeads: number) {
  const ask = () => admin(g!, 'POST', `/v1/admin/drafts/${draft}/replay`, { from: new Date(from).toISOString(), to: new Date(to).toISOString() });
  // traces are written in batches: wait until every lead is there
  await expect.poll(async () => (await ask()).body.pings, { timeout: 5000 }).toBe(expectLeads);
  const r = await ask();
  expect(r.status).toBe(200);
  return r.body;
}

const money = (micros: number) => Math.round(micros / 10_000) / 100;

for (const start of ['embedded', 'redis+postgres'] as const) {
  describe(`replaying recorded traffic (${start})`, () => {
    it('the live version replayed reproduces the ledger exactly: each lead sold to the same buyers at the same prices and payouts, caps and fall-throughs included', async () => {
      const { ids, from, to } = await market(start);
      const sales = await g!.ledger.salesOf({ from: from - 60_000, to: to + 60_000, limit: 1000 });
      expect(sales.length).toBeGreaterThan(5);
      // the run had what makes a replay hard: a cap reached, and a post that fell through
      const r = await replay(await draftWith(() => undefined), from, to, ids.length);
      expect(r.live.buyers.low.cap_hits).toBeGreaterThan(0);
      expect(r.live.buyers.low.sold).toBe(2);

      // lead by lead, in process: the recorded traffic read back and replayed under live
      const recorded: RecordedLead[] = [];
      await readRecorded((each) => g!.store.scanTraces(from, to + 120_000, g!.live.current().runtime.data.trace.retention, each), from, to, 70_000, (l) => void recorded.push(l));
      expect(recorded.map((l) => l.leadId).sort()).toEqual([...ids].sort());
      const evidence = new ReplayEvidence(g!.runtime.acceptRate);
      for (const l of recorded) evidence.add(l);
      const liveMarket = new ReplayMarket(g!.live.current().runtime, evidence);
      let fellThrough = 0;
      for (const l of recorded) {
        const replayed = await replayLead(liveMarket, l);
        expect(replayed.estimated).toBe(false);
        const ledgerSales = sales.filter((s) => s.lead_id === l.leadId).map((s) => ({ buyer: s.buyer, priceMicros: s.price_micros, payoutMicros: s.payout_micros }));
        expect(replayed.sales).toEqual(ledgerSales);
        if (l.post !== null && l.post.fates.size > 1) fellThrough++;
      }
      expect(fellThrough).toBeGreaterThan(0);

      // and the API's account of live is the ledger's: sold, revenue, payout, per buyer
      const sum = (f: (s: (typeof sales)[number]) => number, of = sales) => of.reduce((n, s) => n + f(s), 0);
      expect(r).toMatchObject({ leads: ids.length, not_recorded: 0, truncated: false, changed_count: 0 });
      expect(r.live.sold).toBe(new Set(sales.map((s) => s.lead_id)).size);
      expect(r.live.revenue).toBeCloseTo(money(sum((s) => s.price_micros)), 2);
      expect(r.live.payout).toBeCloseTo(money(sum((s) => s.payout_micros)), 2);
      for (const buyer of ['high', 'low', 'ny']) {
        const own = sales.filter((s) => s.buyer === buyer);
        expect(r.live.buyers[buyer]?.sold ?? 0).toBe(own.length);
        expect(r.live.buyers[buyer]?.spend ?? 0).toBeCloseTo(money(sum((s) => s.price_micros, own)), 2);
      }
      expect(r.live.sellers.pub1.sold).toBe(r.live.sold);
      expect(r.live.estimated).toMatchObject({ leads: 0, sold: 0, bids: 0, posts: 0 });
      expect(r.draft_totals).toEqual(r.live);
    });

    it('what if: a raised floor costs exactly the leads whose best bid is under it; a tighter cap and a buyer let in are counted, the estimate shown apart', async () => {
      const { ids, from, to, best } = await market(start);
      // the floor: the leads it costs are those whose best bid is under it
      const floor = 6;
      const raised = await replay(await draftWith((d) => void (d.campaigns[0]!.floor = floor)), from, to, ids.length);
      const under = ids.filter((id) => best.get(id)! < floor);
      expect(under.length).toBeGreaterThan(0);
      expect(under.length).toBeLessThan(ids.length);
      type Changed = { lead_id: string; draft: { winner: string | null; estimated: boolean } };
      const changed = new Map<string, Changed>(raised.changed.map((c: Changed) => [c.lead_id, c]));
      // on what was observed, the leads it costs are exactly those; a buyer kept out by its cap
      // live (low) may find room in the draft, and its bid there is drawn, so said to be estimated
      for (const id of ids) {
        const c = changed.get(id);
        if (best.get(id)! < floor) expect(c?.draft.winner === null || c?.draft.estimated === true, `lead ${id}`).toBe(true);
        else expect(c?.draft.winner ?? 'kept', `lead ${id}`).not.toBeNull();
      }
      const observedLost = [...changed.values()].filter((c) => c.draft.winner === null).map((c) => c.lead_id);
      const drawn = under.filter((id) => changed.get(id)?.draft.estimated === true && changed.get(id)?.draft.winner !== null);
      expect(observedLost.sort()).toEqual(under.filter((id) => !drawn.includes(id)).sort());
      expect(raised.draft_totals.offers).toBe(raised.live.offers - observedLost.length);
      expect(raised.draft_totals.estimated.leads).toBeGreaterThanOrEqual(drawn.length);

      // a tighter cap: low takes one lead where it took two, and is kept out of more
      const capped = await replay(await draftWith((d) => void (d.buyers.find((b) => b.id === 'low')!.caps = { daily: 1 })), from, to, ids.length);
      expect(capped.draft_totals.buyers.low.sold).toBe(1);
      expect(capped.draft_totals.buyers.low.cap_hits).toBeGreaterThan(capped.live.buyers.low.cap_hits);
      expect(capped.changed_count).toBeGreaterThan(0);

      // ny let in on every state: it was never pinged for the California leads, so its answers
      // there are drawn from its own recorded ones (4, every time), and said to be estimates
      const open = await replay(await draftWith((d) => void delete d.buyers.find((b) => b.id === 'ny')!.filters), from, to, ids.length);
      const california = ids.length - 4;
      expect(open.draft_totals.estimated.unobserved.ny).toBe(california);
      // and low, kept out by its cap live, finds room when ny takes leads from it: unobserved too
      expect(open.draft_totals.estimated.bids).toBeGreaterThanOrEqual(california);
      expect(open.draft_totals.estimated.leads).toBeGreaterThan(0);
      expect(open.live.estimated.leads).toBe(0);
      expect(open.draft_totals.buyers.ny.bids).toBe(ids.length);
      for (const c of open.changed) expect(c.draft.estimated).toBe(true);

      // bad requests: a range that ends before it starts, an unknown draft
      const iso = (t: number) => new Date(t).toISOString();
      expect((await admin(g!, 'POST', `/v1/admin/drafts/${raised.draft}/replay`, { from: iso(to), to: iso(from) })).body.error.code).toBe('INVALID_REQUEST');
      expect((await admin(g!, 'POST', '/v1/admin/drafts/nope/replay', { from: iso(from), to: iso(to) })).body.error.code).toBe('DRAFT_NOT_FOUND');
    });
  });
}
