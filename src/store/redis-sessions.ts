import { keys } from './keys.js';
import type { RedisClient } from './redis-connection.js';

/**
 * The store role of browser sessions when processes share Redis (--processes N, or several
 * machines): a console login on one process must be known to every other, since a browser's
 * next request may reach any of them. One key per session, named by the SHA-256 of its id (a
 * read of Redis never yields a live cookie), holding what the front sealed (src/front/
 * shared-sessions.ts), expiring when the session has been idle too long.
 */
export class RedisSessions {
  /** `client` adds the store's key prefix itself (redis-connection.ts) */
  constructor(private readonly client: RedisClient) {}

  async put(idDigest: string, sealed: string, idleMs: number): Promise<void> {
    await this.client.set(keys.session(idDigest), sealed, 'PX', idleMs);
  }

  /** The sealed record, or null (unknown, or idle past its time); read, its idle time starts again. */
  async take(idDigest: string, idleMs: number): Promise<string | null> {
    // GETEX: read and push the expiry out in one step, so a session in use never idles out
    return this.client.getex(keys.session(idDigest), 'PX', idleMs);
  }

  async end(idDigest: string): Promise<void> {
    await this.client.del(keys.session(idDigest));
  }
}
