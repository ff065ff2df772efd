import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import type { ConfigInput } from '../src/config/schema.js';
import { ROOT } from '../src/core/paths.js';
import { connectSeller, GavelCallError } from '../src/sdk/index.js';
import { latencyHistogramSvg, latencyOverTimeSvg } from './report/svg-plots.js';
import { expandBuyers, loadScenario, type ScenarioFile } from './scenario-file.js';
import { bareRelay } from './scenarios/bare-relay.js';
import type { Target } from './scenarios/scenario.js';
import { DEMO_SELLER_KEY, demoExchange } from './support/demo-config.js';
import { startForkedServer } from './support/forked-server.js';
import { startGavelTarget } from './support/gavel-target.js';
import { hashKey } from '../src/config/keys.js';
import { fullLead, pingLead } from './support/leads.js';
import { machine } from './support/machine.js';
import { runOpenLoop, type OpenLoopResult, type Send } from './support/open-loop.js';
import { bucketQuantile, scrapeMetrics, sumOf, type Sample } from './support/prom-text.js';
import { startRemoteFleet, startRemoteSocketFleet, type RemoteFleet } from './support/remote-fleet.js';
import { runLoad, type LoadResult } from './support/load.js';
import { runSocketLoad } from './support/socket-load.js';
import { emptyCounters, type BuyerCounters } from './buyer-counters.js';

/** What `--without` can turn off in an extra run of Gavel, measured in the same run as the rest. */
/** direct-ledger: sales written into the ledger on the post's path (off: ledger.direct_ms 0, the durable queue alone) */
export const GAVEL_FEATURES = ['trace', 'ledger', 'direct-ledger'] as const;
export type GavelFeature = (typeof GAVEL_FEATURES)[number];

export interface ScenarioFlags {
  rate?: number;
  durationS?: number;
  /** a Gavel already running (its buyers configured there): only it is measured */
  target?: string;
  redisUrl: string;
  warmupS: number;
  /** step the rate up (×1.25 a step, from the scenario's rate) until p99 or the share over tmax crosses its bound */
  ramp?: { stepS: number; boundP99Ms: number; boundOverShare: number };
  /** closed loop instead: this many calls in flight at all times (autocannon for an HTTP seller), for the most a server answers */
  connections?: number;
  /** Gavel is measured once more with each of these off, after its run with everything on */
  without?: readonly GavelFeature[];
}

/** A ramp's steps, and the highest rate at which the bounds held. */
export interface RampResult {
  held: number;
  steps: { rate: number; p99: number; overShare: number; ok: boolean }[];
}

/** What one server did under the scenario's load. */
export interface ServerRun {
  server: string;
  load: Omit<OpenLoopResult, 'histogram'>;
  /** the server's CPU per call started, µs (NaN when it cannot be read) */
  cpuMicrosPerCall: number;
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

/** The accounts agree: every ping counted on both sides, every bid and accept Gavel took was sent, and only late ones were lost. */
export function accountsHold(a: Accounts): boolean {
  const within = (x: { buyers: number; late: number; gavel: number; readLate?: number }) => x.gavel <= x.buyers && x.gavel >= x.buyers - x.late - (x.readLate ?? 0);
  return a.pings.buyers === a.pings.gavel && within(a.bids) && within(a.accepted) && a.piiInPings === 0 && a.badRequests === 0;
}

export interface ScenarioReport {
  scenario: ScenarioFile;
  /** set for a closed-loop run (--connections): calls in flight; the rate is then what each server reached */
  connections?: number;
  date: string;
  machine: string;
  command: string;
  rate: number;
  durationS: number;
  runs: ServerRun[];
}

const WARMUP_IN_FLIGHT = 8;
const SOCKET_RELAY = fileURLToPath(new URL('./scenarios/bare-socket-relay-server.js', import.meta.url));
const CEILING = fileURLToPath(new URL('./scenarios/front-ceiling-server.js', import.meta.url));
const keyOf = (id: string) => `bench-socket-buyer-${id}`;

/** Gavel's config for the scenario: the demo campaign with the scenario's plan and buyers. */
function gavelConfig(s: ScenarioFile, redis: { url: string; prefix: string }, urls: ReadonlyMap<string, { pingUrl: string; postUrl: string }>, without: readonly GavelFeature[] = []): ConfigInput {
  const buyers = expandBuyers(s);
  const buyerConfigs = buyers.map(({ behaviour: b, transport }) => {
    const price = (b as { price?: number }).price;
    const base = { id: b.id, campaigns: ['auto'], timeout_ms: Math.min(1000, s.tmax_ms), ...(price !== undefined ? { price } : {}) };
    if (transport === 'websocket') return { ...base, transport: 'websocket' as const, keys: [hashKey(keyOf(b.id))] };
    const u = urls.get(b.id)!;
    return { ...base, ...(price === undefined ? { ping_url: u.pingUrl } : {}), post_url: u.postUrl };
  });
  const distribution = s.tiers?.map((t) => ({ ...t, buyers: buyers.filter((b) => b.tier === t.name).map((b) => b.behaviour.id) }));
  const config = demoExchange(redis, buyerConfigs as ConfigInput['buyers'], { campaign: { tmax_ms: s.tmax_ms, max_tmax_ms: Math.max(1000, s.tmax_ms), ...(distribution ? { distribution } : {}) } });
  return {
    ...config,
    ...(without.includes('trace') ? { trace: { enabled: false } } : {}),
    ...(without.includes('ledger') ? { ledger: { enabled: false } } : {}),
    ...(without.includes('direct-ledger') ? { ledger: { ...config.ledger, direct_ms: 0 } } : {}),
  };
}

const pathOf = (s: ScenarioFile) => (s.route === 'ping' ? '/v1/ping' : '/v1/leads');
const bodyOf = (s: ScenarioFile, i: number) => ({ campaign: 'auto', lead: s.route === 'ping' ? pingLead(i) : fullLead(i), tmax_ms: s.tmax_ms });

/** The calls of the load: the i-th lead to `route`, over HTTP or the seller socket; the label says how it ended. */
async function sender(s: ScenarioFile, baseUrl: string, key: string | undefined): Promise<{ send: Send; close(): Promise<void> }> {
  const path = pathOf(s);
  if (s.seller === 'socket' && key !== undefined) {
    const seller = connectSeller({ url: baseUrl, key, callTimeoutMs: 10_000 });
    await seller.ready;
    const call = s.route === 'ping' ? seller.ping : seller.lead;
    return {
      send: (i) =>
        call('auto', bodyOf(s, i).lead as unknown as Record<string, unknown>, { tmax_ms: s.tmax_ms }).then(
          (a) => a.status,
          (e: unknown) => (e instanceof GavelCallError ? e.code : 'error'),
        ),
      close: () => seller.close(),
    };
  }
  const pool = new Pool(baseUrl, { connections: 512, pipelining: 1 });
  const headers = { 'content-type': 'application/json', ...(key !== undefined ? { authorization: `Bearer ${key}` } : {}) };
  return {
    async send(i) {
      const res = await pool.request({ method: 'POST', path, headers, body: JSON.stringify(bodyOf(s, i)) });
      const body = (await res.body.json()) as { status?: string; error?: { code?: string } };
      return res.statusCode === 200 ? (body.status ?? '200') : (body.error?.code ?? String(res.statusCode));
    },
    close: () => pool.close(),
  };
}

async function fleetTotals(fleets: readonly RemoteFleet<unknown>[]): Promise<BuyerCounters> {
  const total = emptyCounters();
  for (const f of fleets) {
    for (const c of Object.values((await f.read()).counters)) for (const k of Object.keys(total) as (keyof BuyerCounters)[]) total[k] += c[k];
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
    auctionP99: bucketQuantile(before, after, 'gavel_auction_duration_ms', 0.99),
    settleP99: bucketQuantile(before, after, 'gavel_settle_duration_ms', 0.99),
  };
}

/**
 * The closed loop of --connections: autocannon with N connections for an HTTP seller, N calls in
 * flight over seller sockets for a socket seller; its figures in the open loop's shape, so the
 * report, the plots and compare read both alike (no per-second series: a closed loop has no schedule).
 */
async function closedLoop(target: Target, s: ScenarioFile, key: string | undefined, connections: number, durationS: number, next: () => number): Promise<OpenLoopResult & { closed: LoadResult }> {
  const r =
    s.seller === 'socket' && key !== undefined
      ? await runSocketLoad({ url: target.url, key, campaign: 'auto', nextLead: () => bodyOf(s, next()).lead as unknown as Record<string, unknown>, tmaxMs: s.tmax_ms, connections, durationS, overMs: s.tmax_ms })
      : await runLoad({
          url: target.url,
          path: pathOf(s),
          headers: { 'content-type': 'application/json', ...(key !== undefined ? { authorization: `Bearer ${key}` } : {}) },
          nextBody: () => JSON.stringify(bodyOf(s, next())),
          connections,
          durationS,
          overMs: s.tmax_ms,
        });
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

/** Warm up, then the measured run (open loop at `rate`, or closed with flags.connections) against one server. */
async function measureServer(name: string, target: Target, s: ScenarioFile, flags: ScenarioFlags, rate: number, durationS: number, warmupS: number, gavel: boolean, fleets: readonly RemoteFleet<unknown>[]): Promise<ServerRun> {
  // the baselines take any key; a seller socket needs one to dial with
  const key = gavel || target.sellerKey !== undefined || s.seller === 'socket' ? DEMO_SELLER_KEY : undefined;
  const load = await sender(s, target.url, key);
  let lead = 0;
  try {
    // warm up closed-loop (a few calls in flight): an open loop at full rate against a cold server
    // builds a backlog the measured run would then inherit
    if (warmupS > 0) {
      const until = performance.now() + warmupS * 1000;
      const lane = async () => {
        while (performance.now() < until) await load.send(lead++).catch(() => undefined);
      };
      await Promise.all(Array.from({ length: WARMUP_IN_FLIGHT }, lane));
    }
    await target.quiesce?.();
    const before = gavel ? await scrapeMetrics(target.metricsUrl ?? target.url) : [];
    const fleetBefore = gavel && fleets.length > 0 ? await fleetTotals(fleets) : null;
    const cpu0 = await target.cpuSeconds();
    const result =
      flags.connections !== undefined
        ? await closedLoop(target, s, key, flags.connections, durationS, () => lead++)
        : await runOpenLoop({ rate, durationS, send: () => load.send(lead++), overMs: s.tmax_ms });
    await target.quiesce?.();
    const cpuMicrosPerCall = (((await target.cpuSeconds()) - cpu0) * 1e6) / Math.max(1, result.started);
    const { histogram: _h, closed: _c, ...rest } = result as OpenLoopResult & { closed?: LoadResult };
    // nothing scrapes Gavel during the run: rendering /metrics takes its event loop, which would show in the tail
    if (!gavel) {
      const peak = await target.peakRssMb?.();
      return { server: name, load: rest, cpuMicrosPerCall, ...(peak !== undefined ? { peakRssMb: peak } : {}) };
    }
    const after = await scrapeMetrics(target.metricsUrl ?? target.url);
    const accounts = fleetBefore !== null ? accountsOf(fleetBefore, await fleetTotals(fleets), before, after) : undefined;
    return { server: name, load: rest, cpuMicrosPerCall, gavel: gavelCounts(before, after), ...(accounts ? { accounts } : {}) };
  } finally {
    await load.close();
  }
}

const MAX_RAMP_STEPS = 24;

/** The scenario's load at one fixed rate, or a ramp of rates until the bounds break. */
async function measureOrRamp(name: string, target: Target, s: ScenarioFile, flags: ScenarioFlags, rate: number, durationS: number, gavel: boolean, fleets: readonly RemoteFleet<unknown>[] = []): Promise<ServerRun> {
  if (flags.ramp === undefined) return measureServer(name, target, s, flags, rate, durationS, flags.warmupS, gavel, fleets);
  const { stepS, boundP99Ms, boundOverShare } = flags.ramp;
  const steps: RampResult['steps'] = [];
  let last: ServerRun | undefined;
  let best: ServerRun | undefined;
  for (let k = 0, r = rate; k < MAX_RAMP_STEPS; k++, r = Math.round(r * 1.25)) {
    const run = await measureServer(name, target, s, flags, r, stepS, k === 0 ? flags.warmupS : 0, gavel, fleets);
    const overShare = (run.load.over + run.load.timeouts + run.load.skipped) / Math.max(1, run.load.started);
    const ok = run.load.latency.p99 <= boundP99Ms && overShare <= boundOverShare && (run.gavel?.lateAnswers ?? 0) <= boundOverShare * run.load.started;
    steps.push({ rate: r, p99: run.load.latency.p99, overShare, ok });
    last = run;
    if (!ok) break;
    best = run;
  }
  const held = [...steps].reverse().find((x) => x.ok)?.rate ?? 0;
  return { ...(best ?? last!), ramp: { held, steps } };
}

/** `npm run bench -- <scenario>`: the front ceiling, the bare relay (HTTP buyers, pings) and Gavel, one after the other, under one load. */
export async function runScenarioFile(name: string, flags: ScenarioFlags, command: string): Promise<ScenarioReport> {
  const s = loadScenario(name);
  const rate = flags.rate ?? s.rate;
  const durationS = flags.durationS ?? s.duration_s;
  const runs: ServerRun[] = [];
  if (flags.target !== undefined) {
    const t: Target = { url: flags.target, path: '', headers: {}, mark: async () => undefined, cpuSeconds: async () => NaN, notes: async () => [], stop: async () => [] };
    runs.push(await measureOrRamp(`Gavel at ${flags.target}`, t, s, flags, rate, durationS, true));
    return { scenario: s, ...mode(flags), date: new Date().toISOString(), machine: machine(), command, rate, durationS, runs };
  }
  const buyers = expandBuyers(s);
  const httpBuyers = buyers.filter((b) => b.transport === 'http').map((b) => b.behaviour);
  const socketBuyers = buyers.filter((b) => b.transport === 'websocket').map((b) => b.behaviour);
  const fleet: RemoteFleet | null = httpBuyers.length > 0 ? await startRemoteFleet(httpBuyers, { seed: 1 }) : null;
  try {
    const urls = new Map((fleet?.buyers ?? []).map((b) => [b.id, b]));
    const ceiling = await startForkedServer(CEILING, [], 'the front ceiling');
    try {
      runs.push(await measureOrRamp('front ceiling (uWS, a fixed bid)', ceiling, s, flags, rate, durationS, false));
    } finally {
      await ceiling.stop();
    }
    if (httpBuyers.length === 0 && s.route === 'ping') {
      // the WebSocket buyers dial the relay, as they will dial Gavel
      const relay = await startForkedServer(SOCKET_RELAY, [], 'the bare socket relay');
      const dialers = await startRemoteSocketFleet(socketBuyers, { url: relay.url, keys: Object.fromEntries(socketBuyers.map((b) => [b.id, keyOf(b.id)])), seed: 1 });
      try {
        runs.push(await measureOrRamp('bare relay (uWS, a frame to each buyer socket)', relay, s, flags, rate, durationS, false));
      } finally {
        await dialers.close();
        await relay.stop();
      }
    }
    if (socketBuyers.length === 0 && s.route === 'ping' && fleet !== null) {
      const relay = await bareRelay.start({ buyers: fleet.buyers, redisUrl: flags.redisUrl });
      try {
        runs.push(await measureOrRamp('bare relay (uWS + undici to the buyers)', relay, s, flags, rate, durationS, false));
      } finally {
        await relay.stop();
      }
    }
    // everything on, then once more without each feature asked for, on the same buyers under the same load
    for (const without of [[], ...(flags.without ?? []).map((f) => [f])] as GavelFeature[][]) {
      const gavel = await startGavelTarget({ buyers: fleet?.buyers ?? [], redisUrl: flags.redisUrl }, (prefix) => gavelConfig(s, { url: flags.redisUrl, prefix }, urls, without));
      const sockets =
        socketBuyers.length > 0 ? await startRemoteSocketFleet(socketBuyers, { url: gavel.url, keys: Object.fromEntries(socketBuyers.map((b) => [b.id, keyOf(b.id)])), seed: 1 }) : null;
      try {
        const fleets: RemoteFleet<unknown>[] = [];
        if (fleet !== null) fleets.push(fleet);
        if (sockets !== null) fleets.push(sockets);
        runs.push(await measureOrRamp(without.length === 0 ? 'Gavel' : `Gavel without ${without.join(', ')}`, gavel, s, flags, rate, durationS, true, fleets));
      } finally {
        await sockets?.close();
        const problems = await gavel.stop();
        if (problems.length > 0) console.error(`bench: ${problems.join('; ')}`);
      }
    }
  } finally {
    await fleet?.close();
  }
  return { scenario: s, ...mode(flags), date: new Date().toISOString(), machine: machine(), command, rate, durationS, runs };
}

function mode(flags: ScenarioFlags): Pick<ScenarioReport, 'connections'> {
  return flags.connections !== undefined ? { connections: flags.connections } : {};
}

const f = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '—');

/** The markdown table: every figure, and each server's pings/s and p99 as a ratio to both baselines. */
export function renderScenarioReport(r: ScenarioReport): string {
  const ceiling = r.runs.find((x) => x.server.startsWith('front ceiling'));
  const relay = r.runs.find((x) => x.server.startsWith('bare relay'));
  // at a fixed offered rate every server answers the same number: what differs is the time and the CPU each answer took
  const ratio = (a: number, b: number | undefined) => (b === undefined || !(b > 0) || !Number.isFinite(a) ? '—' : f(a / b));
  const closed = r.connections !== undefined;
  const fill = (x: ServerRun) => {
    if (closed) return '—'; // autocannon counts statuses, not what the answers said
    const won = x.load.outcomes[r.scenario.route === 'ping' ? 'bid' : 'sold'] ?? 0;
    return `${f((won / Math.max(1, x.load.completed)) * 100, 1)}%`;
  };
  const perS = (x: ServerRun | undefined) => (x === undefined ? undefined : x.load.completed / x.load.elapsedS);
  const rows = r.runs.map((x) => {
    const l = x.load;
    const errors = Object.entries(l.outcomes)
      .filter(([k]) => !['bid', 'sold', 'no_bid', 'rejected', 'duplicate', 'answered'].includes(k))
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    const g = x.gavel;
    const throughput = closed ? ` ${ratio(perS(x)!, perS(ceiling))} | ${ratio(perS(x)!, perS(relay))} |` : '';
    return `| ${x.server} | ${f(closed ? perS(x)! : l.completed / r.durationS, 0)} | ${f(l.latency.p50)} | ${f(l.latency.p90)} | ${f(l.latency.p99)} | ${f(l.latency.p999)} | ${f(l.latency.max)} | ${l.over} | ${g ? g.lateAnswers : '—'} | ${g ? f(g.bidsPerAuction) : '—'} | ${fill(x)} | ${errors || 'none'} | ${f(x.cpuMicrosPerCall, 0)} | ${f(g?.peakRssMb ?? x.peakRssMb ?? Number.NaN, 0)} | ${ratio(l.latency.p99, ceiling?.load.latency.p99)} | ${ratio(l.latency.p99, relay?.load.latency.p99)} | ${ratio(x.cpuMicrosPerCall, relay?.cpuMicrosPerCall)} |${throughput}`;
  });
  const load = closed
    ? `Closed loop: ${r.connections} calls in flight at all times (${r.scenario.seller === 'socket' ? 'over seller sockets' : `autocannon, ${r.connections} connections`}) for ${r.durationS} s; answers/s is the most each server answered, latency from each call's send, ms.`
    : `Open-loop load at ${r.rate}/s for ${r.durationS} s; latency from the moment each call was due (no coordinated omission), ms.`;
  return [
    `### ${r.scenario.name}: ${r.scenario.description}`,
    '',
    `Machine: ${r.machine}. Command: \`${r.command}\`. Date: ${r.date.slice(0, 10)}. ${r.scenario.route === 'ping' ? '/v1/ping' : '/v1/leads'} over ${r.scenario.seller === 'socket' ? 'the seller socket' : 'HTTP'}, tmax ${r.scenario.tmax_ms} ms. ${load}`,
    '',
    `| server | answers/s | p50 | p90 | p99 | p99.9 | max | over tmax (client) | late (Gavel) | bids/auction | fill | errors | CPU µs/call | peak RSS MB | p99 vs ceiling | p99 vs relay | CPU vs relay |${closed ? ' answers/s vs ceiling | answers/s vs relay |' : ''}`,
    `| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |${closed ? ' ---: | ---: |' : ''}`,
    ...rows,
    ...ownViewSection(r),
    ...accountsSection(r),
    ...rampSection(r),
  ].join('\n');
}

/** A section below the main table: a paragraph, then a table whose first column is text and the rest numbers unless `textColumns` says otherwise. */
function tableSection(intro: string, head: readonly string[], rows: readonly string[], textColumns: ReadonlySet<number> = new Set([0])): string[] {
  return ['', intro, '', `| ${head.join(' | ')} |`, `| ${head.map((_, i) => (textColumns.has(i) ? '---' : '---:')).join(' | ')} |`, ...rows];
}

/**
 * Gavel's own p99s beside the client's: time a call spent before Gavel's handler saw it or after
 * it wrote the answer (a queue on a busy box, a collection) shows as the difference.
 */
function ownViewSection(r: ScenarioReport): string[] {
  const runs = r.runs.filter((x) => x.gavel?.auctionP99 !== undefined);
  if (runs.length === 0) return [];
  return tableSection(
    "Gavel's own view, from its histograms (bucket bounds, ms): its auction time from receipt to the answer written, and the settle (end of the fan-out to the answer ready: rank, hold, save), against the p99 the client saw.",
    ['server', 'p99 at the client', 'auction p99 (Gavel)', 'settle p99 (Gavel)'],
    runs.map((x) => `| ${x.server} | ${f(x.load.latency.p99)} | ${x.gavel!.auctionP99} | ${x.gavel!.settleP99} |`),
  );
}

/** Each Gavel run's account against the buyers' own: what they said they received and answered. */
function accountsSection(r: ScenarioReport): string[] {
  const runs = r.runs.filter((x) => x.accounts !== undefined);
  if (runs.length === 0) return [];
  return tableSection(
    "The buyers' account against Gavel's, over the measured run: pings they received and Gavel counted; bids and accepted posts they sent (those after their time by their clock in brackets) and Gavel took (socket buyers' answers Gavel read after their time, by its clock, in brackets: a stalled box can make an answer sent in time arrive late); personal data in pings and requests off the protocol, which must be 0.",
    ['server', 'pings: buyers / Gavel', 'bids: buyers (late) / Gavel (read late)', 'accepted posts: buyers (late) / Gavel', 'PII in pings', 'bad requests', 'agree'],
    runs.map((x) => {
      const a = x.accounts!;
      return `| ${x.server} | ${a.pings.buyers} / ${a.pings.gavel} | ${a.bids.buyers} (${a.bids.late}) / ${a.bids.gavel} (${a.bids.readLate}) | ${a.accepted.buyers} (${a.accepted.late}) / ${a.accepted.gavel} | ${a.piiInPings} | ${a.badRequests} | ${accountsHold(a) ? 'yes' : 'NO'} |`;
    }),
    new Set([0, 6]),
  );
}

/** With --ramp: the highest rate each server held, as a ratio to both baselines, and its steps. */
function rampSection(r: ScenarioReport): string[] {
  if (!r.runs.some((x) => x.ramp !== undefined)) return [];
  const heldOf = (prefix: string) => r.runs.find((x) => x.server.startsWith(prefix))?.ramp?.held;
  const ceiling = heldOf('front ceiling');
  const relay = heldOf('bare relay');
  const ratio = (a: number, b: number | undefined) => (b === undefined || b === 0 ? '—' : f(a / b));
  return tableSection(
    `Ramp: ×1.25 a step from ${r.rate}/s, each step held while p99 ≤ the bound and no more than the bound's share of calls came back after tmax; the rows above are each server's last step that held.`,
    ['server', 'highest rate held /s', 'vs ceiling', 'vs relay', 'steps (rate: p99 ms, share over tmax)'],
    r.runs.map((x) => {
      const held = x.ramp?.held ?? 0;
      const steps = (x.ramp?.steps ?? []).map((st) => `${st.rate}: ${f(st.p99, 1)}, ${f(st.overShare * 100, 1)}%${st.ok ? '' : ' ✗'}`).join('; ');
      return `| ${x.server} | ${held} | ${ratio(held, ceiling)} | ${ratio(held, relay)} | ${steps} |`;
    }),
    new Set([0, 4]),
  );
}

/** JSON for machines, markdown for people, SVG plots for browsers, in bench/results/<scenario>/. */
export function writeScenarioReport(r: ScenarioReport): string {
  const dir = join(ROOT, 'bench', 'results', r.scenario.name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'report.json'), JSON.stringify(r, null, 2));
  writeFileSync(join(dir, 'report.md'), renderScenarioReport(r) + '\n');
  for (const run of r.runs) {
    // the server's name up to its parenthesis: "gavel", "gavel-without-trace", "bare-relay"
    const slug = run.server.replace(/\s*\(.*$/, '').toLowerCase().replace(/[^a-z]+/g, '-').replace(/^-|-$/g, '');
    if (run.load.perSecond.length > 0) writeFileSync(join(dir, `${slug}-latency-over-time.svg`), latencyOverTimeSvg(`${r.scenario.name}: ${run.server}, latency per second`, run.load.perSecond));
    writeFileSync(join(dir, `${slug}-latency-histogram.svg`), latencyHistogramSvg(`${r.scenario.name}: ${run.server}, latency histogram`, run.load.buckets));
  }
  return dir;
}
