import { describe, expect, it } from 'vitest';
import { renderScenarioReport, type ScenarioReport } from '../../bench/report/scenario-report.js';
import { accountsHold, type Accounts, type ServerRun } from '../../bench/support/measure-at-rate.js';

function run(server: string, completed: number, elapsedS: number, p99: number, cpu: number): ServerRun {
  const latency = { count: completed, p50: p99 / 2, p90: p99 * 0.8, p99, p999: p99 * 1.5, max: p99 * 2, mean: p99 / 2 };
  return { server, cpuMicrosPerCall: cpu, load: { elapsedS, started: completed, completed, over: 0, timeouts: 0, skipped: 0, outcomes: { answered: completed }, latency, perSecond: [], buckets: [] } };
}

function report(connections: number | undefined): ScenarioReport {
  const scenario = { name: 'http-5', description: 'five buyers', route: 'ping', seller: 'http', tmax_ms: 150, rate: 1000, duration_s: 10, buyers: [] } as unknown as ScenarioReport['scenario'];
  return {
    scenario,
    ...(connections !== undefined ? { connections } : {}),
    date: '2026-11-22T15:00:00.000Z',
    machine: 'm',
    command: 'c',
    rate: 1000,
    durationS: 10,
    runs: [run('front ceiling (uWS, a fixed bid)', 80_000, 10, 4, 40), run('bare relay (uWS + undici to the buyers)', 20_000, 10, 20, 500), run('Gavel', 18_000, 9, 30, 600)],
  };
}

describe('scenario report', () => {
  it('closed loop (--connections): answers/s is what each server reached, with its ratio to both baselines', () => {
    const text = renderScenarioReport(report(32));
    expect(text).toContain('Closed loop: 32 calls in flight');
    // Gavel answered 18,000 in 9 s: 2000/s, 0.25 of the ceiling's 8000/s and 1.00 of the relay's 2000/s
    expect(text).toMatch(/^\| Gavel \| 2000 \| 15\.00 \| 24\.00 \| 30\.00 \| 45\.00 \| 60\.00 \|.* \| 600 \| — \| 7\.50 \| 1\.50 \| 1\.20 \| 0\.25 \| 1\.00 \|$/m);
    expect(text).toContain('| answers/s vs ceiling | answers/s vs relay |');
  });

  it('open loop: no throughput ratios (every server answers the offered rate)', () => {
    const text = renderScenarioReport(report(undefined));
    expect(text).toContain('Open-loop load at 1000/s');
    expect(text).not.toContain('answers/s vs relay');
  });

  it("the buyers' account against Gavel's: pings equal, bids and accepts lost only to lateness, no PII, no bad request", () => {
    const ok: Accounts = { pings: { buyers: 6000, gavel: 6000 }, bids: { buyers: 6000, late: 1200, gavel: 4800, readLate: 0 }, accepted: { buyers: 600, late: 0, gavel: 600 }, piiInPings: 0, badRequests: 0 };
    expect(accountsHold(ok)).toBe(true);
    expect(accountsHold({ ...ok, pings: { buyers: 6000, gavel: 5999 } })).toBe(false);
    // a bid Gavel took that no buyer sent, or more lost than came late
    expect(accountsHold({ ...ok, bids: { buyers: 6000, late: 1200, gavel: 6001, readLate: 0 } })).toBe(false);
    expect(accountsHold({ ...ok, bids: { buyers: 6000, late: 1200, gavel: 4799, readLate: 0 } })).toBe(false);
    // answers sent in time but read late by Gavel (a stall) are lost to lateness too, and no more than those
    expect(accountsHold({ ...ok, bids: { buyers: 6000, late: 1200, gavel: 4681, readLate: 119 } })).toBe(true);
    expect(accountsHold({ ...ok, bids: { buyers: 6000, late: 1200, gavel: 4680, readLate: 119 } })).toBe(false);
    expect(accountsHold({ ...ok, accepted: { buyers: 600, late: 0, gavel: 599 } })).toBe(false);
    expect(accountsHold({ ...ok, piiInPings: 1 })).toBe(false);
    expect(accountsHold({ ...ok, badRequests: 1 })).toBe(false);
    const r = report(undefined);
    r.runs[2] = { ...r.runs[2]!, accounts: ok };
    expect(renderScenarioReport(r)).toContain('| Gavel | 6000 / 6000 | 6000 (1200) / 4800 (0) | 600 (0) / 600 | 0 | 0 | yes |');
  });

  it("the load generator's own CPU in each run, and from the ceiling's run what one core of it can start", () => {
    const r = report(undefined);
    r.runs[0] = { ...r.runs[0]!, generator: { cpuMicrosPerCall: 40, coreShare: 0.32 } };
    r.runs[2] = { ...r.runs[2]!, generator: { cpuMicrosPerCall: 55, coreShare: 0.6 } };
    const text = renderScenarioReport(r);
    // 40 µs a call: 25,000 calls/s at most on one core
    expect(text).toContain('Against the front ceiling it spent 40.0 µs per call, 32% of a core at 8000/s: at that cost one core would start about 25000 calls/s');
    expect(text).toContain('--generator-capacity');
    expect(text).toContain('| Gavel | 55.0 | 60% |');
    expect(text).toMatch(/half a core or more in: Gavel\*\*/);
  });

  it("Gavel's own p99s beside the client's, and each baseline's peak RSS in its row", () => {
    const r = report(undefined);
    r.runs[1] = { ...r.runs[1]!, peakRssMb: 61.4 };
    r.runs[2] = { ...r.runs[2]!, gavel: { answers: 10_000, lateAnswers: 0, bidsPerAuction: 5, peakRssMb: 150.2, auctionP99: '<= 35', settleP99: '<= 5' } };
    const text = renderScenarioReport(r);
    expect(text).toContain('| Gavel | 30.00 | <= 35 | <= 5 |');
    expect(text).toMatch(/^\| bare relay \(uWS \+ undici to the buyers\) \|.* \| 500 \| 61 \|/m);
    expect(text).toMatch(/^\| Gavel \|.* \| 600 \| 150 \|/m);
    expect(renderScenarioReport(report(undefined))).not.toContain("Gavel's own view");
  });

  it('with --publish-every: the publishes beside every Gavel run, failed calls and late answers told as counts', () => {
    const r = report(32);
    const plain = { ...r.runs[2]!, gavel: { answers: 18_000, lateAnswers: 0, bidsPerAuction: 5, peakRssMb: 150 } };
    const records = [
      { version: 2, atMs: 1000, changeMs: 30, publishMs: 12, liveHere: true, lagMs: 1.5 },
      { version: 3, atMs: 2000, changeMs: 40, publishMs: 20, liveHere: true, lagMs: 4 },
      { version: 4, atMs: 3000, changeMs: 35, publishMs: 16, liveHere: true, lagMs: 2 },
      { atMs: 4000, changeMs: Number.NaN, publishMs: Number.NaN, error: 'POST /v1/admin/drafts/{id}/publish: DRAFT_STALE' },
    ];
    const publishing = {
      ...r.runs[2]!,
      server: 'Gavel, publishing every 1 s',
      load: { ...r.runs[2]!.load, timeouts: 1, outcomes: { answered: 17_990, error_answer: 9 } },
      gavel: { answers: 17_999, lateAnswers: 3, bidsPerAuction: 5, peakRssMb: 151 },
      publishing: { everyMs: 1000, records },
    };
    r.runs = [r.runs[0]!, r.runs[1]!, plain, publishing];
    const text = renderScenarioReport(r);
    expect(text).toContain('a new version every 1 s of the measured run');
    // the plain run's row has no publishes; answers/s 18,000 in 9 s
    expect(text).toContain('| Gavel | — | — | — | — | — | 2000 | 15.00 | 30.00 | 0 | 0 | 0 |');
    // 4 publishes, 1 failed, 3 live; publish call p50 16 of 12, 16, 20; 9 error answers and a timeout failed
    expect(text).toContain('| Gavel, publishing every 1 s | 4 | 1 | 3 | 16.00 / 20.00 | 4.00 | 2000 | 15.00 | 30.00 | 10 | 3 | 0 |');
    expect(text).toContain('- Gavel, publishing every 1 s: 3 of 4 publishes live, the slowest 4.00 ms after its publish answered; 1 publish failed (POST /v1/admin/drafts/{id}/publish: DRAFT_STALE); 10 calls failed and 3 answers were late (without publishing: 0 and 0); p99 30.00 ms against 30.00 ms without publishing.');
    expect(renderScenarioReport(report(32))).not.toContain('Configuration versions published under load');
  });
});
