import { describe, expect, it } from 'vitest';
import { CPU_LINE, parseWrkOutput, wrkTimeMs } from '../../bench/support/wrk-output.js';
import { median, roundOrder, wrkVerdict } from '../../bench/support/wrk-verdict.js';

/** wrk 4.1's report as it prints it with --latency, a script printing the CPU line, errors of both kinds. */
const REPORT = `Running 8s test @ http://127.0.0.1:23456/
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    13.20ms    5.00ms   1.02s    75.00%
    Req/Sec     2.40k   200.00     2.80k    70.00%
  Latency Distribution
     50%  812.00us
     75%   15.00ms
     90%   19.50ms
     99%    1.10s
  19200 requests in 8.00s, 3.00MB read
  Socket errors: connect 1, read 2, write 3, timeout 12
  Non-2xx or 3xx responses: 593
Requests/sec:   2400.00
Transfer/sec:    375.00KB
${CPU_LINE} 41 7
`;

describe("wrk's report, read", () => {
  it('reads the count, the rate, the percentiles in their units, the errors and the CPU line', () => {
    expect(parseWrkOutput(REPORT)).toEqual({
      requests: 19200,
      durationS: 8,
      perSecond: 2400,
      non2xx: 593,
      socketErrors: { connect: 1, read: 2, write: 3, timeout: 12 },
      latency: { mean: 13.2, max: 1020, p50: 0.812, p75: 15, p90: 19.5, p99: 1100 },
      cpuTicks: 48,
    });
  });

  it('takes a clean run without error lines for none, and a run over a minute in its unit', () => {
    const clean = REPORT.replace(/ {2}Socket errors.*\n/, '').replace(/ {2}Non-2xx.*\n/, '').replace('in 8.00s', 'in 1.50m');
    const r = parseWrkOutput(clean);
    expect(r.non2xx).toBe(0);
    expect(r.socketErrors).toEqual({ connect: 0, read: 0, write: 0, timeout: 0 });
    expect(r.durationS).toBe(90);
  });

  it('refuses a report without its request count or rate rather than read zeros', () => {
    expect(() => parseWrkOutput('unable to connect to 127.0.0.1:1 Connection refused\n')).toThrow(/no request count or rate/);
    expect(() => wrkTimeMs('12 parsecs')).toThrow(/not a time/);
  });
});

describe('the refusal rule', () => {
  const server = (perSecond: number, cpuMicrosPerCall: number, generatorCoreShare = 0.05) => ({ perSecond, cpuMicrosPerCall, generatorCoreShare });

  it('gives Gavel / relay when wrk had room and the ceiling stands well above the relay', () => {
    const v = wrkVerdict(server(96_000, 10, 0.99), server(4000, 250), server(2400, 450));
    expect(v.refused).toEqual([]);
    expect(v.ratios!.throughput).toBeCloseTo(0.6);
    expect(v.ratios!.cpuPerCall).toBeCloseTo(1.8);
  });

  it('refuses when the front ceiling is under 3x the relay: the generator was near its own limit', () => {
    const v = wrkVerdict(server(11_000, 10), server(4000, 250), server(2400, 450));
    expect(v.ratios).toBeUndefined();
    expect(v.refused.join()).toMatch(/front ceiling reached 11000\/s, under 3× the relay's 4000\/s/);
  });

  it('refuses when wrk was at or near a full core against a server compared', () => {
    const v = wrkVerdict(server(96_000, 10), server(4000, 250), server(2400, 450, 0.93));
    expect(v.ratios).toBeUndefined();
    expect(v.refused.join()).toMatch(/wrk used 93% of a core against Gavel/);
  });

  it('refuses without a ceiling or without a relay (a direct post has none)', () => {
    expect(wrkVerdict(undefined, server(4000, 250), server(2400, 450)).refused.join()).toMatch(/no front ceiling/);
    expect(wrkVerdict(server(96_000, 10), undefined, server(2400, 450)).refused.join()).toMatch(/nothing to compare/);
  });

  it('orders rounds ABBA and takes medians of odd and even counts', () => {
    expect([0, 1, 2, 3, 4].map((k) => roundOrder(['c', 'r', 'g'], k).join(''))).toEqual(['crg', 'grc', 'grc', 'crg', 'crg']);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('the scale scenario', () => {
  it('takes set sizes that include 1, and gives each set its efficiency against one process', async () => {
    const { processCounts } = await import('../../bench/wrk-command.js');
    const { scaleEfficiency } = await import('../../bench/report/wrk-report.js');
    expect(processCounts('2, 1,4')).toEqual([1, 2, 4]);
    expect(() => processCounts('2,4')).toThrow(/include 1/);
    expect(() => processCounts('1,1')).toThrow(/each once/);
    expect(() => processCounts('1,x')).toThrow(/whole numbers/);
    const row = (server: string, perSecond: number) => ({ server, perSecond, rounds: 3, cpuMicrosPerCall: 300, generatorCoreShare: 0.1, p99Ms: 10, generatorMicrosPerRequest: 15, non2xx: 0, socketErrors: 0 });
    expect(scaleEfficiency([row('front ceiling (uWS, a fixed bid)', 90_000), row('Gavel, 1 process', 2000), row('Gavel, 2 processes', 3200)])).toEqual([
      { processes: 1, perSecond: 2000, efficiency: 1 },
      { processes: 2, perSecond: 3200, efficiency: 0.8 },
    ]);
    expect(scaleEfficiency([row('Gavel', 2000)])).toEqual([]);
  });
});
