import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { dropBenchLedger } from './bench-ledger.js';
import { parseConfig } from '../../src/config/load-config.js';
import type { ConfigInput } from '../../src/config/schema.js';
import type { ScenarioContext, Target } from '../scenarios/scenario.js';
import { DEMO_SELLER_KEY } from './demo-config.js';
import { deadlineCount, eventLoopLagP99Ms, gavelNotes, scoreCount } from './gavel-notes.js';
import { startGavelProcess } from './gavel-process.js';
import { scrapeMetrics, sumOf, type Sample } from './prom-text.js';
import { dropPrefix, uniquePrefix } from './redis-prefix.js';

const QUIESCE_POLL_MS = 20;
const QUIESCE_LIMIT_MS = 3000;

/**
 * Gavel in its own process on the scenario's Redis under a key prefix no other run uses,
 * seen through its /metrics. `config` is given that prefix; its keys are dropped on stop.
 */
export async function startGavelTarget(ctx: ScenarioContext, config: (prefix: string) => ConfigInput, processes = 1): Promise<Target> {
  const prefix = uniquePrefix('bench');
  const input = config(prefix);
  // validated here too, so a bad scenario config fails with its paths, and the effective margin is known
  const effective = parseConfig(input, 'bench scenario config');
  const gavel = await startGavelProcess({ config: input, redisUrl: ctx.redisUrl, secret: randomBytes(16).toString('hex'), processes });
  let before: Sample[] = [];
  // prom-client resets its loop delay histogram at every scrape, so each scrape reads the lag
  // since the one before; of the intervals since mark, the longest is the load run itself
  let lastScrapeAt = 0;
  let longest = { ms: -1, lagMs: 0 };
  const scrape = async () => {
    const samples = await scrapeMetrics(gavel.operatorUrl);
    const now = performance.now();
    if (now - lastScrapeAt > longest.ms) longest = { ms: now - lastScrapeAt, lagMs: eventLoopLagP99Ms(samples) };
    lastScrapeAt = now;
    return samples;
  };
  return {
    url: gavel.baseUrl,
    ...(gavel.pid !== undefined ? { pid: gavel.pid } : {}),
    metricsUrl: gavel.operatorUrl,
    gavel: true,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${DEMO_SELLER_KEY}` },
    sellerKey: DEMO_SELLER_KEY,
    async mark() {
      before = await scrapeMetrics(gavel.operatorUrl);
      lastScrapeAt = performance.now();
      longest = { ms: -1, lagMs: 0 };
    },
    async quiesce() {
      // the load generator stops with pings still in flight: they belong to this run, not the next
      const until = performance.now() + QUIESCE_LIMIT_MS;
      while (sumOf(await scrape(), 'gavel_auctions_in_flight') > 0 && performance.now() < until) await sleep(QUIESCE_POLL_MS);
    },
    cpuSeconds: async () => sumOf(await scrape(), 'process_cpu_seconds_total'),
    notes: async () => gavelNotes(before, await scrape(), longest.lagMs),
    deadline: async () => deadlineCount(before, await scrape(), effective.server.response_margin_ms),
    scores: async () => scoreCount(before, await scrape()),
    async stop() {
      const problems: string[] = [];
      const code = await gavel.stop();
      if (code !== 0) problems.push(`gavel exited with code ${code} on SIGTERM`);
      if (gavel.problems.length > 0) problems.push(`gavel logged ${gavel.problems.length} warn/error line(s), first: ${gavel.problems[0]!.slice(0, 300)}`);
      await dropPrefix(ctx.redisUrl, prefix);
      await dropBenchLedger(prefix);
      return problems;
    },
  };
}
