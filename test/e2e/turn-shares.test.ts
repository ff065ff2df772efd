import { Pool } from 'undici';
import { afterAll, expect, it } from 'vitest';
import { startBuyer, type TestBuyer } from '../support/buyer-server.js';
import { cleanPrefix, REDIS_URL, SELLER_KEY, testConfig, testPrefix, TEST_FIELDS } from '../support/exchange.js';
import { spawnGavel, writeConfig, type GavelProcess } from '../support/process.js';

const procs: GavelProcess[] = [];
const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const p of procs) p.child.kill('SIGKILL');
  for (const c of cleanup) await c();
});

const LEADS = 10_000;
const IN_FLIGHT = 32;

/** `LEADS` pings, alternating between the two processes, `IN_FLIGHT` at a time; the winners' counts by price. */
async function pings(ports: number[], campaign: string): Promise<Map<number, number>> {
  const pools = ports.map((p) => new Pool(`http://127.0.0.1:${p}`, { connections: IN_FLIGHT }));
  const won = new Map<number, number>();
  let next = 0;
  const lane = async () => {
    while (next < LEADS) {
      const i = next++;
      const res = await pools[i % pools.length]!.request({
        method: 'POST',
        path: '/v1/ping',
        headers: { authorization: `Bearer ${SELLER_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ campaign, lead: { zip: String(10000 + (i % 90000)), state: 'CA', age: 18 + (i % 80) }, tmax_ms: 3000 }),
      });
      const body = (await res.body.json()) as { status: string; price?: number };
      // a ping with no bid takes no turn; on a box busy with other tests a buyer can miss its time
      const key = body.status === 'bid' ? body.price! : -1;
      won.set(key, (won.get(key) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  await Promise.all(pools.map((p) => p.close()));
  return won;
}

async function warm(port: number, campaign: string): Promise<void> {
  for (let i = 0; i < 30; i++) {
    await fetch(`http://127.0.0.1:${port}/v1/ping`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SELLER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ campaign, lead: { zip: '90210', state: 'CA', age: 40 }, tmax_ms: 1000 }),
    }).then((r) => r.text());
  }
}

/** The warm-up's turns are not the run's: start the counted run from an empty turn table. */
async function cleanTurns(prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const client = new Redis(REDIS_URL);
  try {
    const found = await client.keys(`${prefix}{t:*`);
    if (found.length > 0) await client.del(...found);
  } finally {
    client.disconnect();
  }
}

it('round robin and weighted shares hold within 1% over 10,000 leads spread over two Gavel processes', async () => {
  // every buyer bids a price of its own, so the price answered names the winner
  const buyers: Record<string, TestBuyer> = {};
  for (const [id, bid] of Object.entries({ x: 5, y: 6, z: 7, u: 8, v: 9 })) buyers[id] = await startBuyer(() => ({ body: { bid } }));
  cleanup.push(...Object.values(buyers).map((b) => () => b.close()));
  const prefix = testPrefix();
  cleanup.push(() => cleanPrefix(prefix));
  const config = testConfig(
    Object.entries(buyers).map(([id, b]) => ({ id, url: b.url, timeout_ms: 2000 })),
    { tmax_ms: 3000, max_tmax_ms: 3000, dedup: undefined, distribution: [{ name: 'rr', method: 'round_robin', buyers: ['x', 'y', 'z'] }] },
    prefix,
  );
  config.campaigns.push({ id: 'home', tmax_ms: 3000, max_tmax_ms: 3000, margin: 0, fields: TEST_FIELDS, distribution: [{ name: 'w', method: 'weighted', buyers: ['u', 'v'], weights: { u: 3, v: 1 } }] });
  for (const b of config.buyers) b.campaigns = ['x', 'y', 'z'].includes(b.id) ? ['auto'] : ['home'];
  const path = writeConfig(config);
  const [a, b] = await Promise.all([spawnGavel(path), spawnGavel(path)]);
  procs.push(a, b);

  // both processes warm (pools open, code optimised) before the counted run: a cold process can
  // miss a buyer's time on its first pings, and a missed bid is not a turn
  await Promise.all([a.port, b.port].flatMap((port) => ['auto', 'home'].map((campaign) => warm(port, campaign))));
  await cleanTurns(prefix);
  const [rr, weighted] = await Promise.all([pings([a.port, b.port], 'auto'), pings([a.port, b.port], 'home')]);
  // auto: margin 0.2 of testConfig, so x y z answer 4, 4.8, 5.6; home: margin 0, u v answer 8, 9
  const bids = (won: Map<number, number>) => LEADS - (won.get(-1) ?? 0);
  const share = (won: Map<number, number>, price: number) => (won.get(price) ?? 0) / bids(won);
  expect(bids(rr)).toBeGreaterThan(LEADS * 0.995);
  expect(bids(weighted)).toBeGreaterThan(LEADS * 0.995);
  for (const price of [4, 4.8, 5.6]) expect(Math.abs(share(rr, price) - 1 / 3)).toBeLessThan(0.01);
  expect(Math.abs(share(weighted, 8) - 0.75)).toBeLessThan(0.01);
  expect(Math.abs(share(weighted, 9) - 0.25)).toBeLessThan(0.01);
  expect([...rr.values(), ...weighted.values()].reduce((sum, n) => sum + n, 0)).toBe(2 * LEADS);
}, 120_000);
