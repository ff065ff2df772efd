import type { TemplatedApp } from 'uWebSockets.js';
import type { RuntimeSource } from '../config/live-runtime.js';
import type { ConsoleFacts, DemoInfo } from '../protocol/console-api.js';
import type { Logger } from '../telemetry/logger.js';
import { jsonRoute } from './admin-route.js';

/**
 * GET /v1/console/campaigns: each live campaign's deadlines, which the console's lead timeline is
 * drawn against (a trace records times from receipt, not the deadline it ran under), and the
 * first run's demo market when one runs, which the console labels.
 */
export function attachConsoleCampaigns(app: TemplatedApp, live: RuntimeSource, log: Logger, demo: DemoInfo | null): void {
  jsonRoute(app, 'operator', 'get', '/v1/console/campaigns', 0, live, log, async () => {
    const body: ConsoleFacts = {
      campaigns: [...live.current().runtime.campaigns.values()].map((c) => ({ id: c.id, tmax_ms: c.tmaxMs, max_tmax_ms: c.maxTmaxMs, post_tmax_ms: c.postTmaxMs })),
      demo,
    };
    return { status: 200, body };
  });
}
