/** What the memory store keeps for a time: the value and when it goes. */
export interface Expiring<T> {
  value: T;
  expiresAt: number;
}

/** The most expired entries one call takes out, as in the scripts: bounded work per call. */
export const PURGE_LIMIT = 64;

/** Throws when the store is closed: every role of the memory store asks first, as a closed Redis client would refuse. */
export type Live = () => void;

/** Take out expired entries of a map kept in about the order of expiry, a bounded number per call. */
export function sweep<T>(map: Map<string, Expiring<T>>, now: number): void {
  // insertion order is close to expiry order; stop at the first live entry
  let n = 0;
  for (const [k, v] of map) {
    if (v.expiresAt > now || n++ >= PURGE_LIMIT) break;
    map.delete(k);
  }
}
