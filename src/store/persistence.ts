/**
 * What a store keeps when its server restarts: `none` (a Redis with no RDB save points and
 * `appendonly no` comes back empty), `rdb` (snapshots: back as of the last one), `aof` (the
 * append-only file: back to within its fsync policy), `rdb+aof`, `unknown` (the server would
 * not say, e.g. CONFIG is forbidden), or `memory` (the embedded store: gone with the process).
 */
export type Persistence = 'none' | 'rdb' | 'aof' | 'rdb+aof' | 'unknown' | 'memory';

/** One Redis server's persistence from its `CONFIG GET save` and `CONFIG GET appendonly` values. */
export function persistenceOf(save: string, appendonly: string): Persistence {
  const rdb = save.trim() !== '';
  const aof = appendonly.trim().toLowerCase() === 'yes';
  return rdb && aof ? 'rdb+aof' : rdb ? 'rdb' : aof ? 'aof' : 'none';
}

/** from the least kept to the most: a Cluster keeps what its weakest master keeps */
const RANK: Record<Persistence, number> = { none: 0, unknown: 1, rdb: 2, aof: 3, 'rdb+aof': 4, memory: 0 };

/** The persistence of several servers (a Cluster's masters) taken together: the weakest one's. */
export function weakest(each: readonly Persistence[]): Persistence {
  if (each.length === 0) return 'unknown';
  let out = each[0]!;
  for (const p of each) if (RANK[p] < RANK[out]) out = p;
  return out;
}
