import { randomBytes } from 'node:crypto';
import type { ConfigInput } from '../../src/config/schema.js';
import { DEMO_SELLER_KEY, readDemoConfig } from '../support/demo-config.js';
import { startGavelProcess } from '../support/gavel-process.js';
import { bucketQuantile, scrapeMetrics, sumOf, type Sample } from '../support/prom-text.js';
import { dropPrefix, uniquePrefix } from '../support/redis-prefix.js';
import type { Scenario, ScenarioContext, Target } from './scenario.js';

/** The demo campaign and seller, with the bench's buyers: no caps, 100 ms each. */
function benchConfig(ctx: ScenarioContext, prefix: string): ConfigInput {
  const demo = readDemoConfig();
  return {
    redis: { url: ctx.redisUrl, prefix },
    campaigns: demo.campaigns,
    sellers: demo.sellers,
    buyers: ctx.buyers.map((b) => ({ id: b.id, campaigns: ['auto'], ping_url: b.pingUrl, post_url: b.postUrl, timeout_ms: 100 })),
  };
}

function pct(part: number, whole: number): string {
  return whole === 0 ? '0%' : `${((100 * part) / whole).toFixed(part === whole || part === 0 ? 0 : 2)}%`;
}

/** What Gavel's own metrics say of the measured run. */
function describe(before: Sample[], after: Sample[], buyers: number): string[] {
  const delta = (name: string, match: Record<string, string> = {}) => sumOf(after, name, match) - sumOf(before, name, match);
  const labels = (name: string, label: string) => [...new Set(after.filter((s) => s.name === name).map((s) => s.labels[label]!))];
  const pings = delta('gavel_pings_total');
  // labels seen only during the warm-up have no count in the measured run
  const counted = (name: string, label: string) => labels(name, label).map((v) => [v, delta(name, { [label]: v })] as const).filter(([, n]) => n > 0);
  const mix = counted('gavel_pings_total', 'outcome').map(([o, n]) => `${o} ${pct(n, pings)}`);
  const passes = counted('gavel_buyer_passes_total', 'kind').map(([k, n]) => `${k} ${n}`);
  const meanOf = (histogram: string) => (delta(`${histogram}_sum`) / Math.max(1, delta(`${histogram}_count`))).toFixed(2);
  return [
    `answers: ${mix.join(', ') || 'none'}`,
    `buyer passes by kind: ${passes.join(', ') || 'none'} (of ${pings * buyers} buyer pings); buyer timeouts: ${delta('gavel_buyer_timeouts_total')}`,
    `store errors: ${delta('gavel_store_errors_total')}; answers later than tmax (gavel_late_answers_total): ${delta('gavel_late_answers_total')}`,
    `Gavel's own means: auction ${meanOf('gavel_auction_duration_ms')} ms, buyer reply ${meanOf('gavel_buyer_ping_duration_ms')} ms, ` +
      `settle (fan-out end to answer: rank, hold, save in Redis) ${meanOf('gavel_settle_duration_ms')} ms`,
    // what server.response_margin_ms must cover: the settle time plus the event loop's lag behind the auction timer
    `response margin check: settle p99 ${bucketQuantile(before, after, 'gavel_settle_duration_ms', 0.99)} ms, ` +
      `event loop lag p99 ${(1000 * sumOf(after, 'gavel_nodejs_eventloop_lag_p99_seconds')).toFixed(2)} ms (since start)`,
  ];
}

/** Gavel in its own process on the real Redis (a prefix of its own), 5 buyers answering in ~5 ms. */
export const ping5Buyers: Scenario = {
  name: 'gavel /v1/ping, 5 buyers, Redis',
  async start(ctx: ScenarioContext): Promise<Target> {
    const prefix = uniquePrefix('bench');
    const gavel = await startGavelProcess({ config: benchConfig(ctx, prefix), redisUrl: ctx.redisUrl, secret: randomBytes(16).toString('hex') });
    let before: Sample[] = [];
    return {
      url: gavel.baseUrl,
      path: '/v1/ping',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${DEMO_SELLER_KEY}` },
      async mark() {
        before = await scrapeMetrics(gavel.baseUrl);
      },
      cpuSeconds: async () => sumOf(await scrapeMetrics(gavel.baseUrl), 'gavel_process_cpu_seconds_total'),
      notes: async () => describe(before, await scrapeMetrics(gavel.baseUrl), ctx.buyers.length),
      async stop() {
        const problems: string[] = [];
        const code = await gavel.stop();
        if (code !== 0) problems.push(`gavel exited with code ${code} on SIGTERM`);
        if (gavel.problems.length > 0) problems.push(`gavel logged ${gavel.problems.length} warn/error line(s), first: ${gavel.problems[0]!.slice(0, 300)}`);
        await dropPrefix(ctx.redisUrl, prefix);
        return problems;
      },
    };
  },
};
