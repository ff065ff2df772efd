import { describe, expect, it } from 'vitest';
import { MAX_BACKOFF_MS, quickDeaths, restartDelay, STABLE_AFTER_MS } from '../../src/restart-backoff.js';

describe('the supervisor\'s restart backoff', () => {
  it('starts a process that had lived a while again at once; one dying soon after each start waits 250 ms, doubling, at most 30 s', () => {
    expect(restartDelay(quickDeaths(5, STABLE_AFTER_MS))).toBe(0);
    let deaths = 0;
    const waits: number[] = [];
    for (let i = 0; i < 10; i++) {
      deaths = quickDeaths(deaths, 100);
      waits.push(restartDelay(deaths));
    }
    expect(waits).toEqual([250, 500, 1000, 2000, 4000, 8000, 16000, MAX_BACKOFF_MS, MAX_BACKOFF_MS, MAX_BACKOFF_MS]);
    // one that then lives resets the count
    expect(quickDeaths(deaths, STABLE_AFTER_MS + 1)).toBe(0);
  });
});
