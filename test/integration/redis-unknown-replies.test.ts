import { afterEach, expect, it } from 'vitest';
import { UnknownLuaReply } from '../../src/store/lua-codes.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { cleanPrefix, REDIS_URL, testPrefix } from '../support/exchange.js';

let store: RedisStore | undefined;
afterEach(async () => {
  if (store === undefined) return;
  await store.close();
  await cleanPrefix(store.prefix);
  store = undefined;
});

async function redisStore(): Promise<RedisStore> {
  store = new RedisStore({ url: REDIS_URL, prefix: testPrefix() });
  if (!(await store.waitReady(3000))) throw new Error(`no Redis at ${REDIS_URL}`);
  return store;
}

/** the store's command `name` now runs `lua` on the real Redis: a script and its caller that disagree */
function answer(s: RedisStore, name: string, numberOfKeys: number, lua: string): void {
  s.client.defineCommand(name, { numberOfKeys, lua });
}

it('a script that answers with a code no one named makes the call throw, whatever the code looks like', async () => {
  const s = await redisStore();
  const now = Date.now();
  const limits = { calendar: [{ id: 'd:1', maxCount: 5, maxSpend: -1, expiresAt: now + 60_000 }], rolling: [] };

  answer(s, 'sellerGate', 2, 'return 7');
  await expect(s.gateSeller('pub1', null, 'p1', 60_000, now)).rejects.toBeInstanceOf(UnknownLuaReply);
  answer(s, 'capHold', 6, 'return {-4}');
  await expect(s.hold('acme', 'h1', 1, limits, [], now, now + 60_000)).rejects.toMatchObject({ name: 'UnknownLuaReply', script: 'capHold', reply: [-4] });
  answer(s, 'capExtend', 6, 'return -1');
  await expect(s.extendHold('acme', 'h1', now + 60_000, now, [])).rejects.toMatchObject({ script: 'capExtend', reply: -1 });
  answer(s, 'capRelease', 5, 'return 2');
  await expect(s.releaseHold('acme', 'h1', now)).rejects.toMatchObject({ script: 'capRelease', reply: 2 });
  answer(s, 'auctionClaim', 1, 'return {2}');
  await expect(s.claimAuction('p1', 'pub1', 60_000)).rejects.toMatchObject({ script: 'auctionClaim', reply: [2] });
  // the store itself is sound: its other scripts still answer
  expect(await s.claimDedup('scope', ['x'], 'a', 60_000, now)).toBe(true);
});
