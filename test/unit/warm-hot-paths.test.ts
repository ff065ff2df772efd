import { describe, expect, it } from 'vitest';
import { warmHotPaths } from '../../src/warm-hot-paths.js';
import { runtimeOf, stageConfig } from './stage-fixtures.js';

/**
 * Start-up's warm-up of the hot pure code (src/warm-hot-paths.ts). It is given the compiled
 * runtime and nothing else (no store, no transports, no metrics, no traces), so it cannot reach
 * live state; what is checked here is that it runs the rounds asked, within its time bound, on
 * the campaigns whose example lead validates.
 */
describe('warmHotPaths', () => {
  const runtime = runtimeOf(
    stageConfig([{ id: 'a' }, { id: 'b' }, { id: 'fixed', price: 4, ping_url: undefined }], {
      distribution: [
        { name: 'top', method: 'highest_bid', buyers: ['a', 'b'] },
        { name: 'flat', method: 'fixed_price', buyers: ['fixed'] },
      ],
    }),
  );

  it('runs every round asked on each campaign whose example lead validates', async () => {
    const warmed = await warmHotPaths(runtime, 500, 10_000);
    expect(warmed).toMatchObject({ rounds: 500, campaigns: 1 });
  });

  it('stops at its time bound, whatever the rounds asked', async () => {
    const warmed = await warmHotPaths(runtime, 100_000_000, 80);
    expect(warmed.rounds).toBeGreaterThan(0);
    expect(warmed.rounds).toBeLessThan(100_000_000);
    // checked every 64 rounds: over the bound by at most a few of them
    expect(warmed.ms).toBeLessThan(400);
  });

  it('leaves out a campaign whose example lead does not validate, and runs none with no campaign left', async () => {
    // an integer between 1.2 and 1.8: no example can be made for it
    const odd = runtimeOf(stageConfig([{ id: 'a' }], { fields: { n: { type: 'integer', min: 1.2, max: 1.8, required: true, ping: true }, phone: { type: 'phone', required: true, pii: true } } }));
    expect(await warmHotPaths(odd, 500, 10_000)).toMatchObject({ rounds: 0, campaigns: 0 });
  });
});
