import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { RedisSessions } from '../store/redis-sessions.js';
import { digest, SESSION_IDLE_MS, SESSION_MAX_MS, type SessionBook } from './sessions.js';

/**
 * Browser sessions in the shared store, for processes that share Redis (--processes N, or
 * several machines behind one balancer): a console login on one process holds on whichever
 * process the browser's next request reaches. Each session is one key named by the SHA-256 of
 * its id, expiring when idle (the store pushes the expiry out at each use), its record sealed
 * with AES-256-GCM under a key derived from the shared secret (GAVEL_SECRET): the record names
 * the party's API key, which must never sit in Redis in clear. The sealing binds the record to
 * its id's digest, so a record copied to another key does not open. A lookup costs one store
 * round trip, which console and portal requests can afford; Bearer calls never make one.
 */
export class SharedSessions implements SessionBook {
  private readonly sealKey: Buffer;

  constructor(
    private readonly store: Pick<RedisSessions, 'put' | 'take' | 'end'>,
    secret: string,
    private readonly now: () => number = Date.now,
  ) {
    this.sealKey = createHash('sha256').update('gavel browser session seal\0', 'utf8').update(secret, 'utf8').digest();
  }

  async open(key: string): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    const d = digest(id);
    await this.store.put(d, this.seal(d, JSON.stringify({ key, createdAt: this.now() })), SESSION_IDLE_MS);
    return id;
  }

  keyOf(id: string | undefined): undefined | Promise<string | undefined> {
    if (id === undefined || id.length === 0 || id.length > 64) return undefined;
    const d = digest(id);
    return this.store.take(d, SESSION_IDLE_MS).then(async (sealed) => {
      const held = sealed === null ? null : this.open_(d, sealed);
      if (held === null) return undefined;
      if (this.now() - held.createdAt > SESSION_MAX_MS) {
        await this.store.end(d);
        return undefined;
      }
      return held.key;
    });
  }

  async close(id: string | undefined): Promise<void> {
    if (id !== undefined && id.length > 0 && id.length <= 64) await this.store.end(digest(id));
  }

  private seal(d: string, text: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.sealKey, iv).setAAD(Buffer.from(d, 'utf8'));
    const body = Buffer.concat([c.update(text, 'utf8'), c.final()]);
    return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64');
  }

  /** The record, or null when it does not open (another secret, another id, or tampered with). */
  private open_(d: string, sealed: string): { key: string; createdAt: number } | null {
    try {
      const raw = Buffer.from(sealed, 'base64');
      const c = createDecipheriv('aes-256-gcm', this.sealKey, raw.subarray(0, 12)).setAAD(Buffer.from(d, 'utf8'));
      c.setAuthTag(raw.subarray(12, 28));
      const held = JSON.parse(Buffer.concat([c.update(raw.subarray(28)), c.final()]).toString('utf8')) as { key?: unknown; createdAt?: unknown };
      return typeof held.key === 'string' && typeof held.createdAt === 'number' ? { key: held.key, createdAt: held.createdAt } : null;
    } catch {
      return null;
    }
  }
}
