import { describe, expect, it } from 'vitest';
import { renderWrkReport, summarise, type WrkReport, type WrkRoundRun } from '../../bench/report/wrk-report.js';
import type { WrkRun } from '../../bench/support/wrk-load.js';

function run(server: string, round: number, okPerSecond: number, serverMicrosPerCall: number, generatorCoreShare: number): WrkRoundRun {
  const r: WrkRun = {
    output: { requests: okPerSecond * 8, durationS: 8, perSecond: okPerSecond, non2xx: 0, socketErrors: { connect: 0, read: 0, write: 0, timeout: 0 }, latency: { mean: 10, max: 50, p50: 9, p75: 11, p90: 14, p99: 30 } },
    okPerSecond,
    wallS: 8,
    generatorCpuS: generatorCoreShare * 8,
    serverCpuS: (okPerSecond * 8 * serverMicrosPerCall) / 1e6,
    generatorCoreShare,
    generatorMicrosPerRequest: (generatorCoreShare * 1e6) / okPerSecond,
    serverMicrosPerCall,
  };
  return { server, round, run: r, notes: server === 'Gavel' ? ['answers Gavel wrote: 19200, bid 100%'] : [], problems: [] };
}

function report(ceiling: number, generator: WrkReport['generator'] = 'wrk'): WrkReport {
  const scenario = { name: 'http-5', description: 'five buyers', route: 'ping', seller: 'http', tmax_ms: 150, rate: 1000, duration_s: 10, buyers: [] } as unknown as WrkReport['scenario'];
  const runs = [1, 2, 3].flatMap((k) => [run('front ceiling (uWS, a fixed bid)', k, ceiling, 10, 0.95), run('bare relay (uWS + undici to the buyers)', k, 3600 + k * 100, 250, 0.06), run('Gavel', k, 2100 + k * 100, 450 - k, 0.04)]);
  return { scenario, date: '2026-12-03T15:00:00.000Z', machine: 'm', command: `npm run bench -- http-5 --generator ${generator}`, generator, generatorProcesses: 1, connections: 50, durationS: 8, warmupS: 3, rounds: 3, runs };
}

describe('the wrk report', () => {
  it("gives the rounds, their medians, wrk's CPU and Gavel / relay when the generator had room", () => {
    const text = renderWrkReport(report(96_000));
    // medians: relay 3,800/s at 250 µs, Gavel 2,300/s at 448 µs
    expect(text).toContain('| bare relay (uWS + undici to the buyers) | 3,800 | 30.00 | 250 | 6% |');
    expect(text).toContain('| Gavel | 2,300 | 30.00 | 448 | 4% |');
    expect(text).toContain('pings/s **0.61**, CPU per ping **1.79**');
    // round k: Gavel (2100 + 100k) / relay (3600 + 100k); CPU (450 - k) / 250
    expect(text).toContain('pings/s 0.59, 0.61, 0.62 (median 0.61); CPU per ping 1.80, 1.79, 1.79 (median 1.79)');
    expect(text).toContain('Command: `npm run bench -- http-5 --generator wrk`');
    expect(text).toContain('- round 2, Gavel:\n  - answers Gavel wrote: 19200, bid 100%');
    expect(summarise(report(96_000).runs)[0]!.generatorCoreShare).toBe(0.95);
  });

  it('prints no ratio, and says why, when the ceiling wrk reached is not 3x the relay', () => {
    const text = renderWrkReport(report(9000));
    expect(text).not.toContain('pings/s **');
    expect(text).toContain('**No ratio printed.**');
    expect(text).toMatch(/front ceiling reached 9000\/s, under 3× the relay's 3800\/s/);
  });

  it('names the generator that measured, frames on the seller socket, and never wrk for it', () => {
    const text = renderWrkReport(report(96_000, 'frames'));
    expect(text).not.toMatch(/wrk/);
    expect(text).toContain('under frames:');
    expect(text).toContain('Load: frames (bench/support/frame-load.ts');
    expect(text).toContain('| frames, share of a core | frames CPU µs/request | error answers |');
    expect(text).toContain('pings/s **0.61**, CPU per ping **1.79**');
  });

  it('says the generator was the limit, by its name, when it was', () => {
    const r = report(96_000, 'frames');
    r.runs.find((x) => x.server === 'Gavel' && x.round === 2)!.run.generatorCoreShare = 0.95;
    const text = renderWrkReport(r);
    expect(text).toContain('**No ratio printed.**');
    expect(text).toContain('- frames used 95% of a core against Gavel (limit 90%): the generator set the pace');
  });
});
