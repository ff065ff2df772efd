import { fileURLToPath } from 'node:url';
import { startForkedServer } from '../support/forked-server.js';
import type { Scenario, ScenarioContext, Target } from './scenario.js';

const SERVER = fileURLToPath(new URL('./bare-relay-server.js', import.meta.url));

/** The baseline: the same buyers behind bare-relay-server.ts, in its own process as Gavel is. */
export const bareRelay: Scenario = {
  name: 'bare relay (uWS + undici, no logic)',
  start: (ctx: ScenarioContext): Promise<Target> => startForkedServer(SERVER, [JSON.stringify(ctx.buyers.map((b) => b.pingUrl))], 'the bare relay'),
};
