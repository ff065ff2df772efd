import { demoExchange, type CampaignInput } from '../support/demo-config.js';
import { startGavelTarget } from '../support/gavel-target.js';
import type { Scenario, ScenarioContext, Target } from './scenario.js';

/**
 * Gavel in its own process on the real Redis (a prefix of its own) with the context's HTTP
 * buyers: no caps, 100 ms each; `campaign` set on the demo campaign (scoring, rank_by).
 */
export function startWithHttpBuyers(ctx: ScenarioContext, campaign: Partial<CampaignInput> = {}): Promise<Target> {
  return startGavelTarget(ctx, (prefix) =>
    demoExchange(
      { url: ctx.redisUrl, prefix },
      ctx.buyers.map((b) => ({ id: b.id, campaigns: ['auto'], ping_url: b.pingUrl, post_url: b.postUrl, timeout_ms: 100 })),
      { campaign },
    ),
  );
}

/** Gavel's /v1/ping over HTTP, 5 buyers answering in ~5 ms. */
export const ping5Buyers: Scenario = {
  name: 'gavel /v1/ping, 5 buyers, Redis',
  start: startWithHttpBuyers,
};
