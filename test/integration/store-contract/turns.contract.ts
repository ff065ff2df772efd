import { expect, it } from 'vitest';
import type { TurnStore } from '../../../src/store/store.js';

/** What every TurnStore keeps: smooth weighted turns per tier, shared by whoever asks. */
export function turnContract(store: () => Promise<TurnStore>): void {
  it('turns: weights 3:1 give a a b a, each answer the turn then the rest by current weight; tiers are apart', async () => {
    const s = await store();
    const tier = [['a', 3], ['b', 1]] as const;
    const orders: string[][] = [];
    for (let i = 0; i < 4; i++) orders.push(await s.takeTurn('t:weighted', tier));
    expect(orders).toEqual([['a', 'b'], ['a', 'b'], ['b', 'a'], ['a', 'b']]);
    // another tier's turns start from nothing
    expect(await s.takeTurn('t:round', [['a', 1], ['b', 1]])).toEqual(['a', 'b']);
    expect(await s.takeTurn('t:round', [['a', 1], ['b', 1]])).toEqual(['b', 'a']);
  });
}
