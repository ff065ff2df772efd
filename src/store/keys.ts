/**
 * Every Redis key name Gavel uses, built here and nowhere else. Keys one script touches share
 * a hash tag, so each script runs in one slot, on one Redis or on a Cluster:
 * `{b:<buyer>}` a buyer's caps, holds and purchases; `{d:<scope>}` a dedup scope's claims;
 * `{s:<seller>}` a seller's rate and recent payloads. An auction is one key of its own.
 */
export const keys = {
  dedup: (scope: string) => [`{d:${scope}}:owner`, `{d:${scope}}:until`] as const,
  seller: (seller: string) => [`{s:${seller}}:gate`, `{s:${seller}}:recent`] as const,
  auction: (pingId: string) => `a:${pingId}`,
  /** a seller's call under an idempotency key (lua/call-claim-1.lua); the key is a digest, never the seller's own text */
  call: (seller: string, keyDigest: string) => `c:${seller}:${keyDigest}`,
  /** a shard's trace segments written in one span of time (lua/trace-append-1.lua) */
  traces: (shard: number, bucket: number) => `{tr:${shard}}:${bucket}`,
  /** the lead index: one stream of lead summaries, in the order written (redis-lead-index.ts) */
  leadIndex: '{li}',
  /** a durable queue: a stream with one consumer group (redis-queues.ts) */
  queue: (name: string) => `{q:${name}}`,
  /** a notice recipient's delivery tries, newest first (redis-deliveries.ts) */
  deliveries: (recipient: string) => `n:${recipient}`,
  /** a browser session, by the SHA-256 of its id (redis-sessions.ts): its sealed record */
  session: (idDigest: string) => `ss:${idDigest}`,
  /** the lease of the process that runs an upload's rows (lua/upload-lease-1.lua) */
  uploadLease: (upload: string) => `up:${upload}`,
  /** a round_robin or weighted tier's current weights (lua/turn-pick-1.lua) */
  turn: (tier: string) => `{t:${tier}}:turn`,
  /** a buyer's decayed post outcomes by grade (lua/accept-rate-1.lua) */
  accept: (buyer: string) => `{b:${buyer}}:accept`,
  /** a buyer's cap keys, in the order of lua/cap-*.lua's KEYS; the five-key scripts take the first five */
  buyer: (buyer: string) =>
    [`{b:${buyer}}:caps`, `{b:${buyer}}:holds`, `{b:${buyer}}:hold`, `{b:${buyer}}:wins`, `{b:${buyer}}:roll`, `{b:${buyer}}:sold`] as const,
};
