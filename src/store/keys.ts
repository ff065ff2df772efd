/**
 * Every Redis key name Gavel uses, built here and nowhere else. A buyer's cap keys share the
 * hash tag `{b:<buyer>}` so one script touches one slot, on one Redis or on a Cluster.
 */
export const keys = {
  dedup: (campaign: string, digest: string) => `d:${campaign}:${digest}`,
  auction: (pingId: string) => `a:${pingId}`,
  buyerCaps: (buyer: string) => [`{b:${buyer}}:caps`, `{b:${buyer}}:holds`, `{b:${buyer}}:hold`, `{b:${buyer}}:wins`] as const,
};
