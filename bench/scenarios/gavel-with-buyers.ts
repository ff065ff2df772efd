import type { ConfigInput } from '../../src/config/schema.js';
import type { BuyerBehaviour } from '../buyer-behaviour.js';
import { startGavelTarget } from '../support/gavel-target.js';
import { startRemoteSocketFleet } from '../support/remote-fleet.js';
import type { ScenarioContext, Target } from './scenario.js';

/** The key Gavel's config gives a socket buyer of the bench, and the fleet dials with: 16+ characters. */
export const socketBuyerKey = (id: string) => `bench-socket-buyer-${id}`;

/**
 * Gavel with `config` (given its Redis prefix), then `socketBuyers` in a fleet process of their
 * own: they dial Gavel, so they start once it listens. Their readings are the target's, and they
 * leave before Gavel stops, so no buyer is left redialling a server that is gone.
 */
export async function startGavelWithBuyers(ctx: ScenarioContext, config: (prefix: string) => ConfigInput, socketBuyers: readonly BuyerBehaviour[] = [], processes = 1): Promise<Target> {
  const target = await startGavelTarget(ctx, config, processes);
  if (socketBuyers.length === 0) return target;
  const keys = Object.fromEntries(socketBuyers.map((b) => [b.id, socketBuyerKey(b.id)]));
  const fleet = await startRemoteSocketFleet(socketBuyers, { url: target.url, keys, seed: 1 }).catch(async (e: unknown) => {
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
