import { randomBytes } from 'node:crypto';
import { parseConfig } from '../src/config/load-config.js';
import { startGavel } from '../src/gavel.js';
import { startBuyerFleet } from '../bench/buyer-fleet.js';
import { DEMO_BUYERS, DEMO_SOCKET_BUYER_KEYS, DEMO_SOCKET_BUYERS, demoConfig } from './demo-buyers.js';
import { SellerClient } from './seller-client.js';
import { SocketSellerClient } from './socket-seller-client.js';
import { checks, renderSummary, type DemoFacts } from './summary.js';
import { sendTraffic } from './traffic.js';
import { startSocketBuyerFleet, type SocketBuyerFleet } from '../bench/socket-buyer-fleet.js';
import { DEMO_SELLER_KEY } from '../bench/support/demo-config.js';
import { scrapeMetrics } from '../bench/support/prom-text.js';
import { dropPrefix, uniquePrefix } from '../bench/support/redis-prefix.js';

/**
 * `npm run demo`: the exchange of src/config/demo.yaml in this process, its six buyers as a
 * local fleet, a seventh bidding over the buyer socket (the SDK's connectBuyer), a burst of
 * seller traffic, a third of it over the seller socket (connectSeller), then a summary. The
 * embedded memory store unless
 * REDIS_URL is set (then a key prefix of its own, dropped at the end). DEMO_LEADS,
 * DEMO_CONCURRENCY and DEMO_SEED change the burst. Exits 1 when a check fails.
 */
const LEADS = Number(process.env.DEMO_LEADS ?? 400);
const CONCURRENCY = Number(process.env.DEMO_CONCURRENCY ?? 8);
const SEED = Number(process.env.DEMO_SEED ?? Date.now() % 1_000_000);
const TMAX_MS = 150;
const TIGHT_TMAX_MS = 30;
const SOCKET_SHARE = 1 / 3;
const GIVE_UP_MS = 60_000;

async function main(): Promise<number> {
  setTimeout(() => {
    console.error(`demo: not done after ${GIVE_UP_MS / 1000} s; giving up`);
    process.exit(2);
  }, GIVE_UP_MS).unref();

  const redisUrl = process.env.REDIS_URL || undefined;
  const redis = redisUrl === undefined ? undefined : { url: redisUrl, prefix: uniquePrefix('demo') };
  const fleet = await startBuyerFleet(DEMO_BUYERS, { seed: SEED });
  const config = parseConfig(demoConfig(fleet.buyers, redis), 'src/config/demo.yaml (buyers on the demo fleet)');
  const gavel = await startGavel({
    config,
    host: '127.0.0.1',
    port: 0,
    operatorPort: 0,
    logLevel: process.env.LOG_LEVEL ?? 'warn',
    secret: randomBytes(16).toString('hex'),
    ...(redisUrl !== undefined ? { redisUrl } : {}),
  }).catch(async (e: unknown) => {
    await fleet.close();
    throw e;
  });
  const base = `http://127.0.0.1:${gavel.port}`;
  let sockets: SocketBuyerFleet | undefined;
  let facts: DemoFacts;
  const http = new SellerClient(base, DEMO_SELLER_KEY, CONCURRENCY);
  let socket: SocketSellerClient | undefined;
  try {
    // the socket buyers dial Gavel, so they come once it listens; a buyer with no socket open would pass every auction
    sockets = await startSocketBuyerFleet(DEMO_SOCKET_BUYERS, { url: base, keys: DEMO_SOCKET_BUYER_KEYS, seed: SEED + 1 });
    const buyers = [...fleet.buyers.map((b) => `${b.id}:${b.port}`), ...sockets.buyers.map((b) => `${b.id}:socket`)];
    console.log(`demo: Gavel on ${base} (${gavel.store.kind} store${redis ? `, prefix ${redis.prefix}` : ''}), buyers ${buyers.join(' ')}, seed ${SEED}`);
    socket = await SocketSellerClient.connect(base, DEMO_SELLER_KEY);
    const traffic = await sendTraffic(
      { http, socket },
      { leads: LEADS, concurrency: CONCURRENCY, tmaxMs: TMAX_MS, tightShare: 0.08, tightTmaxMs: TIGHT_TMAX_MS, seed: SEED, duplicateShare: 0.12, directShare: 0.35, socketShare: SOCKET_SHARE },
    );
    const counters = { ...fleet.counters(), ...sockets.counters() };
    facts = { config, store: gavel.store.kind, concurrency: CONCURRENCY, tmaxMs: TMAX_MS, tightTmaxMs: TIGHT_TMAX_MS, traffic, fleet: counters, metrics: await scrapeMetrics(`http://127.0.0.1:${gavel.operatorPort}`) };
  } finally {
    await http.close();
    await socket?.close();
    await sockets?.close();
    await gavel.shutdown();
    await fleet.close();
    if (redis !== undefined) await dropPrefix(redis.url, redis.prefix);
  }
  const results = checks(facts);
  console.log(renderSummary(facts, results));
  return results.every((c) => c.ok) ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error('demo:', e instanceof Error ? e.message : e);
    process.exitCode = 1;
  },
);
