import { describe, expect, it } from 'vitest';
import { msBucket } from '../../src/ledger/lead-stats.js';
import { AUCTION_MS_BUCKETS } from '../../src/ledger/ledger.js';
import { bucketQuantile, hourSpan } from '../../src/ledger/reports.js';

describe('report arithmetic', () => {
  it('an auction time goes in the first bucket whose bound is at or above it; past the last bound, in the one above', () => {
    expect(msBucket(0)).toBe(0);
    expect(msBucket(1)).toBe(0);
    expect(msBucket(1.01)).toBe(1);
    expect(msBucket(150)).toBe(AUCTION_MS_BUCKETS.indexOf(150));
    expect(msBucket(151)).toBe(AUCTION_MS_BUCKETS.indexOf(200));
    expect(msBucket(1e9)).toBe(AUCTION_MS_BUCKETS.length);
  });

  it('p50 and p99 are the bounds of the buckets the ranks fall in', () => {
    const ms = new Array<number>(AUCTION_MS_BUCKETS.length + 1).fill(0);
    expect(bucketQuantile(ms, 0.5)).toBeNull();
    // 100 auctions: 60 within 10 ms, 39 within 100 ms, 1 over 30 s
    ms[msBucket(10)] = 60;
    ms[msBucket(100)] = 39;
    ms[AUCTION_MS_BUCKETS.length] = 1;
    expect(bucketQuantile(ms, 0.5)).toBe(10);
    expect(bucketQuantile(ms, 0.6)).toBe(10);
    expect(bucketQuantile(ms, 0.61)).toBe(100);
    expect(bucketQuantile(ms, 0.99)).toBe(100);
    // the one above the last bound reads as that bound: at least 30 s
    expect(bucketQuantile(ms, 1)).toBe(30_000);
  });

  it('a span is widened to whole UTC hours', () => {
    const h = Date.parse('2026-11-22T10:00:00Z');
    expect(hourSpan(h, h + 3_600_000)).toEqual({ from: h, to: h + 3_600_000 });
    expect(hourSpan(h + 1, h + 3_600_001)).toEqual({ from: h, to: h + 7_200_000 });
  });
});
