import { keys } from './keys.js';
import type { Scripts } from './redis-connection.js';
import type { TurnStore } from './store.js';

/** Round_robin and weighted tiers' turns in Redis, shared by every process (lua/turn-pick-1.lua). */
export class RedisTurns implements TurnStore {
  constructor(private readonly scripts: Scripts) {}

  async takeTurn(tier: string, candidates: readonly (readonly [string, number])[]): Promise<string[]> {
    return this.scripts.turnPick(keys.turn(tier), ...candidates.flat());
  }
}
