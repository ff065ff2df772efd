import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { admit, openRun } from '../../src/auction/admission.js';
import { eligibility } from '../../src/auction/eligibility.js';
import type { PingEnvelope } from '../../src/protocol/seller-api.js';
import { counted, fullLead, partsOf, pingLead, runtimeOf, sellerOf, stageConfig, traceOf } from './stage-fixtures.js';

type BuyerConfig = { id: string } & Record<string, unknown>;

/** One auction's eligibility for buyers configured so, on a fresh memory store. */
function market(buyers: BuyerConfig[], seller: Record<string, unknown> = {}, campaign: Record<string, unknown> = {}) {
  const runtime = runtimeOf(stageConfig(buyers, campaign, seller));
  const parts = partsOf(runtime);
  /** who may be pinged for a ping of `lead` (its ping fields alone) or, `full`, a direct post of it */
  const judge = async (lead: Record<string, unknown>, over: Partial<PingEnvelope> = {}, full = false) => {
    const trace = traceOf(full ? 'leads' : 'ping');
    const env: PingEnvelope = { campaign: 'auto', lead: full ? lead : pingLead(lead), test: false, ...over };
    const run = openRun(runtime, sellerOf(runtime), full ? 'leads' : 'ping', env, performance.now(), trace);
    expect(await admit(run, parts)).toBe('ok');
    const eligible = await eligibility(run, parts);
    return { eligible: eligible.map((b) => b.id), left: trace.seg.buyers.map((b) => [b.buyer, b.outcome, ...(b.detail === undefined ? [] : [b.detail])]) };
  };
  return { runtime, parts, judge };
}

describe('eligibility', () => {
  it('every buyer whose own rules refuse the lead is left out with its reason, the rest kept in plan order', async () => {
    const { judge, parts } = market(
      [
        { id: 'open' },
        { id: 'no-test', accepts_test: false },
        { id: 'blocks-seller', sellers: { block: ['pub1'] } },
        { id: 'blocked-by-seller' },
        { id: 'sub-ids', sub_ids: { allow: ['s-1'] } },
        { id: 'closed', schedule: { hours: { mon: 'closed' } } },
        { id: 'ny-only', filters: { field: 'state', equals: 'NY' } },
        { id: 'tests-too', accepts_test: true },
      ],
      { buyers: { block: ['blocked-by-seller'] } },
    );
    const live = await judge(fullLead(), { sub_id: 's-2' });
    expect(live.eligible).toEqual(['open', 'no-test', 'tests-too']);
    expect(live.left).toEqual([
      ['blocks-seller', 'SELLER_BLOCKED'],
      ['blocked-by-seller', 'BUYER_BLOCKED'],
      ['sub-ids', 'SUB_ID_BLOCKED'],
      ['closed', 'CLOSED'],
      ['ny-only', 'FILTERED'],
    ]);
    expect(await counted(parts.metrics.leftOut, { buyer: 'closed', reason: 'CLOSED' })).toBe(1);
    const test = await judge(fullLead(), { test: true, sub_id: 's-1' });
    expect(test.eligible).toEqual(['tests-too']);
    // the cheapest rule first: a buyer that takes no test lead is left out for that, whatever else it says
    expect(test.left).toEqual(['open', 'no-test', 'blocks-seller', 'blocked-by-seller', 'sub-ids', 'closed', 'ny-only'].map((b) => [b, 'TEST_LEAD']));
  });

  it('a filter on a field a ping does not carry waits for the full lead: the buyer is pinged', async () => {
    const { judge } = market([{ id: 'named', filters: { field: 'name', equals: 'Grace Hopper' } }]);
    expect((await judge(fullLead())).eligible).toEqual(['named']);
    // a direct post carries the field: judged at once
    expect(await judge(fullLead(), {}, true)).toEqual({ eligible: [], left: [['named', 'FILTERED']] });
  });

  it('a buyer with a cap already full is left out with CAP_REACHED and the window', async () => {
    const { judge } = market([{ id: 'full', caps: { rolling: [{ window: '60m', max: 0 }] } }, { id: 'room', caps: { rolling: [{ window: '60m', max: 5 }] } }]);
    const { eligible, left } = await judge(fullLead());
    expect(eligible).toEqual(['room']);
    expect(left).toEqual([['full', 'CAP_REACHED', 'count r:60m']]);
  });

  it('a buyer past its ping rate is left out with PING_RATE; a test lead is not counted against it', async () => {
    const { judge } = market([{ id: 'slow', accepts_test: true, caps: { ping_rate: '1/m' } }]);
    expect((await judge(fullLead())).eligible).toEqual(['slow']);
    expect((await judge(fullLead(), { test: true })).eligible).toEqual(['slow']);
    expect(await judge(fullLead())).toEqual({ eligible: [], left: [['slow', 'PING_RATE']] });
  });

  it('a buyer with as many pings in flight as it allows is left out with MAX_IN_FLIGHT until one settles', async () => {
    const { judge, parts } = market([{ id: 'busy', max_in_flight: 1 }]);
    // eligibility takes the ping slot; the fan-out gives it back when the ping settles
    expect((await judge(fullLead())).eligible).toEqual(['busy']);
    expect(await judge(fullLead())).toEqual({ eligible: [], left: [['busy', 'MAX_IN_FLIGHT']] });
    parts.guards.settle('busy', { kind: 'pass', pass: 'NO_BID', reason: undefined, ms: 1 }, Date.now(), Date.now());
    expect((await judge(fullLead())).eligible).toEqual(['busy']);
  });

  it('a fixed-price buyer is not pinged, so its entry says it was eligible', async () => {
    const { judge } = market([{ id: 'fixed', price: 4 }]);
    expect(await judge(fullLead())).toEqual({ eligible: ['fixed'], left: [['fixed', 'ELIGIBLE']] });
  });

  it('a buyer that bought a lead with these identifiers (a buyer-scope rule) is left out with ALREADY_SOLD_TO_BUYER', async () => {
    const { judge, parts, runtime } = market([{ id: 'a' }, { id: 'b' }], {}, { dedup: [{ fields: ['phone'], window: '30d' }, { fields: ['email'], window: '30d', scope: 'buyer' }] });
    // what the post loop leaves when "a" accepts a first lead: a committed hold with the lead's purchases
    const first = fullLead({ email: 'once@example.com' });
    const run = openRun(runtime, sellerOf(runtime), 'leads', { campaign: 'auto', lead: first, test: false }, performance.now(), traceOf('leads'));
    expect(await admit(run, parts)).toBe('ok');
    const now = Date.now();
    expect(await parts.store.hold('a', run.id, 1_000_000, { calendar: [], rolling: [] }, run.bought, now, now + 60_000)).toEqual({ ok: true });
    expect(await parts.store.commitHold('a', run.id, now, run.digests.bought.map((b) => ({ digest: b.digest, until: now + b.windowMs })))).toBe(true);
    const again = await judge(fullLead({ email: 'once@example.com' }), {}, true);
    expect(again).toEqual({ eligible: ['b'], left: [['a', 'ALREADY_SOLD_TO_BUYER']] });
  });
});
