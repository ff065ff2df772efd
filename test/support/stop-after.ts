import { afterAll, afterEach } from 'vitest';

/** What a test file or a test started and must stop: registered as each thing starts, so a test that fails half-way leaves nothing open. */
export interface Stops {
  push(...stops: (() => unknown)[]): void;
}

function stopsFor(hook: typeof afterAll, ignoreFailures: boolean): Stops {
  const stops: (() => unknown)[] = [];
  hook(async () => {
    // the last started first; a stop that fails keeps no other from running
    let failure: unknown;
    let failed = false;
    for (const stop of stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (e) {
        if (!failed && !ignoreFailures) [failure, failed] = [e, true];
      }
    }
    if (failed) throw failure;
  });
  return { push: (...more) => void stops.push(...more) };
}

/**
 * Stopped after each test: servers, exchanges, processes, key prefixes, schemas. `ignoreFailures`
 * where a test may leave a thing already stopped (a Redis it killed, a process that died).
 */
export function stopAfterEach(options: { ignoreFailures?: boolean } = {}): Stops {
  return stopsFor(afterEach, options.ignoreFailures ?? false);
}

/** Stopped once the file's tests are done: what they share (servers, fleets, pools). */
export function stopAfterAll(options: { ignoreFailures?: boolean } = {}): Stops {
  return stopsFor(afterAll, options.ignoreFailures ?? false);
}
