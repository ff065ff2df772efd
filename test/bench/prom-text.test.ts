import { describe, expect, it } from 'vitest';
import { Histogram, Registry } from 'prom-client';
import { bucketQuantile, parsePromText } from '../../bench/support/prom-text.js';
import { MS_PER_SECOND } from '../../src/telemetry/metrics.js';

/** The bench reads Gavel's `_seconds` histograms and reports them in ms, as it did when they were `_ms`. */
describe('bucketQuantile on a seconds histogram', () => {
  it('shows the bucket bound in ms, without float noise (0.035 s is "<= 35")', async () => {
    const registry = new Registry();
    const h = new Histogram({ name: 'gavel_auction_duration_seconds', help: 'h', buckets: [0.001, 0.005, 0.035, 0.05], registers: [registry] });
    const before = parsePromText(await registry.metrics());
    for (let i = 0; i < 99; i++) h.observe(0.03);
    h.observe(0.0009);
    const after = parsePromText(await registry.metrics());
    expect(bucketQuantile(before, after, 'gavel_auction_duration_seconds', 0.99, MS_PER_SECOND)).toBe('<= 35');
    expect(bucketQuantile(before, after, 'gavel_auction_duration_seconds', 0.01, MS_PER_SECOND)).toBe('<= 1');
    // unscaled, the bound as exported
    expect(bucketQuantile(before, after, 'gavel_auction_duration_seconds', 0.99)).toBe('<= 0.035');
    h.observe(7);
    h.observe(7);
    expect(bucketQuantile(before, parsePromText(await registry.metrics()), 'gavel_auction_duration_seconds', 0.99, MS_PER_SECOND)).toBe('> 50');
  });
});
