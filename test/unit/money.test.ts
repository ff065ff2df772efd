import { describe, expect, it } from 'vitest';
import { fromMicros, marginPpm, sellerPrice, toMicros } from '../../src/core/money.js';

describe('money in micros', () => {
  it('pays the seller the bid less the margin, without float error', () => {
    expect(fromMicros(sellerPrice(toMicros(10.5), marginPpm(0.2)))).toBe(8.4);
    expect(fromMicros(sellerPrice(toMicros(0.1 + 0.2), marginPpm(0.1)))).toBe(0.27);
    expect(sellerPrice(toMicros(12.5), 0)).toBe(12_500_000);
  });

  it('rounds the seller down to the micro and survives large bids', () => {
    expect(sellerPrice(1, marginPpm(0.5))).toBe(0);
    expect(sellerPrice(3, marginPpm(1 / 3))).toBe(2);
    expect(sellerPrice(toMicros(1_000_000), marginPpm(0.2))).toBe(800_000_000_000);
  });
});
