import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/telemetry/metrics.js';
import { MarketSampler, quantile, type MarketSample } from '../../src/telemetry/market-sampler.js';

describe('the live market sampler', () => {
  it('reads a quantile off the buckets observed between two readings', () => {
    const before = [{ le: 1, n: 10 }, { le: 5, n: 10 }, { le: Infinity, n: 10 }];
    const now = [{ le: 1, n: 10 }, { le: 5, n: 19 }, { le: Infinity, n: 20 }];
    expect(quantile(now, before, 0.5)).toBe(5);
    // the top 10% fell past the last bound: the last finite bound is the best it can say
    expect(quantile(now, before, 0.99)).toBe(5);
    expect(quantile(before, before, 0.5)).toBeNull();
  });

  it("turns the counters' changes over a second into rates, per buyer too, and stops when nobody watches", async () => {
    const m = createMetrics(() => [], () => [['acme', 'open']]);
    const sampler = new MarketSampler(m, 50);
    const seen: MarketSample[] = [];
    const stop = sampler.subscribe((s) => seen.push(s));
    await new Promise((r) => setTimeout(r, 20));
    const bid = m.bids.cell({ buyer: 'acme' });
    for (let i = 0; i < 4; i++) {
      m.pings.inc({ campaign: 'auto', outcome: i < 3 ? 'bid' : 'no_bid' });
      bid.inc();
      m.auctionSeconds.observe({ campaign: 'auto' }, 0.008);
    }
    m.passes.inc({ buyer: 'acme', kind: 'TIMEOUT' });
    m.timeouts.inc({ buyer: 'acme' });
    m.posts.inc({ buyer: 'acme', result: 'accepted' });
    await new Promise((r) => setTimeout(r, 80));
    stop();
    const last = seen.find((s) => s.pings_total === 4 && s.fill !== null)!;
    expect(last).toBeDefined();
    expect(last.fill).toBeCloseTo(0.75);
    expect(last.pings_per_s).toBeGreaterThan(0);
    expect(last.auction_p50_ms).toBe(10);
    expect(last.buyers).toEqual([expect.objectContaining({ buyer: 'acme', bid_rate: 0.8, win_rate: 0.25, timeouts: 1, breaker: 'open' })]);
    const n = seen.length;
    await new Promise((r) => setTimeout(r, 120));
    expect(seen.length).toBe(n);
  });

  it("counts a win whose post came in the second after its bid: shares are over the last half minute", async () => {
    const m = createMetrics(() => [], () => []);
    const sampler = new MarketSampler(m, 40);
    const seen: MarketSample[] = [];
    const stop = sampler.subscribe((s) => seen.push(s));
    await new Promise((r) => setTimeout(r, 10));
    m.bids.cell({ buyer: 'acme' }).inc();
    // the sampler reads between the bid and its post
    await new Promise((r) => setTimeout(r, 90));
    m.posts.inc({ buyer: 'acme', result: 'accepted' });
    await new Promise((r) => setTimeout(r, 90));
    stop();
    const last = seen.at(-1)!;
    expect(last.buyers).toEqual([expect.objectContaining({ buyer: 'acme', bid_rate: 1, win_rate: 1 })]);
  });
});
