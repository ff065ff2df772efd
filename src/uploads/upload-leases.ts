import { keys } from '../store/keys.js';
import type { RedisClient, Scripts } from '../store/redis-connection.js';

/**
 * Which process runs an upload's rows. With processes sharing Redis (--processes N, or several
 * machines on one upload directory) each would otherwise pick up every upload it finds; a lease
 * that its holder renews, and that lapses when the holder dies, gives each upload one runner and
 * lets a restarted or surviving process take over a dead one's.
 */
export interface UploadLeases {
  /** take the lease, or renew it when the asker holds it already: true when the asker holds it now */
  take(upload: string, owner: string, leaseMs: number): Promise<boolean>;
  /** give it back (the upload is done, or this process stops) */
  release(upload: string, owner: string): Promise<void>;
}

/** The embedded store's: one process, so the lease only keeps one upload from being run twice by it. */
export class MemoryUploadLeases implements UploadLeases {
  private readonly held = new Map<string, { owner: string; until: number }>();

  async take(upload: string, owner: string, leaseMs: number): Promise<boolean> {
    const now = Date.now();
    const h = this.held.get(upload);
    if (h !== undefined && h.owner !== owner && h.until > now) return false;
    this.held.set(upload, { owner, until: now + leaseMs });
    return true;
  }

  async release(upload: string, owner: string): Promise<void> {
    if (this.held.get(upload)?.owner === owner) this.held.delete(upload);
  }
}

/** Shared by every process on the Redis: lua/upload-lease-1.lua takes, renews and gives back in one step. */
export class RedisUploadLeases implements UploadLeases {
  constructor(private readonly client: RedisClient) {}

  async take(upload: string, owner: string, leaseMs: number): Promise<boolean> {
    return (await (this.client as unknown as Scripts).uploadLease(keys.uploadLease(upload), owner, Math.max(1, Math.round(leaseMs)))) === 1;
  }

  async release(upload: string, owner: string): Promise<void> {
    await (this.client as unknown as Scripts).uploadLease(keys.uploadLease(upload), owner, 0);
  }
}
