import { describe, expect, it } from 'vitest';
import { change, compareReports } from '../../bench/compare.js';
import type { ScenarioReport } from '../../bench/report/scenario-report.js';
import type { ServerRun } from '../../bench/support/measure-at-rate.js';

function run(server: string, p99: number, cpu: number, completed: number): ServerRun {
  const latency = { count: completed, p50: 1, p90: 2, p99, p999: p99 * 2, max: p99 * 3, mean: 1 };
  return { server, cpuMicrosPerCall: cpu, load: { elapsedS: 10, started: completed, completed, over: 0, timeouts: 0, skipped: 0, outcomes: { bid: completed }, latency, perSecond: [], buckets: [] } };
}

function report(runs: ServerRun[]): ScenarioReport {
  const scenario = { name: 'http-5', description: '', route: 'ping', seller: 'http', tmax_ms: 150, rate: 1000, duration_s: 10, buyers: [] } as unknown as ScenarioReport['scenario'];
  return { scenario, date: '2026-11-22T15:00:00.000Z', machine: 'm', command: 'c', rate: 1000, durationS: 10, runs };
}

describe('npm run bench -- compare', () => {
  it('gives each figure of a and b and the change as a share of a', () => {
    expect(change(10, 12)).toBe('+20.0%');
    expect(change(10, 7.5)).toBe('-25.0%');
    expect(change(0, 0)).toBe('0%');
    expect(change(0, 3)).toBe('—');
    expect(change(Number.NaN, 3)).toBe('—');
    const text = compareReports(report([run('Gavel', 20, 400, 10_000), run('only in a', 1, 1, 1)]), report([run('Gavel', 15, 500, 9_000)]));
    expect(text).toContain('| p99 ms | 20 | 15 | -25.0% |');
    expect(text).toContain('| CPU µs/call | 400 | 500 | +25.0% |');
    expect(text).toContain('| answers/s | 1000 | 900 | -10.0% |');
    expect(text).not.toContain('only in a');
  });
});
