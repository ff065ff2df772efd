import { Redis } from 'ioredis';

/**
 * Tests talk to a real Redis. When none answers, the run fails at once with how to start one,
 * never skips: a skipped store test would prove nothing.
 */
export default async function setup(): Promise<void> {
  const url = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    throw new Error(
      `No Redis answers at ${url} (${(e as Error).message}). Start one with:\n` +
        `  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no\n` +
        `or point TEST_REDIS_URL at one.`,
    );
  } finally {
    client.disconnect();
  }
}
