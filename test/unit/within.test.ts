import { describe, expect, it } from 'vitest';
import { within } from '../../src/core/within.js';

const later = <T>(ms: number, v: T) => new Promise<T>((r) => setTimeout(() => r(v), ms));

describe('a store call bounded by the time left', () => {
  it('passes the value through when it lands in time', async () => {
    let failed = 0;
    await expect(within(later(5, 'ok'), 100, () => failed++)).resolves.toBe('ok');
    expect(failed).toBe(0);
  });

  it('is STORE_UNAVAILABLE past its time or on a store error, counted once by kind', async () => {
    const kinds: string[] = [];
    await expect(within(later(50, 'slow'), 10, (k) => kinds.push(k))).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await expect(within(Promise.reject(new Error('down')), 100, (k) => kinds.push(k))).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await expect(within(later(1, 'x'), 0, (k) => kinds.push(k))).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(kinds).toEqual(['timeout', 'error', 'timeout']);
  });

  it('takes back what a call did when it lands after the caller gave up, and only then', async () => {
    const undone: string[] = [];
    await expect(within(later(30, 'late hold'), 5, () => undefined, (v) => undone.push(v))).rejects.toThrow();
    await expect(within(later(1, 'timely hold'), 100, () => undefined, (v) => undone.push(v))).resolves.toBe('timely hold');
    await later(40, null);
    expect(undone).toEqual(['late hold']);
  });
});
