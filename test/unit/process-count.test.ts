import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/load-config.js';
import { processCount } from '../../src/process-count.js';

describe('processCount (--processes, GAVEL_PROCESSES)', () => {
  it('is 1 unless told, the flag over the variable, an empty variable unset, auto one per usable core', () => {
    expect(processCount(undefined, {})).toBe(1);
    expect(processCount(undefined, { GAVEL_PROCESSES: '' })).toBe(1);
    expect(processCount(undefined, { GAVEL_PROCESSES: '3' })).toBe(3);
    expect(processCount('2', { GAVEL_PROCESSES: '3' })).toBe(2);
    expect(processCount('auto', {})).toBe(availableParallelism());
    expect(processCount(undefined, { GAVEL_PROCESSES: 'auto' })).toBe(availableParallelism());
  });

  it('refuses what is not a whole number from 1 to 256, naming where it came from', () => {
    for (const bad of ['0', '-1', '1.5', 'two', '257', ' 2x']) expect(() => processCount(bad, {}), bad).toThrow(ConfigError);
    expect(() => processCount(undefined, { GAVEL_PROCESSES: 'many' })).toThrow(/^GAVEL_PROCESSES: 1 problem\(s\)\n {2}"many": a whole number from 1 to 256, or auto/);
    expect(() => processCount('0', {})).toThrow(/^--processes:/);
  });
});
