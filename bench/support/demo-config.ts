import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ConfigInput } from '../../src/config/schema.js';
import { ROOT } from '../../src/core/paths.js';
import { benchLedger } from './bench-ledger.js';

export const DEMO_SELLER_KEY = 'demo-seller-key-0123456789';

/** src/config/demo.yaml as written (not yet validated), for a bench to point at its own buyers. */
export function readDemoConfig(): ConfigInput {
  return parseYaml(readFileSync(join(ROOT, 'src', 'config', 'demo.yaml'), 'utf8')) as ConfigInput;
}

export type CampaignInput = ConfigInput['campaigns'][number];

export interface ExchangeOptions {
  server?: ConfigInput['server'];
  /** set on every campaign: a scoring config, a rank_by */
  campaign?: Partial<CampaignInput>;
}

/**
 * demo.yaml's campaigns and seller with other buyers, on a Redis under a prefix of the bench's
 * and a PostgreSQL ledger in a schema named after it (bench-ledger.ts);
 * `server` settings when given. The campaigns leave demo.yaml's scoring behind: a run scores
 * leads only when `campaign` says how, so the parts that do not measure scoring measure Gavel
 * as they did before it, and the scoring part says what it measured.
 */
export function demoExchange(redis: { url: string; prefix: string }, buyers: ConfigInput['buyers'], options: ExchangeOptions = {}): ConfigInput {
  const demo = readDemoConfig();
  const campaigns = demo.campaigns.map(({ scoring: _demo, ...c }) => ({ ...c, ...options.campaign }));
  return { ...(options.server !== undefined ? { server: options.server } : {}), redis, ledger: benchLedger(redis.prefix), campaigns, sellers: demo.sellers, buyers };
}
