import type { BuyerBehaviour } from '../buyer-behaviour.js';
import { demoExchange } from '../support/demo-config.js';
import { hashKey } from '../../src/config/keys.js';
import { socketBuyerKey, startGavelWithBuyers } from './gavel-with-buyers.js';
import { startWithHttpBuyers } from './ping-5-buyers.js';
import type { Scenario, ScenarioContext, Target } from './scenario.js';

type Side = 'http' | 'socket';

/** Gavel with `behaviours` as websocket buyers, each with its key in Gavel's config. */
function startWithSocketBuyers(ctx: ScenarioContext, behaviours: readonly BuyerBehaviour[]): Promise<Target> {
  return startGavelWithBuyers(
    ctx,
    (prefix) =>
      demoExchange(
        { url: ctx.redisUrl, prefix },
        behaviours.map((b) => ({ id: b.id, campaigns: ['auto'], transport: 'websocket' as const, keys: [hashKey(socketBuyerKey(b.id))], timeout_ms: 100 })),
      ),
    behaviours,
  );
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
