import { readDemoConfig } from '../support/demo-config.js';
import { startGavelTarget } from '../support/gavel-target.js';
import type { Scenario } from './scenario.js';

/** Gavel in its own process on the real Redis (a prefix of its own), 5 buyers answering in ~5 ms: no caps, 100 ms each. */
export const ping5Buyers: Scenario = {
  name: 'gavel /v1/ping, 5 buyers, Redis',
  start: (ctx) =>
    startGavelTarget(ctx, (prefix) => {
      const demo = readDemoConfig();
      return {
        redis: { url: ctx.redisUrl, prefix },
        campaigns: demo.campaigns,
        sellers: demo.sellers,
        buyers: ctx.buyers.map((b) => ({ id: b.id, campaigns: ['auto'], ping_url: b.pingUrl, post_url: b.postUrl, timeout_ms: 100 })),
      };
    }),
};
