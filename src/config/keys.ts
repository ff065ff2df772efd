import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

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
 * is hashed; the lookup goes by that digest masked with a per-process random key (so no caller
 * can aim the map's own comparisons at a stored digest), and the match is confirmed with
 * `timingSafeEqual`. A miss runs the same steps against a decoy, so a wrong key costs the same
 * whatever its bytes. The mask, not an HMAC: an HMAC doubled the cost of a lookup (see README).
 */
/** A key as the ring takes it: its digest, whose it is, and until when it works (epoch ms; none: until revoked). */
export interface KeyRingEntry<T> {
  digest: Buffer;
  party: T;
  expiresAt: number | undefined;
}

export class KeyRing<T> {
  private readonly slots = new Map<string, KeyRingEntry<T>>();
  private readonly mask = randomBytes(32);
  private readonly masked = Buffer.alloc(32);
  private readonly decoy = randomBytes(32);

  constructor(entries: Iterable<KeyRingEntry<T>>) {
    for (const e of entries) this.slots.set(this.slotOf(e.digest), e);
  }

  get size(): number {
    return this.slots.size;
  }

  resolve(key: string | undefined): T | undefined {
    if (key === undefined) return undefined;
    const digest = createHash('sha256').update(key, 'utf8').digest();
    const slot = this.slots.get(this.slotOf(digest));
    const same = timingSafeEqual(digest, slot === undefined ? this.decoy : slot.digest);
    if (!same || slot === undefined) return undefined;
    // a rotated key stops at its expiry; the clock is read only for such a key
    return slot.expiresAt === undefined || Date.now() < slot.expiresAt ? slot.party : undefined;
  }

  private slotOf(digest: Buffer): string {
    for (let i = 0; i < 32; i++) this.masked[i] = digest[i]! ^ this.mask[i]!;
    return this.masked.toString('latin1');
  }
}
