/**
 * Which process runs an upload: a lease its holder renews, that no other process can take while
 * it holds, and that lapses on its own when the holder dies. The same contract on the embedded
 * store's and on Redis (lua/upload-lease-1.lua).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/store/redis-store.js';
import { MemoryUploadLeases, RedisUploadLeases, type UploadLeases } from '../../src/uploads/upload-leases.js';
import { cleanPrefix, REDIS_URL, testPrefix } from '../support/exchange.js';

const prefix = testPrefix();
const stores: RedisStore[] = [];
afterAll(async () => {
  for (const s of stores) await s.close();
  await cleanPrefix(prefix);
});

async function redisLeases(): Promise<UploadLeases> {
  const s = new RedisStore({ url: REDIS_URL, prefix });
  stores.push(s);
  if (!(await s.waitReady(3000))) throw new Error(`no Redis at ${REDIS_URL}`);
  return new RedisUploadLeases(s.client);
}

describe.each([
  ['memory', async () => new MemoryUploadLeases()],
  ['redis', redisLeases],
] as const)('upload leases on %s', (_name, make) => {
  it('one holder at a time: renewed by it, refused to another, free once given back', async () => {
    const leases = await make();
    const up = `up_${Math.random().toString(36).slice(2, 18).padEnd(16, 'x')}`;
    expect(await leases.take(up, 'a', 5000)).toBe(true);
    expect(await leases.take(up, 'b', 5000)).toBe(false);
    expect(await leases.take(up, 'a', 5000)).toBe(true);
    // only the holder gives it back
    await leases.release(up, 'b');
    expect(await leases.take(up, 'b', 5000)).toBe(false);
    await leases.release(up, 'a');
    expect(await leases.take(up, 'b', 5000)).toBe(true);
  });

  it("a dead holder's lease lapses on its own, and another takes the upload over", async () => {
    const leases = await make();
    const up = `up_${Math.random().toString(36).slice(2, 18).padEnd(16, 'y')}`;
    expect(await leases.take(up, 'dead', 60)).toBe(true);
    expect(await leases.take(up, 'next', 5000)).toBe(false);
    await sleep(120);
    expect(await leases.take(up, 'next', 5000)).toBe(true);
    expect(await leases.take(up, 'dead', 60)).toBe(false);
  });
});
