import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ROOT } from '../src/core/paths.js';
import type { BuyerBehaviour } from './buyer-behaviour.js';

export const SCENARIO_DIR = join(ROOT, 'bench', 'scenario-files');

/** A group of simulated buyers in a scenario: `count` of them, alike but for their ids and seeds. */
const BuyerGroup = z.looseObject({
  id: z.string().regex(/^[a-z0-9-]+$/),
  count: z.int().min(1).max(500).default(1),
  transport: z.enum(['http', 'websocket']).default('http'),
  /** where the group sits in the campaign's plan (a tier name); absent: the default tier */
  tier: z.string().optional(),
});

/**
 * A load scenario, as a file in bench/scenario-files: the buyers (bench/buyer-behaviour.ts
 * fields), the campaign's plan, and the load: which route, how the seller comes in, at what
 * open-loop rate for how long. Flags on the command line override rate and duration. The file
 * is data: fileScenarios (bench/scenarios/file-servers.ts) turns it into the bench's Scenarios.
 */
export const ScenarioFile = z.strictObject({
  name: z.string(),
  description: z.string(),
  route: z.enum(['ping', 'leads']).default('ping'),
  seller: z.enum(['http', 'socket']).default('http'),
  tmax_ms: z.int().min(10).max(10_000).default(150),
  rate: z.int().min(1).max(200_000),
  duration_s: z.number().min(1).max(3600).default(10),
  buyers: z.array(BuyerGroup).min(1),
  /** the campaign's distribution tiers, by name, as Gavel's config has them (buyers filled in from the groups) */
  tiers: z.array(z.looseObject({ name: z.string() })).optional(),
});
export type ScenarioFile = z.infer<typeof ScenarioFile>;

export interface ExpandedBuyer {
  behaviour: BuyerBehaviour;
  transport: 'http' | 'websocket';
  tier: string | undefined;
}

/** Each group as its `count` buyers: ids `<id>-1`, `<id>-2`, …, the rest of the group as their behaviour. */
export function expandBuyers(s: ScenarioFile): ExpandedBuyer[] {
  return s.buyers.flatMap(({ id, count, transport, tier, ...behaviour }) =>
    Array.from({ length: count }, (_, i) => ({ behaviour: { ...(behaviour as Omit<BuyerBehaviour, 'id'>), id: count === 1 ? id : `${id}-${i + 1}` } as BuyerBehaviour, transport, tier })),
  );
}

export function scenarioNames(): string[] {
  return readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -5))
    .sort();
}

export function loadScenario(name: string): ScenarioFile {
  const known = scenarioNames();
  if (!known.includes(name)) throw new Error(`no scenario "${name}"; there are: ${known.join(', ')}`);
  const path = join(SCENARIO_DIR, `${name}.yaml`);
  const r = ScenarioFile.safeParse(parseYaml(readFileSync(path, 'utf8')));
  if (!r.success) throw new Error(`${path}:\n  ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n  ')}`);
  return r.data;
}
