import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/buyers/circuit-breaker.js';
import { BreakerSchema, type BreakerState } from '../../src/config/breaker-schema.js';

function breaker(config: Record<string, unknown>) {
  const moves: string[] = [];
  const b = new CircuitBreaker(BreakerSchema.parse(config), { windowMs: 10_000, openForMs: 1000 }, (from: BreakerState, to: BreakerState) => moves.push(`${from}>${to}`));
  return { b, moves };
}

describe('the circuit breaker', () => {
  it('opens on an error rate over the window once it has min_calls, not before; old calls leave the window', () => {
    const { b, moves } = breaker({ failures: 100, error_rate: 0.5, min_calls: 6 });
    let t = 0;
    for (const ok of [true, false, true, false, false]) b.record(ok, (t += 10), t);
    expect(b.state).toBe('closed'); // 3 of 5 failed, but 5 < min_calls
    b.record(true, (t += 10), t);
    expect(b.state).toBe('closed'); // 3 of 6: 0.5 reached only on a failure
    b.record(false, (t += 10), t);
    expect(moves).toEqual(['closed>open']); // 4 of 7
    // a fresh breaker: failures spread beyond the window never add up
    const spread = breaker({ failures: 100, error_rate: 0.5, min_calls: 4 });
    for (let i = 0; i < 20; i++) spread.b.record(i % 2 === 0, i * 6000, i * 6000); // half fail, but never 4 calls within 10 s
    expect(spread.b.state).toBe('closed');
  });

  it('half-open lets exactly one probe through; answers of pings sent before it opened do not count', () => {
    const { b, moves } = breaker({ failures: 2 });
    b.record(false, 0, 0);
    b.record(false, 1, 0);
    expect(b.allow(500)).toBe(false);
    b.record(true, 600, 0); // a ping sent before the trip answering late: ignored
    expect(b.state).toBe('open');
    expect(b.allow(1001)).toBe(true); // the probe
    expect(b.allow(1002)).toBe(false);
    b.record(true, 1003, 0); // sent before the probe: not the probe's answer
    expect(b.state).toBe('half_open');
    b.record(false, 1010, 1001);
    expect(b.state).toBe('open');
    expect(b.allow(2100)).toBe(true);
    // a probe never answered (its buyer left out after allow): another is let through after open_for
    expect(b.allow(3200)).toBe(true);
    b.record(true, 3210, 3200);
    expect(moves).toEqual(['closed>open', 'open>half_open', 'half_open>open', 'open>half_open', 'half_open>closed']);
    expect(b.allow(3300)).toBe(true);
  });
});
