import type { PingDecision, PostDecision } from '../src/sdk/index.js';
import { createRng, type Rng } from './support/rng.js';

/** A fixed price, or a uniform draw from [min, max], rounded to the cent. */
export type Price = number | { min: number; max: number };

/** How one mock buyer answers Gavel, whichever way Gavel reaches it (HTTP or its buyer socket). */
export interface BuyerBehaviour {
  id: string;
  bid: Price;
  /** ping reply delay; jitter spreads it uniformly by ± jitterMs */
  latencyMs?: number;
  jitterMs?: number;
  /** share of pings answered with a pass */
  passProbability?: number;
  /** when set, every ping is answered this long after the tmax_ms Gavel gave, so Gavel must drop it */
  lateByMs?: number;
  /** share of posts rejected */
  postRejectProbability?: number;
  /** post reply delay; the ping latency when absent */
  postLatencyMs?: number;
  /** sent with every accepted post */
  redirectUrl?: string;
  /** the HTTP fleet's listen port (0: any); a socket buyer has none */
  port?: number;
}

/** What one buyer saw and did. `piiInPings` must stay 0: a ping never carries personal data. */
export interface BuyerCounters {
  pings: number;
  bids: number;
  passes: number;
  late: number;
  postsAccepted: number;
  postsRejected: number;
  piiInPings: number;
  /** HTTP requests that were not the protocol (a socket buyer's SDK drops such frames before it) */
  badRequests: number;
  /** HTTP: TCP connections accepted; socket: sockets opened. A client that keeps them alive opens few */
  connections: number;
}

/** What every fleet of mock buyers is given besides their behaviours. */
export interface BehaviourOptions {
  /** lead fields that must never reach a ping */
  piiFields?: readonly string[];
  seed?: number;
}

/** A reply, and how long the buyer waits before it sends it. */
export interface Delayed<T> {
  reply: T;
  delayMs: number;
}

export const DEMO_PII_FIELDS = ['first_name', 'last_name', 'phone', 'email'] as const;

function emptyCounters(): BuyerCounters {
  return { pings: 0, bids: 0, passes: 0, late: 0, postsAccepted: 0, postsRejected: 0, piiInPings: 0, badRequests: 0, connections: 0 };
}

function draw(price: Price, rng: Rng): number {
  const x = typeof price === 'number' ? price : price.min + rng() * (price.max - price.min);
  return Math.round(x * 100) / 100;
}

/** Run `fn` after `ms`, or now when there is no wait (a timer of 0 still costs a loop turn). */
export function later(ms: number, fn: () => void): void {
  if (ms <= 0) fn();
  else setTimeout(fn, ms);
}

/**
 * One mock buyer's decisions and counts, apart from any transport: the HTTP fleet and the
 * socket fleet both ask it what to answer and when, so an HTTP buyer and a socket buyer of the
 * same behaviour bid, pass, come late and accept alike, and are counted alike.
 */
export class MockBuyerMind {
  readonly counters = emptyCounters();
  private readonly rng: Rng;
  private bidSeq = 0;

  constructor(
    private readonly b: BuyerBehaviour,
    private readonly piiFields: readonly string[],
    seed: number,
  ) {
    this.rng = createRng(seed);
  }

  get id(): string {
    return this.b.id;
  }

  /** true with probability `p` (never when absent) */
  private chance(p: number | undefined): boolean {
    return this.rng() < (p ?? 0);
  }

  private delay(): number {
    const jitter = this.b.jitterMs ?? 0;
    return Math.max(0, (this.b.latencyMs ?? 5) + (jitter === 0 ? 0 : (this.rng() * 2 - 1) * jitter));
  }

  /** A ping's answer; `tmaxMs` is the time Gavel gave, which a late buyer overshoots on purpose. */
  ping(lead: unknown, tmaxMs: number): Delayed<PingDecision> {
    const c = this.counters;
    c.pings++;
    if (typeof lead === 'object' && lead !== null && this.piiFields.some((f) => f in lead)) c.piiInPings++;
    const passes = this.chance(this.b.passProbability);
    if (passes) c.passes++;
    else c.bids++;
    const reply: PingDecision = passes ? { pass: true, reason: 'NOT_INTERESTED' } : { bid: draw(this.b.bid, this.rng), bid_id: `${this.b.id}-${++this.bidSeq}` };
    if (this.b.lateByMs === undefined) return { reply, delayMs: this.delay() };
    c.late++;
    return { reply, delayMs: tmaxMs + this.b.lateByMs };
  }

  /** A post's answer: accept (with a redirect naming the ping when the behaviour has one) or reject. */
  post(pingId: string): Delayed<PostDecision> {
    const c = this.counters;
    const rejects = this.chance(this.b.postRejectProbability);
    if (rejects) c.postsRejected++;
    else c.postsAccepted++;
    const redirect = this.b.redirectUrl === undefined ? {} : { redirect_url: `${this.b.redirectUrl}?lead=${pingId}` };
    const reply: PostDecision = rejects ? { reject: true, reason: 'NOT_A_FIT' } : { accept: true, ...redirect };
    return { reply, delayMs: this.b.postLatencyMs ?? this.delay() };
  }
}

/** One mind per behaviour, each with a seed of its own drawn from the fleet's, so runs repeat. */
export function mindsOf(behaviours: readonly BuyerBehaviour[], opts: BehaviourOptions): MockBuyerMind[] {
  const seed = opts.seed ?? Date.now();
  return behaviours.map((b, i) => new MockBuyerMind(b, opts.piiFields ?? DEMO_PII_FIELDS, seed + i * 7919));
}

/** Each buyer's counters by id, copied, so a caller's reading does not move under it. */
export function countersOf(minds: readonly MockBuyerMind[]): Record<string, BuyerCounters> {
  return Object.fromEntries(minds.map((m) => [m.id, { ...m.counters }]));
}
