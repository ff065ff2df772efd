/**
 * What one mock buyer received and answered, so a run can check Gavel's account against the
 * buyers' own. Every ping is exactly one of bids, passes, serverErrors, garbage or hung.
 * `piiInPings` must stay 0: a ping never carries personal data.
 */
export interface BuyerCounters {
  pings: number;
  bids: number;
  passes: number;
  /** HTTP 500s; over the socket, the SDK's failure answer (a pass with reason "error") */
  serverErrors: number;
  /** replies Gavel cannot read: not JSON over HTTP, a bid that is not a number over the socket */
  garbage: number;
  /** pings never answered */
  hung: number;
  /** ping answers (of any kind) written after the tmax_ms Gavel gave: Gavel drops them */
  late: number;
  /** the sum of the bids, in cents (exact, where a sum of dollars in floating point is not) */
  bidCents: number;
  postsAccepted: number;
  postsRejected: number;
  /** post answers written after the post's tmax_ms: Gavel took them as a TIMEOUT, whatever they said */
  postsLate: number;
  piiInPings: number;
  /** requests that were not the protocol: a wrong route, a body that is not a JSON object, a ping or post missing its fields */
  badRequests: number;
  /** socket buyers: sockets opened. HTTP buyers: always 0, uWebSockets.js tells no one of a connection opening */
  connections: number;
}

export function emptyCounters(): BuyerCounters {
  return {
    pings: 0, bids: 0, passes: 0, serverErrors: 0, garbage: 0, hung: 0, late: 0, bidCents: 0,
    postsAccepted: 0, postsRejected: 0, postsLate: 0, piiInPings: 0, badRequests: 0, connections: 0,
  };
}
