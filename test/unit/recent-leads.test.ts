import { describe, expect, it } from 'vitest';
import { RecentLeads } from '../../src/trace/recent-leads.js';

const seg = (n: number, over: Record<string, unknown> = {}) =>
  JSON.stringify({
    lead_id: `lead-${n}`, phase: 'ping', at: new Date(Date.UTC(2026, 11, 3, 10, 0, n)).toISOString(), seller: n % 2 === 0 ? 'even' : 'odd', campaign: 'auto',
    pings: [['acme', 0, 1, 'bid', 9, null], ...(n % 3 === 0 ? [['nope', 0, 1, 'NO_BID', null, null]] : [])], posts: [], sold: [], ranking: [],
    result: n % 2 === 0 ? { status: 'bid', price: 7.2 } : { status: 'no_bid', reason: 'NO_ELIGIBLE_BUYERS' }, ...over,
  });

describe('recent leads', () => {
  it('keeps the last N, newest first, and filters by seller, buyer, outcome and time', () => {
    const r = new RecentLeads(5);
    expect(r.list({ limit: 10 })).toEqual([]);
    for (let n = 1; n <= 7; n++) r.add(seg(n));
    expect(r.list({ limit: 10 }).map((l) => l.lead_id)).toEqual(['lead-7', 'lead-6', 'lead-5', 'lead-4', 'lead-3']);
    expect(r.list({ limit: 2 }).map((l) => l.lead_id)).toEqual(['lead-7', 'lead-6']);
    expect(r.list({ limit: 10, seller: 'even' }).map((l) => l.lead_id)).toEqual(['lead-6', 'lead-4']);
    expect(r.list({ limit: 10, buyer: 'nope' }).map((l) => l.lead_id)).toEqual(['lead-6', 'lead-3']);
    expect(r.list({ limit: 10, outcome: 'no_bid' }).map((l) => l.outcome)).toEqual(['no_bid/NO_ELIGIBLE_BUYERS', 'no_bid/NO_ELIGIBLE_BUYERS', 'no_bid/NO_ELIGIBLE_BUYERS']);
    const at = (n: number) => Date.UTC(2026, 11, 3, 10, 0, n);
    expect(r.list({ limit: 10, from: at(4), to: at(6) }).map((l) => l.lead_id)).toEqual(['lead-5', 'lead-4']);
  });

  it('names the buyer a post sold to', () => {
    const r = new RecentLeads(2);
    r.add(seg(1, { phase: 'post', pings: [], posts: [{ buyer: 'acme', price: 9, sent_ms: 0, ms: 2, accepted: true }], sold: [{ buyer: 'acme', price: 9, payout: 7.2 }], result: { status: 'sold', price: 7.2 } }));
    expect(r.list({ limit: 1 })[0]).toMatchObject({ phase: 'post', buyers: ['acme'], sold_to: 'acme', outcome: 'sold' });
  });
});
