import type { Live } from './memory-expiry.js';
import type { TurnStore } from './store.js';
import { takeTurn } from './turn-order.js';

/** Round_robin and weighted tiers' turns in one process (the arithmetic of lua/turn-pick-1.lua: turn-order.ts). */
export class MemoryTurns implements TurnStore {
  /** bounded by the configured tiers and their buyers */
  private readonly turns = new Map<string, Map<string, number>>();

  constructor(private readonly live: Live) {}

  async takeTurn(tier: string, candidates: readonly (readonly [string, number])[]): Promise<string[]> {
    this.live();
    let current = this.turns.get(tier);
    if (current === undefined) this.turns.set(tier, (current = new Map()));
    return takeTurn(current, candidates);
  }
}
