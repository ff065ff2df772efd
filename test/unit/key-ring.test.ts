import * as crypto from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';

// the ring's one comparison, watched: every resolve must confirm through it, hit or miss
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  return { ...real, timingSafeEqual: vi.fn(real.timingSafeEqual) };
});
// the unit files share their modules (vitest.config.ts): an earlier file may have loaded the ring
// on the real crypto, so it is loaded afresh here, on the watched one
vi.resetModules();
const { hashKey, KeyRing, digestOf } = await import('../../src/config/keys.js');
const compared = vi.mocked(crypto.timingSafeEqual);

const KEY = 'seller-key-0123456789abcdef';
const flip = (key: string, at: number) => key.slice(0, at) + String.fromCharCode(key.charCodeAt(at) ^ 1) + key.slice(at + 1);

afterEach(() => compared.mockClear());

describe('the key ring', () => {
  it('stores a key as sha256:<hex> and resolves it from its clear form or its hash', () => {
    expect(hashKey(KEY)).toBe(`sha256:${crypto.createHash('sha256').update(KEY).digest('hex')}`);
    const ring = new KeyRing([
      { digest: digestOf(KEY, false), party: 'clear', expiresAt: undefined },
      { digest: digestOf(hashKey('other-key-0123456789abcdef'), true), party: 'hashed', expiresAt: undefined },
    ]);
    expect(ring.resolve(KEY)).toBe('clear');
    expect(ring.resolve('other-key-0123456789abcdef')).toBe('hashed');
    // the hash itself is no key
    expect(ring.resolve(hashKey(KEY))).toBeUndefined();
    expect(ring.resolve(undefined)).toBeUndefined();
  });

  it('takes one constant-time comparison of two digests per key, whether it matches or differs at its first or its last byte', () => {
    const ring = new KeyRing([{ digest: digestOf(KEY, false), party: 'pub1', expiresAt: undefined }]);
    const runs = [KEY, flip(KEY, 0), flip(KEY, KEY.length - 1), 'x'].map((key) => {
      compared.mockClear();
      const party = ring.resolve(key);
      const calls = compared.mock.calls.map(([a, b]) => [Buffer.from(a as Uint8Array).length, Buffer.from(b as Uint8Array).length]);
      return { party, calls, same: compared.mock.results.map((r) => r.value as boolean) };
    });
    expect(runs[0]).toEqual({ party: 'pub1', calls: [[32, 32]], same: [true] });
    // a wrong key of the same length, wrong at the start or at the end, or a short one: the same path
    for (const run of runs.slice(1)) expect(run).toEqual({ party: undefined, calls: [[32, 32]], same: [false] });
  });

  it('never compares the presented key itself: what reaches the comparison is its SHA-256 digest', () => {
    const ring = new KeyRing([{ digest: digestOf(KEY, false), party: 'pub1', expiresAt: undefined }]);
    ring.resolve(flip(KEY, 3));
    const [presented] = compared.mock.calls[0]!;
    expect(Buffer.from(presented as Uint8Array).equals(crypto.createHash('sha256').update(flip(KEY, 3)).digest())).toBe(true);
  });

  it('refuses a rotated key from its expiry on, and keeps one with no expiry', () => {
    const ring = new KeyRing([
      { digest: digestOf(KEY, false), party: 'old', expiresAt: Date.now() + 60_000 },
      { digest: digestOf('gone-key-0123456789abcdef', false), party: 'gone', expiresAt: Date.now() - 1 },
    ]);
    expect(ring.resolve(KEY)).toBe('old');
    expect(ring.resolve('gone-key-0123456789abcdef')).toBeUndefined();
    vi.useFakeTimers({ now: Date.now() + 61_000 });
    try {
      expect(ring.resolve(KEY)).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });
});
