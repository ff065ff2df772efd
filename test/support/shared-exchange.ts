import { afterAll, beforeAll } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import type { Gavel } from '../../src/gavel.js';
import { startBuyer, type Handler, type TestBuyer } from './buyer-server.js';
import { startExchange, stopExchange, testConfig } from './exchange.js';

export interface SharedExchange {
  /** the running Gavel (in this process, on the real Redis) */
  readonly gavel: Gavel;
  /** buyer `a`, a real HTTP buyer server */
  readonly buyer: TestBuyer;
}

/**
 * One HTTP buyer (`a`, answering pings with `onPing`) and one Gavel pinging it, shared by the
 * tests of a file: both started before the first test and stopped after the last. `config`
 * turns the test config into the file's own (a body limit, a second seller, a socket buyer). A
 * file's own beforeAll, registered after this, runs after both have started.
 */
export function sharedExchange(onPing: Handler, config: (c: ConfigInput) => ConfigInput = (c) => c): SharedExchange {
  let gavel: Gavel | undefined;
  let buyer: TestBuyer | undefined;
  beforeAll(async () => {
    buyer = await startBuyer(onPing);
    gavel = await startExchange(config(testConfig([{ id: 'a', url: buyer.url }])));
  });
  afterAll(async () => {
    if (gavel) await stopExchange(gavel);
    await buyer?.close();
  });
  const started = <T>(what: T | undefined): T => {
    if (what === undefined) throw new Error('the shared exchange is started in beforeAll: use it inside a test or a hook');
    return what;
  };
  return {
    get gavel() {
      return started(gavel);
    },
    get buyer() {
      return started(buyer);
    },
  };
}
