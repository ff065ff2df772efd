import { checkDistribution, type Distribution } from './support/distributions.js';
import { checkStall, type Stall } from './support/stall.js';

/**
 * The ways a mock buyer fails a ping. Over HTTP: a 500, a body that is not JSON, a request
 * never answered (the connection held open). Over the buyer socket (through the SDK): the
 * SDK's own failure answer (a pass with reason "error", what it sends when a handler throws),
 * a bid Gavel cannot read, a message never answered.
 */
export const ERROR_KINDS = ['serverError', 'garbage', 'hung'] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** How one mock buyer answers Gavel, whichever way Gavel reaches it (HTTP or its buyer socket). */
export interface BuyerBehaviour {
  id: string;
  /** each bid, drawn then rounded to the cent */
  bid: Distribution;
  /** ping reply delay, ms; when absent, latencyMs ± jitterMs, uniform */
  latency?: Distribution;
  /** the older way to give the ping reply delay: latencyMs (default 5) spread uniformly by ± jitterMs */
  latencyMs?: number;
  jitterMs?: number;
  /** share of all pings answered with a pass */
  passProbability?: number;
  /** share of all pings answered with an error (its sum with passProbability at most 1), of the kinds in `mix` by weight (default: all alike) */
  errors?: { rate: number; mix?: Partial<Record<ErrorKind, number>> };
  /** pauses in which the buyer answers nothing; what falls due in one goes out when it ends */
  stall?: Stall;
  /** when set, every ping is answered this long after the tmax_ms Gavel gave, so Gavel must drop it */
  lateByMs?: number;
  /** share of posts rejected */
  postRejectProbability?: number;
  /** post reply delay, ms; the ping latency when absent (postLatencyMs is the older name) */
  postLatency?: Distribution;
  postLatencyMs?: number;
  /** sent with every accepted post */
  redirectUrl?: string;
  /** the HTTP fleet's listen port (0: any); a socket buyer has none */
  port?: number;
}

/** What every fleet of mock buyers is given besides their behaviours. */
export interface BehaviourOptions {
  /** lead fields that must never reach a ping */
  piiFields?: readonly string[];
  seed?: number;
}

export const DEMO_PII_FIELDS = ['first_name', 'last_name', 'phone', 'email'] as const;

/** The ping reply delay: `latency`, or the older latencyMs ± jitterMs as the uniform it always was. */
export function pingLatencyOf(b: BuyerBehaviour): Distribution {
  if (b.latency !== undefined) return b.latency;
  const ms = b.latencyMs ?? 5;
  const jitter = b.jitterMs ?? 0;
  return jitter === 0 ? ms : { min: Math.max(0, ms - jitter), max: ms + jitter };
}

export function postLatencyOf(b: BuyerBehaviour): Distribution {
  return b.postLatency ?? b.postLatencyMs ?? pingLatencyOf(b);
}

/** Each error kind with the share of errors it takes, from the behaviour's mix (weights need not sum to 1). */
export function errorShares(b: BuyerBehaviour): [ErrorKind, number][] {
  const mix = b.errors?.mix ?? { serverError: 1, garbage: 1, hung: 1 };
  const total = ERROR_KINDS.reduce((s, k) => s + (mix[k] ?? 0), 0);
  return ERROR_KINDS.map((k) => [k, (mix[k] ?? 0) / total]);
}

const isShare = (p: number | undefined) => p === undefined || (p >= 0 && p <= 1);

/** Throws on a behaviour that contradicts itself, at the fleet's start rather than as odd numbers in a run. */
export function checkBehaviour(b: BuyerBehaviour): void {
  const what = `buyer "${b.id}"`;
  const fail = (why: string) => {
    throw new Error(`${what}: ${why}`);
  };
  if (b.latency !== undefined && (b.latencyMs !== undefined || b.jitterMs !== undefined)) fail('give latency or latencyMs/jitterMs, not both');
  if (b.postLatency !== undefined && b.postLatencyMs !== undefined) fail('give postLatency or postLatencyMs, not both');
  checkDistribution(b.bid, `${what} bid`);
  checkDistribution(pingLatencyOf(b), `${what} latency`);
  checkDistribution(postLatencyOf(b), `${what} post latency`);
  const errorRate = b.errors?.rate ?? 0;
  if (![b.passProbability, b.postRejectProbability, errorRate].every(isShare)) fail('rates are shares, from 0 to 1');
  if (errorRate + (b.passProbability ?? 0) > 1) fail('errors.rate + passProbability is more than every ping');
  // a negative weight gives a negative share; all weights 0 give NaN shares: neither is ≥ 0
  if (!errorShares(b).every(([, share]) => share >= 0)) fail('errors.mix needs weights ≥ 0, not all 0');
  if (b.stall !== undefined) checkStall(b.stall, what);
}
