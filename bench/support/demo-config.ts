import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ConfigInput } from '../../src/config/schema.js';
import { ROOT } from '../../src/paths.js';

export const DEMO_SELLER_KEY = 'demo-seller-key-0123456789';

/** src/config/demo.yaml as written (not yet validated), for a bench to point at its own buyers. */
export function readDemoConfig(): ConfigInput {
  return parseYaml(readFileSync(join(ROOT, 'src', 'config', 'demo.yaml'), 'utf8')) as ConfigInput;
}

/** demo.yaml's campaigns and seller with other buyers, on a Redis under a prefix of the bench's; `server` settings when given. */
export function demoExchange(redis: { url: string; prefix: string }, buyers: ConfigInput['buyers'], server?: ConfigInput['server']): ConfigInput {
  const demo = readDemoConfig();
  return { ...(server !== undefined ? { server } : {}), redis, campaigns: demo.campaigns, sellers: demo.sellers, buyers };
}
