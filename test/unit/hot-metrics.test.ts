import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HotCounter } from '../../src/telemetry/hot-counter.js';
import { HotHistogram } from '../../src/telemetry/hot-histogram.js';

const BOUNDS = [1, 2, 5, 10, 20];
const VALUES = [0, 0.5, 1, 1.0001, 2, 3, 5, 7.5, 10, 19.99, 20, 20.01, 400, 3.25];

describe('hot metrics', () => {
  it('a hot histogram renders what prom-client renders for the same observations', async () => {
    const theirs = new Registry();
    const reference = new Histogram({ name: 'ms', help: 'h', labelNames: ['buyer'], buckets: BOUNDS, registers: [theirs] });
    const ours = new Registry();
    const hot = new HotHistogram('ms', 'h', BOUNDS, ours);
    const a = hot.cell({ buyer: 'a' });
    const b = hot.cell({ buyer: 'b' });
    VALUES.forEach((v, i) => {
      (i % 3 === 1 ? b : a).observe(v);
      reference.observe({ buyer: i % 3 === 1 ? 'b' : 'a' }, v);
    });
    expect(await ours.metrics()).toBe(await theirs.metrics());
    ours.resetMetrics();
    theirs.resetMetrics();
    reference.zero({ buyer: 'a' });
    reference.zero({ buyer: 'b' });
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it('a hot counter hands every increment over whenever the registry is read', async () => {
    const registry = new Registry();
    const hot = new HotCounter({ name: 'bids', help: 'h', labelNames: ['buyer'], registers: [registry] });
    const a = hot.cell({ buyer: 'a' });
    const b = hot.cell({ buyer: 'b' });
    for (let i = 0; i < 7; i++) a.inc();
    b.inc();
    expect(await registry.metrics()).toContain('bids{buyer="a"} 7');
    a.inc();
    const values = (await hot.counter.get()).values.map((v) => [v.labels.buyer, v.value]);
    expect(values).toEqual([
      ['a', 8],
      ['b', 1],
    ]);
  });
});
