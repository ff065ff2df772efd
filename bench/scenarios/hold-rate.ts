import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { limitsAt, type CapRules } from '../../src/core/cap-limits.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { runCallers, type Operation } from '../support/callers.js';
import { CAPPED_BUYERS_TEXT, cappedBuyerRules } from '../support/capped-buyers.js';
import { percentile } from '../support/percentiles.js';
import { dropPrefix, uniquePrefix } from '../support/redis-prefix.js';
import { readRedisStats, statsDelta, type CommandCount } from '../support/redis-stats.js';
import { createRng } from '../support/rng.js';

export interface HoldRateSettings {
  /** each measured run, seconds */
  durationS: number;
  /** callers in flight, one run of each operation at each */
  inFlight: number[];
}

/** The baseline, then the two ways Gavel calls the cap scripts on a sale: a hold, and a hold then its commit. */
export const HOLD_OPS = ['SET', 'hold', 'hold+commit'] as const;
export type HoldOp = (typeof HOLD_OPS)[number];

export interface HoldRateRun {
  op: HoldOp;
  inFlight: number;
  /** store calls per operation: 2 for hold+commit */
  callsPerOp: number;
  opsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** the server's CPU time over the run, per operation */
  redisCpuMicrosPerOp: number;
  /** the time Redis itself counted in the commands this client sent (SET, or EVALSHA with all it calls), per operation */
  redisCommandMicrosPerOp: number;
  /** this process's CPU per operation: ioredis, the store's argument building, the loop */
  clientCpuMicrosPerOp: number;
  ops: number;
  refused: number;
  errors: number;
  /** every command Redis ran over the run, those the scripts called included */
  commands: Map<string, CommandCount>;
  /** why this run's Redis figures may include other clients' work; empty when they do not */
  disturbed: string[];
}

export interface HoldRateFigures {
  settings: HoldRateSettings;
  buyers: number;
  buyersText: string;
  runs: HoldRateRun[];
  notes: string[];
  problems: string[];
}

const BUYERS = 20;
/** Gavel's default ping_ttl plus its hold slack: a ping's hold lives this long unless committed. */
const HOLD_TTL_MS = 65_000;
/** Unmeasured: the first call on a connection is an EVAL carrying the script, and the JIT is cold. */
const WARMUP_S = 0.5;
/** The commands a run issues itself; the rest in its commandstats are called from inside the script. */
const TOP_LEVEL = ['set', 'evalsha', 'eval'];
/** The store's connection and the one reading INFO. */
const OWN_CONNECTIONS = 2;

interface Buyer {
  id: string;
  rules: CapRules;
}

/** A bid of $5 to $15 in whole cents, as micros. */
function priceOf(rng: () => number): number {
  return Math.round((5 + 10 * rng()) * 100) * 10_000;
}

function operation(op: HoldOp, store: RedisStore, buyers: readonly Buyer[], rng: () => number): Operation {
  let next = 0;
  const pick = () => buyers[next++ % buyers.length]!;
  switch (op) {
    case 'SET':
      return async (timed) => {
        const b = pick();
        await timed(() => store.client.set(`{b:${b.id}}:baseline`, randomUUID()));
        return true;
      };
    case 'hold':
      return async (timed) => {
        const b = pick();
        const now = Date.now();
        return (await timed(() => store.hold(b.id, randomUUID(), priceOf(rng), limitsAt(b.rules, now), [], now, now + HOLD_TTL_MS))).ok;
      };
    case 'hold+commit':
      return async (timed) => {
        const b = pick();
        const holdId = randomUUID();
        const now = Date.now();
        const held = await timed(() => store.hold(b.id, holdId, priceOf(rng), limitsAt(b.rules, now), [], now, now + HOLD_TTL_MS));
        return held.ok && (await timed(() => store.commitHold(b.id, holdId, Date.now(), [])));
      };
  }
}

function sumOf(commands: Map<string, CommandCount>, names: readonly string[]): CommandCount {
  const out = { calls: 0, usec: 0 };
  for (const n of names) {
    const c = commands.get(n);
    if (c !== undefined) {
      out.calls += c.calls;
      out.usec += c.usec;
    }
  }
  return out;
}

/**
 * The rate of lua/cap-hold-6.lua and lua/cap-commit-6.lua as Gavel calls them: one RedisStore
 * (auto-pipelining) in this process, on the real Redis under a prefix of its own, BUYERS buyers
 * with every kind of cap, a closed loop of callers at each depth; a plain SET through the same
 * client is the baseline.
 * Each run takes fresh buyers, so no run pays for the holds an earlier one left behind.
 */
export async function measureHoldRate(redisUrl: string, settings: HoldRateSettings): Promise<HoldRateFigures> {
  const prefix = uniquePrefix('bench-holds');
  const store = new RedisStore({ url: redisUrl, prefix });
  const admin = new Redis(redisUrl, { maxRetriesPerRequest: 0 });
  admin.on('error', () => undefined);
  const rules = cappedBuyerRules(BUYERS);
  const rng = createRng(1);
  let run = 0;
  const buyersOfRun = () => {
    const tag = `r${run++}`;
    return rules.map((r, i) => ({ id: `${tag}-capped-${i + 1}`, rules: r }));
  };
  const runs: HoldRateRun[] = [];
  const notes: string[] = [];
  const problems: string[] = [];
  try {
    if (!(await store.waitReady(5000))) throw new Error(`hold rate: no Redis at ${redisUrl}`);
    const deepest = Math.max(...settings.inFlight);
    for (const op of HOLD_OPS) await runCallers(deepest, WARMUP_S / HOLD_OPS.length, operation(op, store, buyersOfRun(), rng));

    for (const inFlight of settings.inFlight) {
      for (const op of HOLD_OPS) {
        const before = await readRedisStats(admin);
        const r = await runCallers(inFlight, settings.durationS, operation(op, store, buyersOfRun(), rng));
        const delta = statsDelta(before, await readRedisStats(admin));
        const ops = Math.max(1, r.ops);
        const top = sumOf(delta.commands, TOP_LEVEL);
        const disturbed: string[] = [];
        if (delta.connectedClients > OWN_CONNECTIONS) disturbed.push(`${delta.connectedClients - OWN_CONNECTIONS} other client(s) connected`);
        if (delta.connectionsReceived > 0) disturbed.push(`${delta.connectionsReceived} connection(s) opened`);
        if (top.calls > r.calls) disturbed.push(`${top.calls - r.calls} ${TOP_LEVEL.join('/')} call(s) not ours`);
        runs.push({
          op,
          inFlight,
          callsPerOp: r.calls / ops,
          opsPerSecond: r.ops / r.elapsedS,
          p50Ms: percentile(r.latenciesMs, 0.5),
          p99Ms: percentile(r.latenciesMs, 0.99),
          redisCpuMicrosPerOp: (delta.cpuSeconds * 1e6) / ops,
          redisCommandMicrosPerOp: top.usec / ops,
          clientCpuMicrosPerOp: r.clientCpuMicros / ops,
          ops: r.ops,
          refused: r.refused,
          errors: r.errors,
          commands: delta.commands,
          disturbed,
        });
        if (r.refused > 0) problems.push(`${op}, ${inFlight} in flight: ${r.refused} of ${r.ops} refused by the caps (raise them in bench/support/capped-buyers.ts)`);
        if (r.errors > 0) problems.push(`${op}, ${inFlight} in flight: ${r.errors} errors, first: ${r.firstError}`);
        if (disturbed.length > 0) notes.push(`${op}, ${inFlight} in flight: Redis was not ours alone (${disturbed.join(', ')}); its CPU and command figures include others' work`);
      }
    }
  } finally {
    await store.close();
    admin.disconnect();
    const dropped = await dropPrefix(redisUrl, prefix).catch((e: Error) => {
      problems.push(`could not drop the keys under ${prefix}: ${e.message}`);
      return 0;
    });
    notes.push(`${dropped} keys under the run's prefix ${prefix} deleted after`);
  }
  return { settings, buyers: BUYERS, buyersText: CAPPED_BUYERS_TEXT, runs, notes, problems };
}
