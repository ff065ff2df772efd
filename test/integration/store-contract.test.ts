import { Cluster } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/store/memory-store.js';
import { RedisStore } from '../../src/store/redis-store.js';
import type { Store } from '../../src/store/store.js';
import { cleanPrefix, REDIS_URL, testPrefix } from '../support/exchange.js';
import { startCluster, type TestCluster } from '../support/redis-cluster.js';
import { acceptContract } from './store-contract/accepts.contract.js';
import { auctionContract } from './store-contract/auctions.contract.js';
import { callContract } from './store-contract/calls.contract.js';
import { capContract } from './store-contract/caps.contract.js';
import { dedupContract } from './store-contract/dedup.contract.js';
import { gateContract } from './store-contract/gate.contract.js';
import { healthContract } from './store-contract/health.contract.js';
import { queueContract } from './store-contract/queues.contract.js';
import { traceContract } from './store-contract/traces.contract.js';
import { deliveryContract } from './store-contract/deliveries.contract.js';
import { turnContract } from './store-contract/turns.contract.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startCluster();
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

/** One contract per role, three stores: what the exchange relies on holds for each. */
const stores: Record<string, () => Promise<Store>> = {
  redis: async () => {
    const s = new RedisStore({ url: REDIS_URL, prefix: testPrefix() });
    if (!(await s.waitReady(3000))) throw new Error(`no Redis at ${REDIS_URL}`);
    return s;
  },
  'redis cluster': async () => {
    const s = new RedisStore({ cluster: cluster.nodes, prefix: testPrefix() });
    if (!(await s.waitReady(10_000))) throw new Error('the test cluster did not become ready');
    return s;
  },
  memory: async () => new MemoryStore(),
};

const open: Store[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) {
    await s.close();
    // the cluster goes with its servers; the shared Redis must be left as it was found
    if (s instanceof RedisStore && !(s.client instanceof Cluster)) await cleanPrefix(s.prefix);
  }
});

it('memory store: the traces of at most maxTraces leads are kept, the oldest dropped first', async () => {
  const s = new MemoryStore(3);
  open.push(s);
  for (let i = 0; i < 5; i++) await s.appendTraces([[`lead-${i}`, `{"n":${i}}`]], 60_000, 8);
  expect(await s.readTrace('lead-0', 60_000, 3)).toEqual([]);
  expect(await s.readTrace('lead-1', 60_000, 3)).toEqual([]);
  expect(await s.readTrace('lead-4', 60_000, 3)).toEqual(['{"n":4}']);
  // a lead written again is the newest: it outlives the ones written since it was first
  await s.appendTraces([['lead-2', '{"again":true}']], 60_000, 8);
  await s.appendTraces([['lead-5', '{"n":5}']], 60_000, 8);
  expect(await s.readTrace('lead-2', 60_000, 3)).toEqual(['{"n":2}', '{"again":true}']);
  expect(await s.readTrace('lead-3', 60_000, 3)).toEqual([]);
});

describe.each(Object.keys(stores))('store contract: %s', (kind) => {
  async function store(): Promise<Store> {
    const s = await stores[kind]!();
    open.push(s);
    return s;
  }

  describe('dedup', () => dedupContract(store));
  describe('seller gate', () => gateContract(store));
  describe('caps', () => capContract(store));
  describe('auctions', () => auctionContract(store));
  describe('calls', () => callContract(store));
  describe('turns', () => turnContract(store));
  describe('accept records', () => acceptContract(store));
  describe('traces', () => traceContract(store));
  describe('deliveries', () => deliveryContract(store));
  describe('queues', () => queueContract(store));
  describe('health', () => healthContract(store));
});
