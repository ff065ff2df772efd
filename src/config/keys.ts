import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** How a config stores a key it must not hold in clear: `sha256:` and 64 hex digits. */
export const KEY_HASH = /^sha256:[0-9a-fA-F]{64}$/;
export const KEY_HASH_HINT = 'a key hash, sha256: and 64 hex digits (make one with `node dist/src/main.js hash-key`)';

/** `sha256:<hex>` of a key, as the config stores it. */
export function hashKey(key: string): string {
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

/** The SHA-256 digest a config entry names: a clear key is hashed, a `sha256:` entry parsed. */
export function digestOf(entry: string, hashed: boolean): Buffer {
  return hashed ? Buffer.from(entry.slice(7), 'hex') : createHash('sha256').update(entry, 'utf8').digest();
}

/**
 * Resolves a presented key to its party without ever comparing a key itself. The presented key
 * is hashed; the lookup goes by a keyed hash of that digest (a per-process key, so no caller can
 * steer the map's own comparisons), and the match is confirmed with `timingSafeEqual`. A miss
 * runs the same steps against a decoy, so a wrong key costs the same whatever its bytes.
 */
export class KeyRing<T> {
  private readonly slots = new Map<string, { digest: Buffer; party: T }>();
  private readonly lookupKey = randomBytes(32);
  private readonly decoy = randomBytes(32);

  constructor(entries: Iterable<readonly [digest: Buffer, party: T]>) {
    for (const [digest, party] of entries) this.slots.set(this.slotOf(digest), { digest, party });
  }

  get size(): number {
    return this.slots.size;
  }

  resolve(key: string | undefined): T | undefined {
    if (key === undefined) return undefined;
    const digest = createHash('sha256').update(key, 'utf8').digest();
    const slot = this.slots.get(this.slotOf(digest));
    const same = timingSafeEqual(digest, slot === undefined ? this.decoy : slot.digest);
    return same && slot !== undefined ? slot.party : undefined;
  }

  private slotOf(digest: Buffer): string {
    return createHmac('sha256', this.lookupKey).update(digest).digest('base64');
  }
}
