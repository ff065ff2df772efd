import { describe, expect, it } from 'vitest';
import { generatorFor } from '../../bench/support/closed-loop-generator.js';

describe('which generator measures a scenario', () => {
  it('takes wrk for a seller over HTTP and frames for one on the seller socket', () => {
    expect(generatorFor('http-5', 'wrk', 'http')).toBe('wrk');
    expect(generatorFor('seller-ws', 'frames', 'socket')).toBe('frames');
  });

  it('refuses wrk on the seller socket, naming frames, and frames over HTTP, naming wrk', () => {
    expect(() => generatorFor('seller-ws', 'wrk', 'socket')).toThrow(/seller-ws: its seller calls over the seller socket, which wrk does not speak; measure it with --generator frames/);
    expect(() => generatorFor('http-5', 'frames', 'http')).toThrow(/http-5: .*frames speaks only the seller socket: measure it with --generator wrk/);
    expect(() => generatorFor('http-5', 'autocannon', 'http')).toThrow(/not one of wrk .*, frames/);
  });
});
