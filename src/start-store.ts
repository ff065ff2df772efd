import type { StoreTarget } from './config/environment.js';
import { within } from './core/within.js';
import { MemoryStore } from './store/memory-store.js';
import { RedisStore } from './store/redis-store.js';
import type { Store } from './store/store.js';
import type { Logger } from './telemetry/logger.js';

/** Where the store is, for the log: a Redis URL's password masked. */
function whereOf(target: StoreTarget): Record<string, unknown> {
  if (target.kind === 'cluster') return { redis_cluster: target.nodes.map((n) => `${n.host}:${n.port}`) };
  if (target.kind === 'redis') return { redis: target.url.replace(/\/\/[^@]*@/, '//***@') };
  return {};
}

/**
 * Start-up step: open the store, say loudly which one it is, and what a Redis that keeps nothing
 * on disk would cost. A Redis not reachable yet does not stop the start: calls get 503 until it is.
 */
export async function openStore(target: StoreTarget, opts: { memoryMaxLeads: number; ledgerDirectMs: number }, log: Logger): Promise<Store> {
  const where = whereOf(target);
  let store: Store;
  if (target.kind !== 'memory') {
    const redis = new RedisStore(target.kind === 'cluster' ? { cluster: [...target.nodes], prefix: target.prefix } : { url: target.url, prefix: target.prefix });
    const ok = await redis.waitReady(5000);
    if (!ok) log.error(where, 'Redis not reachable yet: answering 503 STORE_UNAVAILABLE until it is');
    store = redis;
  } else {
    store = new MemoryStore(opts.memoryMaxLeads);
  }
  log.info(
    { store: store.kind, ...where },
    store.kind === 'redis'
      ? `store: Redis${target.kind === 'cluster' ? ' Cluster' : ''} (shared by every Gavel process on it)`
      : 'store: EMBEDDED MEMORY (one process only; set REDIS_URL or REDIS_CLUSTER for a shared store)',
  );
  if (store.kind === 'redis') await logPersistence(store, where, opts.ledgerDirectMs, log);
  return store;
}

async function logPersistence(store: Store, where: Record<string, unknown>, ledgerDirectMs: number, log: Logger): Promise<void> {
  const persistence = await within(store.persistence(), 2000, () => undefined).catch(() => 'unknown' as const);
  if (persistence === 'none') {
    log.error(
      { persistence, ...where },
      'REDIS KEEPS NOTHING ON DISK (no save points, appendonly no): if it restarts it comes back empty, and with it go the postbacks ' +
        'queued but not yet sent, cap holds and counters, dedup claims, auctions between ping and post, idempotency keys, traces, rate limits, turns and accept rates ' +
        `(sales are written into the ledger on the post's path${ledgerDirectMs === 0 ? ', but NOT with ledger.direct_ms 0: queued sales go too' : ''}). ` +
        'Run it with appendonly yes (appendfsync everysec); see the README, "What each store\'s loss costs"',
    );
  } else if (persistence === 'unknown') {
    log.warn({ persistence, ...where }, 'Redis persistence unknown (CONFIG GET refused or unanswered): check it keeps its data on disk (appendonly yes)');
  } else {
    log.info({ persistence, ...where }, `Redis persistence: ${persistence}`);
  }
}
