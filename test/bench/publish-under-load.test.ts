import { describe, expect, it } from 'vitest';
import { startBuyerFleet } from '../../bench/buyer-fleet.js';
import { renderScenarioReport } from '../../bench/report/scenario-report.js';
import { expandBuyers, loadScenario } from '../../bench/scenario-file.js';
import { publishingGavel } from '../../bench/scenarios/file-servers.js';
import { BENCH_ADMIN_KEY, publishFigures, toggleMargins } from '../../bench/support/config-publisher.js';
import { atRate, failedCalls } from '../../bench/support/measure-at-rate.js';
import { DEFAULT_REDIS_URL } from '../../bench/support/redis-prefix.js';
import { stopAfterEach } from '../support/stop-after.js';

const stops = stopAfterEach();

/** the margin of the demo campaign in configuration version `n`, read through the admin API */
async function marginOf(operatorUrl: string, n: number): Promise<unknown> {
  const res = await fetch(`${operatorUrl}/v1/admin/versions/${n}`, { headers: { authorization: `Bearer ${BENCH_ADMIN_KEY}` } });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { document: { campaigns: { id: string; margin?: unknown }[] } };
  return body.document.campaigns.find((c) => c.id === 'auto')?.margin;
}

describe('the bench, publishing configuration versions under load (--publish-every)', () => {
  it('each publish is a new version, live on /ready soon after its answer; no call fails and none is late', async () => {
    const file = { ...loadScenario('http-5'), rate: 100 };
    const fleet = await startBuyerFleet(
      expandBuyers(file).map((b) => b.behaviour),
      { seed: 1 },
    );
    stops.push(() => fleet.close());
    const scenario = publishingGavel(file, 400);
    const target = await scenario.start({ buyers: fleet.buyers, redisUrl: process.env.REDIS_URL || DEFAULT_REDIS_URL });
    let stopped = false;
    stops.push(() => (stopped ? undefined : target.stop()));

    // 2 s at 100 pings/s, a version every 0.4 s: about five publishes under the load
    const [run] = await atRate({ rate: 100, durationS: 2, warmupS: 0.5 }).measure({ scenario, target, buyers: fleet.buyers });
    const publishing = run!.publishing!;
    const p = publishFigures(publishing);
    expect(p.made).toBeGreaterThanOrEqual(3);
    expect(publishing.records.filter((r) => r.error !== undefined)).toEqual([]);
    expect(p.live).toBe(p.made);
    // version 1 is the seed from the config; each publish made the next one
    expect(publishing.records.map((r) => r.version)).toEqual(publishing.records.map((_, i) => i + 2));
    // the publishing process takes the version before it answers, so /ready says so at its first read
    expect(publishing.records.every((r) => r.liveHere === true)).toBe(true);
    expect(p.lagMaxMs).toBeLessThan(1000);
    // each version really changed the campaign: its margin alternates 0.2, 0.21, 0.2, ...
    const margins = await Promise.all(publishing.records.map((r) => marginOf(target.metricsUrl!, r.version!)));
    expect(margins).toEqual(margins.map((_, i) => (i % 2 === 0 ? 0.21 : 0.2)));

    // every call answered as the protocol says, none later than its deadline by Gavel's count
    expect(run!.load.started).toBeGreaterThan(150);
    expect(failedCalls(run!.load)).toBe(0);
    expect(Object.keys(run!.load.outcomes).filter((k) => k !== 'bid' && k !== 'no_bid')).toEqual([]);
    expect(run!.gavel!.lateAnswers).toBe(0);

    stopped = true;
    // a Redis that keeps nothing on disk is logged at start (the tests' Redis is one): nothing else may be
    const problems = await target.stop();
    expect(problems.filter((x) => !/^gavel logged 1 warn\/error line\(s\), first: .*REDIS KEEPS NOTHING ON DISK/.test(x))).toEqual([]);

    const report = renderScenarioReport({ scenario: file, date: new Date().toISOString(), machine: 'test', command: 'test', rate: 100, durationS: 2, runs: [run!] });
    expect(report).toContain('Configuration versions published under load');
    expect(report).toMatch(new RegExp(`^\\| Gavel, publishing every 0\\.4 s \\| ${p.made} \\| 0 \\| ${p.made} \\| `, 'm'));
    expect(report).toContain(`${p.made} of ${p.made} publishes live`);
    expect(report).toContain('no call failed and none was answered late');
  });

  it("the change each publish makes: every campaign's margin between its first value and a point off it", () => {
    const base = new Map<string, unknown>();
    const doc = { campaigns: [{ id: 'a', margin: 0.2 }, { id: 'b' }, { id: 'c', margin: { fixed: 1.5 } }, { id: 'd', margin: 1 }] } as Record<string, unknown>;
    const seen: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      toggleMargins(doc, base);
      seen.push(structuredClone(doc.campaigns));
    }
    expect(seen[0]).toEqual([{ id: 'a', margin: 0.21 }, { id: 'b', margin: 0.01 }, { id: 'c', margin: { fixed: 1.51 } }, { id: 'd', margin: 0.99 }]);
    expect(seen[1]).toEqual([{ id: 'a', margin: 0.2 }, { id: 'b', margin: 0 }, { id: 'c', margin: { fixed: 1.5 } }, { id: 'd', margin: 1 }]);
    expect(seen[2]).toEqual(seen[0]);
  });
});
