import { connect } from 'node:net';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from '../support/redis-cluster.js';

/** The harness itself: a real three-master cluster that routes, runs same-slot scripts, refuses cross-slot ones. */
describe('redis cluster test harness', () => {
  let cluster: TestCluster;
  let client: Cluster;

  beforeAll(async () => {
    cluster = await startCluster();
    client = new Cluster(cluster.nodes, { clusterRetryStrategy: () => null });
    client.on('error', () => undefined);
  });

  afterAll(async () => {
    client?.disconnect();
    await cluster?.stop();
  });

  it('serves every slot from three masters', async () => {
    expect(cluster.nodes).toHaveLength(3);
    const info = (await client.cluster('INFO')) as string;
    expect(info).toMatch(/^cluster_state:ok\r?$/m);
    expect(info).toMatch(/^cluster_slots_ok:16384\r?$/m);
    expect(info).toMatch(/^cluster_size:3\r?$/m);
    expect(client.nodes('master')).toHaveLength(3);
  });

  it('puts keys with different hash tags on different masters', async () => {
    // Find one hash tag per master, by asking the server for the slot and for its owner (the
    // cluster's own CLUSTER SLOTS: ioredis's cached map may still be filling in right after start)
    const ranges = await client.cluster('SLOTS');
    const ownerOf = (slot: number) => {
      const master = ranges.find(([from, to]) => slot >= from && slot <= to)?.[2];
      return master === undefined ? undefined : `${master[0]}:${master[1]}`;
    };
    const tagByOwner = new Map<string, { key: string; slot: number }>();
    for (let i = 0; tagByOwner.size < 3 && i < 100; i++) {
      const key = `{tag${i}}:k`;
      const slot = (await client.cluster('KEYSLOT', key)) as number;
      const owner = ownerOf(slot);
      expect(owner, `the cluster names no owner of slot ${slot}`).toBeDefined();
      if (!tagByOwner.has(owner!)) tagByOwner.set(owner!, { key, slot });
    }
    expect(tagByOwner.size).toBe(3);

    // Write through the cluster client, then check on each master that only the owner holds the key.
    const masters = client.nodes('master');
    for (const [owner, { key, slot }] of tagByOwner) {
      await client.set(key, owner);
      expect(await client.get(key)).toBe(owner);
      const counts = await Promise.all(
        masters.map(async (m) => [`${m.options.host}:${m.options.port}`, await m.cluster('COUNTKEYSINSLOT', slot)] as const),
      );
      expect(Object.fromEntries(counts)).toEqual(Object.fromEntries(masters.map((m) => {
        const id = `${m.options.host}:${m.options.port}`;
        return [id, id === owner ? 1 : 0];
      })));
    }
  });

  it('runs a Lua script over two keys of one hash tag', async () => {
    const script = `
      redis.call('SET', KEYS[1], ARGV[1])
      redis.call('INCRBY', KEYS[2], ARGV[2])
      return {redis.call('GET', KEYS[1]), redis.call('GET', KEYS[2])}`;
    expect(await client.eval(script, 2, '{t}:a', '{t}:b', 'hello', 5)).toEqual(['hello', '5']);
    expect(await client.eval(script, 2, '{t}:a', '{t}:b', 'again', 5)).toEqual(['again', '10']);
  });

  it('refuses a multi-key command across slots with CROSSSLOT', async () => {
    const [a, b] = (await Promise.all([client.cluster('KEYSLOT', '{x}:1'), client.cluster('KEYSLOT', '{y}:1')])) as number[];
    expect(a).not.toBe(b);
    await expect(client.mget('{x}:1', '{y}:1')).rejects.toThrow(/CROSSSLOT/);
    await expect(client.eval("return redis.call('GET', KEYS[1])", 2, '{x}:1', '{y}:1')).rejects.toThrow(/CROSSSLOT/);
  });

  it('stop() kills every server, and a second stop() is harmless', async () => {
    client.disconnect();
    await cluster.stop();
    await cluster.stop();
    for (const { host, port } of cluster.nodes) {
      expect(await answers(host, port), `port ${port} still answers`).toBe(false);
      expect(await answers(host, port + 10_000), `bus port ${port + 10_000} still answers`).toBe(false);
    }
  });
});

/** Whether anything accepts a TCP connection on host:port. */
function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}
