/**
 * The hash that puts a lead in an A/B test's arm: FNV-1a (32 bits) over the test's id, a
 * separator and the lead's id, then murmur3's finaliser, so ids that differ in their last
 * character only (`lead-1`, `lead-2`) still land in unrelated buckets. Pure, no state: every
 * process, and a replay, puts a lead in the same bucket. Strings are read by UTF-16 code unit.
 */

/** a lead's bucket is its hash mod this; an arm's share is its count of buckets */
export const ARM_BUCKETS = 100;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function fnv(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
  return h;
}

/** The hash's state after the test's id and the separator: compiled once per test. */
export function armSeed(experimentId: string): number {
  // \n is in no id (ids are [A-Za-z0-9_.-]): ("ab", "c...") and ("a", "bc...") hash apart
  return fnv(fnv(FNV_OFFSET, experimentId), '\n');
}

/** The lead's bucket, 0 to ARM_BUCKETS - 1, under the test whose seed is given. No allocation. */
export function armBucket(seed: number, leadId: string): number {
  let h = fnv(seed, leadId);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % ARM_BUCKETS;
}
