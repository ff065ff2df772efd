import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { ConfigInput } from '../../src/config/schema.js';
import { ROOT } from '../../src/core/paths.js';
import type { Gavel } from '../../src/gavel.js';
import { startEmbeddedExchange, startRedisPostgresExchange } from './admin-api.js';
import { dropSchema, stopExchange, testPrefix, testSchema } from './exchange.js';

/** An exchange a browser test drives, and how to take it down with what it left behind. */
export interface StoreExchange {
  g: Gavel;
  stop(): Promise<void>;
}

/** One of the deployments the pages must work on, as `npm start` starts it. */
export interface StoreCase {
  name: string;
  start(config: ConfigInput): Promise<StoreExchange>;
  /**
   * whether this run writes docs/screenshots/: one store only, so the two runs of a test do not
   * overwrite each other's pictures (the embedded one, which a first run of `npm start` shows)
   */
  shots: boolean;
}

/** The embedded default: memory store, memory ledger, the configuration's versions in the process. */
async function startEmbedded(config: ConfigInput): Promise<StoreExchange> {
  const { g, close } = await startEmbeddedExchange(config);
  if (g.store.kind !== 'memory' || g.ledger.kind !== 'memory') {
    await stopExchange(g);
    await close();
    throw new Error(`the embedded start runs on ${g.store.kind} with its ledger in ${g.ledger.kind}, not memory`);
  }
  return { g, stop: async () => void (await stopExchange(g), await close()) };
}

/**
 * Redis + PostgreSQL: a Redis prefix of the test's own, the ledger and the configuration's
 * versions on a schema of its own; both are removed when it stops.
 */
async function startRedisPostgres(config: ConfigInput): Promise<StoreExchange> {
  const schema = testSchema();
  try {
    // a prefix of its own even when one config serves both runs: nothing of another run is read
    const redis = config.redis === undefined ? undefined : { ...config.redis, prefix: testPrefix() };
    const { g, close } = await startRedisPostgresExchange({ ...config, redis }, schema);
    return { g, stop: async () => void (await stopExchange(g), await close(), await dropSchema(schema)) };
  } catch (e) {
    await dropSchema(schema).catch(() => undefined);
    throw e;
  }
}

/** Each browser test file runs its tests on every one of these: `describe.each(STORES)('… on $name', …)`. */
export const STORES: readonly StoreCase[] = [
  { name: 'embedded', start: startEmbedded, shots: true },
  { name: 'Redis + PostgreSQL', start: startRedisPostgres, shots: false },
];

const SHOTS = join(ROOT, 'docs', 'screenshots');

/** docs/screenshots/<name>.png of the page, on the store that takes the pictures; nothing on the other. */
export async function screenshot(store: StoreCase, page: Page, name: string, fullPage = false): Promise<void> {
  if (store.shots) await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
}
