import type { BuyerBehaviour } from '../buyer-behaviour.js';
import { demoExchange } from '../support/demo-config.js';
import { hashKey } from '../../src/config/keys.js';
import { startGavelTarget } from '../support/gavel-target.js';
import { startRemoteSocketFleet } from '../support/remote-fleet.js';
import { startWithHttpBuyers } from './ping-5-buyers.js';
import type { Scenario, ScenarioContext, Target } from './scenario.js';

type Side = 'http' | 'socket';

/** The key Gavel's config gives a socket buyer of the bench, and the fleet dials with: 16+ characters. */
const keyOf = (id: string) => `bench-socket-buyer-${id}`;

/**
 * Gavel with `behaviours` as websocket buyers: Gavel first, then the socket fleet in a process of
 * its own (it dials Gavel, so it needs its URL); the fleet's readings are the target's, and it
 * leaves before Gavel stops, so no buyer is left redialling a server that is gone.
 */
async function startWithSocketBuyers(ctx: ScenarioContext, behaviours: readonly BuyerBehaviour[]): Promise<Target> {
  const keys = Object.fromEntries(behaviours.map((b) => [b.id, keyOf(b.id)]));
  const target = await startGavelTarget(ctx, (prefix) =>
    demoExchange(
      { url: ctx.redisUrl, prefix },
      behaviours.map((b) => ({ id: b.id, campaigns: ['auto'], transport: 'websocket' as const, keys: [hashKey(keys[b.id]!)], timeout_ms: 100 })),
    ),
  );
  const fleet = await startRemoteSocketFleet(behaviours, { url: target.url, keys, seed: 1 }).catch(async (e: unknown) => {
    await target.stop();
    throw e;
  });
  return {
    ...target,
    readBuyers: () => fleet.read(),
    async stop() {
      await fleet.close();
      return target.stop();
    },
  };
}

const sideName = { seller: { http: 'HTTP seller', socket: 'seller socket' }, buyers: { http: 'HTTP buyers', socket: 'socket buyers' } } as const;

/** One path through Gavel: how the seller reaches it, how it reaches the buyers. */
function socketPath(seller: Side, buyers: Side, behaviours: readonly BuyerBehaviour[]): Scenario {
  return {
    name: `${sideName.seller[seller]} → Gavel → ${behaviours.length} ${sideName.buyers[buyers]}`,
    seller,
    start: buyers === 'http' ? startWithHttpBuyers : (ctx) => startWithSocketBuyers(ctx, behaviours),
  };
}

/**
 * The `sockets` part: the four ways through Gavel, HTTP or socket on each side, the same buyers
 * behind each. The first (HTTP both sides, as the servers part's Gavel) is the one the others are compared with.
 */
export function socketPaths(behaviours: readonly BuyerBehaviour[]): Scenario[] {
  return [
    socketPath('http', 'http', behaviours),
    socketPath('socket', 'http', behaviours),
    socketPath('http', 'socket', behaviours),
    socketPath('socket', 'socket', behaviours),
  ];
}
