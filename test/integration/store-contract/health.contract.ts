import { expect, it } from 'vitest';
import type { StoreHealth } from '../../../src/store/store.js';

/** What every store answers for its health. */
export function healthContract(store: () => Promise<StoreHealth>): void {
  it('ping answers while the store is up', async () => {
    const s = await store();
    await expect(s.ping()).resolves.toBeUndefined();
  });
}
