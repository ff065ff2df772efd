import { afterAll } from 'vitest';

/**
 * What a test file starts (servers, fleets, pools), stopped once its tests are done, the last
 * started first; each registered as it starts, so a test that fails half-way leaves nothing open.
 */
export function stopAfterAll(): (stop: () => unknown) => void {
  const stops: (() => unknown)[] = [];
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
  });
  return (stop) => void stops.push(stop);
}
