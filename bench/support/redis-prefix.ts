import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** A key prefix no other run uses, so runs on one Redis never see each other's keys. */
export function uniquePrefix(kind: string): string {
  return `${kind}:${randomBytes(4).toString('hex')}:`;
}

function client(url: string): Redis {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  return redis;
}

/** Fails with how to start one when no Redis answers at `url`. */
export async function assertRedis(url: string): Promise<void> {
  const redis = client(url);
  try {
    await redis.connect();
    await redis.ping();
  } catch (e) {
    throw new Error(`no Redis answers at ${url} (${(e as Error).message}); start one with: redis-server --daemonize yes --port 6379 --save ""`);
  } finally {
    redis.disconnect();
  }
}

/** Delete every key under `prefix`; returns how many went. */
export async function dropPrefix(url: string, prefix: string): Promise<number> {
  const redis = client(url);
  let dropped = 0;
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (found.length > 0) dropped += await redis.unlink(...found);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return dropped;
}
