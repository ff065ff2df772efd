/**
 * wrk's report, read. wrk prints its figures as text for people (`2.40k`, `13.20ms`, `1.02s`);
 * the bench needs them as numbers, and must not take a run it could not read for a clean one,
 * so a report missing its request count or its rate is an error, not zeros.
 */

/** The socket errors wrk counts, by kind. */
export interface WrkSocketErrors {
  connect: number;
  read: number;
  write: number;
  timeout: number;
}

export interface WrkOutput {
  /** requests answered in the run (of any status) */
  requests: number;
  /** the run's length as wrk measured it, seconds */
  durationS: number;
  /** wrk's own requests/s: `requests / durationS` */
  perSecond: number;
  /** answers with a status of 400 or more (wrk counts those as "Non-2xx or 3xx") */
  non2xx: number;
  socketErrors: WrkSocketErrors;
  /** latency in ms: mean and max from the thread stats, percentiles from `--latency` (absent without it) */
  latency: { mean: number; max: number; p50?: number; p75?: number; p90?: number; p99?: number };
  /** wrk's own CPU time (user + system, every thread), clock ticks, when its script printed it (see wrk-script.ts) */
  cpuTicks?: number;
}

/** The line the bench's wrk script prints when the run is done: wrk's own CPU, read from /proc/self/stat. */
export const CPU_LINE = 'generator cpu ticks:';

const TIME_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "13.20ms" → 13.2, "812.00us" → 0.812, "1.02s" → 1020: wrk's time, in ms. */
export function wrkTimeMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text.trim());
  if (m === null) throw new Error(`wrk output: not a time: "${text}"`);
  return Number(m[1]) * TIME_UNITS[m[2]!]!;
}

/** Parse wrk's report (stdout); throws when the figures a run is judged by are not there. */
export function parseWrkOutput(text: string): WrkOutput {
  const total = /(\d+) requests in ([\d.]+(?:us|ms|s|m|h)),/.exec(text);
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(text);
  if (total === null || rate === null) throw new Error(`wrk output: no request count or rate in:\n${text.slice(0, 2000)}`);
  const stats = /^\s*Latency\s+([\d.]+\w+)\s+[\d.]+\w+\s+([\d.]+\w+)/m.exec(text);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const pct = (p: string) => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+\\w+)\\s*$`, 'm').exec(text);
    return m === null ? {} : { [`p${p}`]: wrkTimeMs(m[1]!) };
  };
  const cpu = new RegExp(`${CPU_LINE} (\\d+) (\\d+)`).exec(text);
  return {
    requests: Number(total[1]),
    durationS: wrkTimeMs(total[2]!) / 1000,
    perSecond: Number(rate[1]),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0),
    socketErrors: socket === null ? { connect: 0, read: 0, write: 0, timeout: 0 } : { connect: Number(socket[1]), read: Number(socket[2]), write: Number(socket[3]), timeout: Number(socket[4]) },
    latency: { mean: stats === null ? Number.NaN : wrkTimeMs(stats[1]!), max: stats === null ? Number.NaN : wrkTimeMs(stats[2]!), ...pct('50'), ...pct('75'), ...pct('90'), ...pct('99') },
    ...(cpu !== null ? { cpuTicks: Number(cpu[1]) + Number(cpu[2]) } : {}),
  };
}

/** Socket errors of every kind, summed. */
export const socketErrorCount = (e: WrkSocketErrors) => e.connect + e.read + e.write + e.timeout;
