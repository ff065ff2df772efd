import { performance } from 'node:perf_hooks';
import type { BuyerCounters } from '../buyer-counters.js';
import { emptyCounters } from '../buyer-counters.js';
import type { Scenario } from '../scenarios/scenario.js';
import type { PublishingRun } from './config-publisher.js';
import { closedLoop as closedDrive, DEFAULT_TMAX_MS, openSender } from './drive.js';
import type { FleetReading } from './fleet-messages.js';
import { fullLead, pingLead } from './leads.js';
import type { LoadResult } from './load.js';
import { runOpenLoop, type OpenLoopResult } from './open-loop.js';
import { MS_PER_SECOND } from '../../src/telemetry/metrics.js';
import { bucketQuantile, scrapeMetrics, sumOf, type Sample } from './prom-text.js';
import type { Measurement, Started } from './run-scenarios.js';

/** How a scenario file's servers are measured: its rate (or a ramp of rates), or a closed loop. */
export interface RateFlags {
  rate: number;
  durationS: number;
  warmupS: number;
  /** step the rate up (×1.25 a step, from the scenario's rate) until p99 or the share over tmax crosses its bound */
  ramp?: { stepS: number; boundP99Ms: number; boundOverShare: number };
  /** closed loop instead: this many calls in flight at all times (autocannon for an HTTP seller), for the most a server answers */
  connections?: number;
}

/** A ramp's steps, and the highest rate at which the bounds held. */
export interface RampResult {
  held: number;
  /** generatorShare: the load generator's share of a core at that step (see ServerRun.generator) */
  steps: { rate: number; p99: number; overShare: number; ok: boolean; generatorShare?: number }[];
}

/** What one server did under the scenario's load. */
export interface ServerRun {
  server: string;
  load: Omit<OpenLoopResult, 'histogram'>;
  /** the server's CPU per call started, µs (NaN when it cannot be read) */
  cpuMicrosPerCall: number;
  /**
   * The load generator's own CPU over the measured run: this process (the open loop, or
   * autocannon), the fleet being a process of its own. Near a full core its event loop, not the
   * server, sets the pace and the latencies.
   */
  generator?: { cpuMicrosPerCall: number; coreShare: number };
  /** a baseline's peak resident memory, MB (Gavel's is in `gavel`) */
  peakRssMb?: number;
  /** when the run was a ramp: the highest rate that held; `load` is then the last step that held (or the first) */
  ramp?: RampResult;
  /** Gavel's own counts over the run, when the server is Gavel */
  gavel?: {
    answers: number;
    lateAnswers: number;
    bidsPerAuction: number;
    peakRssMb: number;
    /** Gavel's own p99s by its histograms ("<= 20"): receipt to answer written, and fan-out end to answer ready (rank, hold, save) */
    auctionP99?: string;
    settleP99?: string;
  };
  /** what the buyers said they received and answered over the run, against what Gavel counted (a Gavel run on the bench's own fleet) */
  accounts?: Accounts;
  /** with --publish-every: each configuration version published during the measured run */
  publishing?: PublishingRun;
}

/** The fleet's account of a run beside Gavel's: each pair must agree (see accountsHold). */
export interface Accounts {
  /** pings the buyers received; pings Gavel counted as answered or passed (its own floor and grade refusals aside) */
  pings: { buyers: number; gavel: number };
  /** bids the buyers sent, those of their answers that came after their time, and the bids Gavel took */
  /**
   * `readLate`: socket buyers' answers Gavel read after their time (gavel_buyer_late_answers_total).
   * On a stalled box an answer sent in time by the buyer's clock can be read late by Gavel's: it is
   * lost to lateness all the same, and counted on Gavel's side.
   */
  bids: { buyers: number; late: number; gavel: number; readLate: number };
  /** posts the buyers accepted, those accepts that came after the post's time, and the accepts Gavel took */
  accepted: { buyers: number; late: number; gavel: number };
  /** must be 0: a ping never carries personal data */
  piiInPings: number;
  /** must be 0: everything Gavel sent the buyers was the protocol */
  badRequests: number;
}

/** Outcome labels of a call that was answered as the protocol says (a bid or not, sold or not); any other label is a failed call. */
export const ANSWERED_OUTCOMES: readonly string[] = ['bid', 'sold', 'no_bid', 'rejected', 'duplicate', 'answered'];

/** Calls of a run that failed: answered with an error (a status, an error code), or not answered in time, or not at all. */
export function failedCalls(load: Pick<OpenLoopResult, 'outcomes' | 'timeouts'>): number {
  let n = load.timeouts;
  for (const [label, count] of Object.entries(load.outcomes)) if (!ANSWERED_OUTCOMES.includes(label)) n += count;
  return n;
}

/** The accounts agree: every ping counted on both sides, every bid and accept Gavel took was sent, and only late ones were lost. */
export function accountsHold(a: Accounts): boolean {
  const within = (x: { buyers: number; late: number; gavel: number; readLate?: number }) => x.gavel <= x.buyers && x.gavel >= x.buyers - x.late - (x.readLate ?? 0);
  return a.pings.buyers === a.pings.gavel && within(a.bids) && within(a.accepted) && a.piiInPings === 0 && a.badRequests === 0;
}

/** The counters of every fleet the server pings, summed. */
async function fleetTotals(readers: readonly (() => Promise<FleetReading>)[]): Promise<BuyerCounters> {
  const total = emptyCounters();
  for (const read of readers) {
    for (const c of Object.values((await read()).counters)) for (const k of Object.keys(total) as (keyof BuyerCounters)[]) total[k] += c[k];
  }
  return total;
}

function accountsOf(fleetBefore: BuyerCounters, fleetAfter: BuyerCounters, before: Sample[], after: Sample[]): Accounts {
  const f = (k: keyof BuyerCounters) => fleetAfter[k] - fleetBefore[k];
  const d = (name: string, match: Record<string, string> = {}) => sumOf(after, name, match) - sumOf(before, name, match);
  // a bid under the floor or the grade is counted as a bid and again as a pass of that kind
  const gavelPings = d('gavel_bids_total') + d('gavel_buyer_passes_total') - d('gavel_buyer_passes_total', { kind: 'BELOW_FLOOR' }) - d('gavel_buyer_passes_total', { kind: 'BELOW_GRADE' });
  return {
    pings: { buyers: f('pings'), gavel: gavelPings },
    bids: { buyers: f('bids'), late: f('late'), gavel: d('gavel_bids_total'), readLate: d('gavel_buyer_late_answers_total') },
    accepted: { buyers: f('postsAccepted'), late: f('postsLate'), gavel: d('gavel_posts_total', { result: 'accepted' }) },
    piiInPings: f('piiInPings'),
    badRequests: f('badRequests'),
  };
}

function gavelCounts(before: Sample[], after: Sample[]): ServerRun['gavel'] {
  const d = (name: string, match: Record<string, string> = {}) => sumOf(after, name, match) - sumOf(before, name, match);
  const answers = d('gavel_pings_total') + d('gavel_leads_total');
  return {
    answers,
    lateAnswers: d('gavel_late_answers_total'),
    bidsPerAuction: answers === 0 ? 0 : d('gavel_bids_total') / answers,
    peakRssMb: sumOf(after, 'gavel_process_peak_resident_memory_bytes') / 1e6,
    auctionP99: bucketQuantile(before, after, 'gavel_auction_duration_seconds', 0.99, MS_PER_SECOND),
    settleP99: bucketQuantile(before, after, 'gavel_settle_duration_seconds', 0.99, MS_PER_SECOND),
  };
}

/**
 * The closed loop of --connections: autocannon with N connections for an HTTP seller, N calls in
 * flight over seller sockets for a socket seller; its figures in the open loop's shape, so the
 * report, the plots and compare read both alike (no per-second series: a closed loop has no schedule).
 */
async function closedLoop(drive: (connections: number, durationS: number) => Promise<LoadResult>, connections: number, durationS: number): Promise<OpenLoopResult & { closed: LoadResult }> {
  const r = await drive(connections, durationS);
  const completed = r.ok + r.non2xx;
  return {
    closed: r,
    elapsedS: r.durationS,
    started: completed + r.errors,
    completed,
    over: r.over,
    timeouts: r.timeouts,
    skipped: 0,
    outcomes: { answered: r.ok, ...(r.non2xx > 0 ? { error_answer: r.non2xx } : {}), ...(r.errors > 0 ? { client_error: r.errors } : {}) },
    latency: { count: r.ok, p50: r.p50, p90: r.p90, p99: r.p99, p999: r.p999, max: r.max, mean: r.mean },
    perSecond: [],
    histogram: undefined as never,
    buckets: [],
  };
}

const WARMUP_IN_FLIGHT = 8;

/** The i-th lead of a run: the ping fields for a ping, the full lead for a direct post. */
const leadOf = (scenario: Scenario, i: number): object => (scenario.route === 'leads' ? fullLead(i) : pingLead(i));

/** Warm up, then the measured run (open loop at `rate`, or closed with flags.connections) against one server. */
async function measureServer({ scenario, target, readFleet }: Started, flags: RateFlags, rate: number, durationS: number, warmupS: number): Promise<ServerRun> {
  const tmaxMs = scenario.tmaxMs ?? DEFAULT_TMAX_MS;
  let lead = 0;
  const nextLead = () => leadOf(scenario, lead++);
  const load = await openSender(scenario, target, nextLead);
  // the accounts set every fleet Gavel pings against its own count: the shared one, and those it brought
  const fleets = [readFleet, target.readBuyers].filter((r) => r !== undefined);
  const gavel = target.gavel === true;
  try {
    // warm up closed-loop (a few calls in flight): an open loop at full rate against a cold server
    // builds a backlog the measured run would then inherit
    if (warmupS > 0) {
      const until = performance.now() + warmupS * 1000;
      const lane = async () => {
        while (performance.now() < until) await load.send().catch(() => undefined);
      };
      await Promise.all(Array.from({ length: WARMUP_IN_FLIGHT }, lane));
    }
    await target.quiesce?.();
    const before = gavel ? await scrapeMetrics(target.metricsUrl ?? target.url) : [];
    const fleetBefore = gavel && fleets.length > 0 ? await fleetTotals(fleets) : null;
    const cpu0 = await target.cpuSeconds();
    // the publishes are part of the measured run: their cost is in its CPU, their effect in its latency
    const publishing = target.startPublishing?.();
    const generatorCpu0 = process.cpuUsage();
    const result = await (flags.connections !== undefined
      ? closedLoop(closedDrive(scenario, target, nextLead), flags.connections, durationS)
      : runOpenLoop({ rate, durationS, send: () => load.send(), overMs: tmaxMs })
    ).finally(() => publishing?.stop());
    const generatorCpu = process.cpuUsage(generatorCpu0);
    const generatorMicros = generatorCpu.user + generatorCpu.system;
    const generator = { cpuMicrosPerCall: generatorMicros / Math.max(1, result.started), coreShare: generatorMicros / 1e6 / Math.max(1e-9, result.elapsedS) };
    const published = publishing !== undefined ? { publishing: await publishing.stop() } : {};
    await target.quiesce?.();
    const cpuMicrosPerCall = (((await target.cpuSeconds()) - cpu0) * 1e6) / Math.max(1, result.started);
    const { histogram: _h, closed: _c, ...rest } = result as OpenLoopResult & { closed?: LoadResult };
    // nothing scrapes Gavel during the run: rendering /metrics takes its event loop, which would show in the tail
    if (!gavel) {
      const peak = await target.peakRssMb?.();
      return { server: scenario.name, load: rest, cpuMicrosPerCall, generator, ...(peak !== undefined ? { peakRssMb: peak } : {}) };
    }
    const after = await scrapeMetrics(target.metricsUrl ?? target.url);
    const accounts = fleetBefore !== null ? accountsOf(fleetBefore, await fleetTotals(fleets), before, after) : undefined;
    return { server: scenario.name, load: rest, cpuMicrosPerCall, generator, gavel: gavelCounts(before, after), ...(accounts ? { accounts } : {}), ...published };
  } finally {
    await load.close();
  }
}

const MAX_RAMP_STEPS = 24;

/** The scenario's load at one fixed rate, or a ramp of rates until the bounds break. */
async function measureOrRamp(started: Started, flags: RateFlags): Promise<ServerRun> {
  const { rate, durationS } = flags;
  if (flags.ramp === undefined) return measureServer(started, flags, rate, durationS, flags.warmupS);
  const { stepS, boundP99Ms, boundOverShare } = flags.ramp;
  const steps: RampResult['steps'] = [];
  let last: ServerRun | undefined;
  let best: ServerRun | undefined;
  for (let k = 0, r = rate; k < MAX_RAMP_STEPS; k++, r = Math.round(r * 1.25)) {
    const run = await measureServer(started, flags, r, stepS, k === 0 ? flags.warmupS : 0);
    const overShare = (run.load.over + run.load.timeouts + run.load.skipped) / Math.max(1, run.load.started);
    const ok = run.load.latency.p99 <= boundP99Ms && overShare <= boundOverShare && (run.gavel?.lateAnswers ?? 0) <= boundOverShare * run.load.started;
    steps.push({ rate: r, p99: run.load.latency.p99, overShare, ok, ...(run.generator ? { generatorShare: run.generator.coreShare } : {}) });
    last = run;
    if (!ok) break;
    best = run;
  }
  const held = [...steps].reverse().find((x) => x.ok)?.rate ?? 0;
  return { ...(best ?? last!), ramp: { held, steps } };
}

/** A scenario file's measurement: one run per server (or a ramp), its stop problems told on stderr. */
export function atRate(flags: RateFlags): Measurement<ServerRun> {
  return {
    measure: async (started) => [await measureOrRamp(started, flags)],
    stopped(_runs, problems) {
      if (problems.length > 0) console.error(`bench: ${problems.join('; ')}`);
    },
  };
}
