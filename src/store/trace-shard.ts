/** Trace shards: a batch's traces go in at most this many script calls, and a replay may read a sample of them. */
export const TRACE_SHARDS = 16;

/** A lead's trace shard: a small hash of its id, so any id (not only a UUID) spreads. */
export function traceShard(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) | 0;
  return (h >>> 0) % TRACE_SHARDS;
}
