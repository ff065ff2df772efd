import type { BuyerBehaviour } from '../../bench/buyer-behaviour.js';

/**
 * A buyer with every rate the fleet has, for the tests that check those rates through a real
 * transport: what it should do, as shares of all pings (and of posts for rejects).
 */
export const ERRING_BUYER: BuyerBehaviour = {
  id: 'erring',
  bid: { p50: 10, p99: 30 },
  latency: { min: 0, max: 3 },
  passProbability: 0.3,
  errors: { rate: 0.2, mix: { serverError: 2, garbage: 1, hung: 1 } },
  postRejectProbability: 0.25,
  redirectUrl: 'https://erring.example/thanks',
};

export const ERRING_SHARES = { pass: 0.3, serverError: 0.1, garbage: 0.05, hung: 0.05, bid: 0.5, reject: 0.25 } as const;
