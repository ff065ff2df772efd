import { fileURLToPath } from 'node:url';
import { hashKey } from '../../src/config/keys.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { BENCH_ADMIN_KEY, BENCH_ADMIN_KEY_HASH, startPublishing } from '../support/config-publisher.js';
import type { HttpBuyer } from '../support/fleet-messages.js';
import { demoExchange } from '../support/demo-config.js';
import { startForkedServer } from '../support/forked-server.js';
import { startRemoteSocketFleet } from '../support/remote-fleet.js';
import { expandBuyers, type ScenarioFile } from '../scenario-file.js';
import { bareRelay } from './bare-relay.js';
import { socketBuyerKey, startGavelWithBuyers } from './gavel-with-buyers.js';
import type { Scenario } from './scenario.js';

/** What `--without` can turn off in an extra run of Gavel, measured in the same run as the rest. */
/**
 * direct-ledger: sales written into the ledger on the post's path (off: ledger.direct_ms 0, the
 * durable queue alone); fields: each lead's non-personal fields kept in its trace (trace.record_fields)
 */
export const GAVEL_FEATURES = ['trace', 'ledger', 'direct-ledger', 'fields'] as const;
export type GavelFeature = (typeof GAVEL_FEATURES)[number];

const SOCKET_RELAY = fileURLToPath(new URL('./bare-socket-relay-server.js', import.meta.url));
const CEILING = fileURLToPath(new URL('./front-ceiling-server.js', import.meta.url));

/** Gavel's config for the file: the demo campaign with the file's plan and buyers. */
function gavelConfig(s: ScenarioFile, redis: { url: string; prefix: string }, fleet: readonly HttpBuyer[], without: readonly GavelFeature[]): ConfigInput {
  const buyers = expandBuyers(s);
  const urls = new Map(fleet.map((b) => [b.id, b]));
  const buyerConfigs = buyers.map(({ behaviour: b, transport }) => {
    const price = (b as { price?: number }).price;
    const base = { id: b.id, campaigns: ['auto'], timeout_ms: Math.min(1000, s.tmax_ms), ...(price !== undefined ? { price } : {}) };
    if (transport === 'websocket') return { ...base, transport: 'websocket' as const, keys: [hashKey(socketBuyerKey(b.id))] };
    const u = urls.get(b.id)!;
    return { ...base, ...(price === undefined ? { ping_url: u.pingUrl } : {}), post_url: u.postUrl };
  });
  const distribution = s.tiers?.map((t) => ({ ...t, buyers: buyers.filter((b) => b.tier === t.name).map((b) => b.behaviour.id) }));
  const config = demoExchange(redis, buyerConfigs as ConfigInput['buyers'], { campaign: { tmax_ms: s.tmax_ms, max_tmax_ms: Math.max(1000, s.tmax_ms), ...(distribution ? { distribution } : {}) } });
  return {
    ...config,
    ...(without.includes('trace') || without.includes('fields') ? { trace: { enabled: !without.includes('trace'), record_fields: !without.includes('fields') } } : {}),
    ...(without.includes('ledger') ? { ledger: { enabled: false } } : {}),
    ...(without.includes('direct-ledger') ? { ledger: { ...config.ledger, direct_ms: 0 } } : {}),
  };
}

/** "every 1 s", "every 0.5 s" */
const everyText = (ms: number) => `every ${+(ms / 1000).toFixed(3)} s`;

/**
 * Gavel on the file's config as the plain run has it, with an operator key, publishing a new
 * configuration version every `everyMs` of each measured run through its admin API
 * (bench/support/config-publisher.ts). Its versions live in PostgreSQL, in the run's own schema
 * (the ledger's, dropped when the run stops), seeded from the config at start, as a first start
 * of a production Gavel on PostgreSQL would have them.
 */
export function publishingGavel(s: ScenarioFile, everyMs: number): Scenario {
  const socketBuyers = expandBuyers(s).filter((b) => b.transport === 'websocket').map((b) => b.behaviour);
  return {
    route: s.route,
    seller: s.seller,
    tmaxMs: s.tmax_ms,
    name: `Gavel, publishing ${everyText(everyMs)}`,
    async start(ctx) {
      const target = await startGavelWithBuyers(ctx, (prefix) => ({ ...gavelConfig(s, { url: ctx.redisUrl, prefix }, ctx.buyers, []), admin_keys: [BENCH_ADMIN_KEY_HASH] }), socketBuyers);
      return { ...target, startPublishing: () => startPublishing({ operatorUrl: target.metricsUrl!, adminKey: BENCH_ADMIN_KEY, everyMs }) };
    },
  };
}

/**
 * The `scale` scenario's servers: the front ceiling and the bare relay (the generator's limit and
 * the baseline), then Gavel on the file's config as a set of each of `counts` processes
 * (`--processes N`, a supervisor and N workers on one port, one Redis), on the same buyers.
 */
export function scaleScenarios(s: ScenarioFile, counts: readonly number[]): Scenario[] {
  const [ceiling, relay] = fileScenarios(s);
  const socketBuyers = expandBuyers(s).filter((b) => b.transport === 'websocket').map((b) => b.behaviour);
  const load = { route: s.route, seller: s.seller, tmaxMs: s.tmax_ms };
  return [
    ceiling!,
    ...(relay !== undefined && relay.name.startsWith('bare relay') ? [relay] : []),
    ...counts.map((n) => ({
      ...load,
      name: n === 1 ? 'Gavel, 1 process' : `Gavel, ${n} processes`,
      start: (ctx: Parameters<Scenario['start']>[0]) => startGavelWithBuyers(ctx, (prefix) => gavelConfig(s, { url: ctx.redisUrl, prefix }, ctx.buyers, []), socketBuyers, n),
    })),
  ];
}

/**
 * The scenarios a scenario file measures, in order, all under its load: the front ceiling, the
 * bare relay to its buyers (a ping route to buyers all on HTTP or all on sockets), then Gavel,
 * Gavel once more without each feature in `without`, and, with `publishEveryMs`, Gavel once
 * more publishing a configuration version that often, all on the same buyers.
 */
export function fileScenarios(s: ScenarioFile, without: readonly GavelFeature[] = [], publishEveryMs?: number): Scenario[] {
  const buyers = expandBuyers(s);
  const httpBuyers = buyers.filter((b) => b.transport === 'http');
  const socketBuyers = buyers.filter((b) => b.transport === 'websocket').map((b) => b.behaviour);
  const load = { route: s.route, seller: s.seller, tmaxMs: s.tmax_ms };
  const scenarios: Scenario[] = [{ ...load, name: 'front ceiling (uWS, a fixed bid)', start: () => startForkedServer(CEILING, [], 'the front ceiling') }];
  if (httpBuyers.length === 0 && s.route === 'ping') {
    scenarios.push({
      ...load,
      name: 'bare relay (uWS, a frame to each buyer socket)',
      async start() {
        // the WebSocket buyers dial the relay, as they will dial Gavel
        const relay = await startForkedServer(SOCKET_RELAY, [], 'the bare socket relay');
        const keys = Object.fromEntries(socketBuyers.map((b) => [b.id, socketBuyerKey(b.id)]));
        const dialers = await startRemoteSocketFleet(socketBuyers, { url: relay.url, keys, seed: 1 });
        return {
          ...relay,
          async stop() {
            await dialers.close();
            return relay.stop();
          },
        };
      },
    });
  }
  if (socketBuyers.length === 0 && s.route === 'ping') scenarios.push({ ...bareRelay, ...load, name: 'bare relay (uWS + undici to the buyers)' });
  for (const off of [[], ...without.map((f) => [f])] as GavelFeature[][]) {
    scenarios.push({
      ...load,
      name: off.length === 0 ? 'Gavel' : `Gavel without ${off.join(', ')}`,
      start: (ctx) => startGavelWithBuyers(ctx, (prefix) => gavelConfig(s, { url: ctx.redisUrl, prefix }, ctx.buyers, off), socketBuyers),
    });
  }
  if (publishEveryMs !== undefined) scenarios.push(publishingGavel(s, publishEveryMs));
  return scenarios;
}
