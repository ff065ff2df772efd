import type { PingDecision, PostDecision } from '../src/sdk/index.js';
import { checkBehaviour, DEMO_PII_FIELDS, errorShares, pingLatencyOf, postLatencyOf, type BehaviourOptions, type BuyerBehaviour, type ErrorKind } from './buyer-behaviour.js';
import { emptyCounters, type BuyerCounters } from './buyer-counters.js';
import { sample, sampleCents, type Distribution } from './support/distributions.js';
import { createRng, type Rng } from './support/rng.js';
import { releaseAt, wallMs } from './support/stall.js';

/** A ping's answer as the buyer decided it; a transport writes it in its own terms. Hung pings get none. */
export type PingAnswer = PingDecision | { error: Exclude<ErrorKind, 'hung'> };

/**
 * Run `fn` at wall time `at` and never before (now when that has passed: a timer of 0 still
 * costs a loop turn). A timer counts from the loop's cached clock, which lags after a busy
 * turn, so it can fire a few ms early: an early one waits out the rest.
 */
function runAt(at: number, fn: () => void): void {
  const wait = at - wallMs();
  if (wait <= 0) fn();
  else setTimeout(runAt, Math.ceil(wait), at, fn);
}

/**
 * One mock buyer's decisions, timing and counts, apart from any transport: the HTTP fleet and
 * the socket fleet hand it each ping or post with a `write` of their own, and it decides what
 * to answer, waits the drawn latency (and out any stall), then writes. So an HTTP buyer and a
 * socket buyer of the same behaviour bid, pass, fail, come late and accept alike, and are
 * counted alike.
 */
export class MockBuyerMind {
  readonly counters = emptyCounters();
  private readonly rng: Rng;
  private readonly latency: Distribution;
  private readonly postLatency: Distribution;
  private readonly errorRate: number;
  private readonly errorKinds: [ErrorKind, number][];
  private bidSeq = 0;

  constructor(
    private readonly b: BuyerBehaviour,
    private readonly piiFields: readonly string[],
    seed: number,
  ) {
    checkBehaviour(b);
    this.rng = createRng(seed);
    this.latency = pingLatencyOf(b);
    this.postLatency = postLatencyOf(b);
    this.errorRate = b.errors?.rate ?? 0;
    this.errorKinds = errorShares(b);
  }

  get id(): string {
    return this.b.id;
  }

  /** A request that was not the protocol: counted, and the transport answers it as it must. */
  malformed(): void {
    this.counters.badRequests++;
  }

  private errorKind(): ErrorKind {
    const u = this.rng();
    let upTo = 0;
    let last: ErrorKind = 'serverError';
    for (const [kind, share] of this.errorKinds) {
      if (share === 0) continue;
      upTo += share;
      last = kind;
      if (u < upTo) return kind;
    }
    // rounding can leave the shares' sum a hair under 1
    return last;
  }

  /** Write `reply` once `delayMs` is up and no stall holds it; count it late if that is past `tmaxMs`. */
  private answer<T>(delayMs: number, tmaxMs: number, late: 'late' | 'postsLate', reply: T, write: (reply: T) => void): void {
    const t0 = wallMs();
    runAt(releaseAt(this.b.stall, t0 + delayMs), () => {
      if (wallMs() - t0 > tmaxMs) this.counters[late]++;
      write(reply);
    });
  }

  /**
   * A ping, with the `tmaxMs` Gavel gave (which a late buyer overshoots on purpose). One draw
   * decides error, pass or bid, so each rate is a share of all pings.
   */
  ping(lead: Record<string, unknown>, tmaxMs: number, write: (answer: PingAnswer) => void): void {
    const c = this.counters;
    c.pings++;
    if (this.piiFields.some((f) => f in lead)) c.piiInPings++;
    const u = this.rng();
    const delayMs = this.b.lateByMs === undefined ? sample(this.latency, this.rng) : tmaxMs + this.b.lateByMs;
    let answer: PingAnswer;
    if (u < this.errorRate) {
      const kind = this.errorKind();
      if (kind === 'hung') {
        c.hung++;
        return;
      }
      c[kind === 'serverError' ? 'serverErrors' : 'garbage']++;
      answer = { error: kind };
    } else if (u < this.errorRate + (this.b.passProbability ?? 0)) {
      c.passes++;
      answer = { pass: true, reason: 'NOT_INTERESTED' };
    } else {
      const bid = sampleCents(this.b.bid, this.rng);
      c.bids++;
      c.bidCents += Math.round(bid * 100);
      answer = { bid, bid_id: `${this.b.id}-${++this.bidSeq}` };
    }
    this.answer(delayMs, tmaxMs, 'late', answer, write);
  }

  /** A post: accept (with a redirect naming the ping when the behaviour has one) or reject. */
  post(pingId: string, tmaxMs: number, write: (decision: PostDecision) => void): void {
    const c = this.counters;
    const rejects = this.rng() < (this.b.postRejectProbability ?? 0);
    if (rejects) c.postsRejected++;
    else c.postsAccepted++;
    const redirect = this.b.redirectUrl === undefined ? {} : { redirect_url: `${this.b.redirectUrl}?lead=${pingId}` };
    const decision: PostDecision = rejects ? { reject: true, reason: 'NOT_A_FIT' } : { accept: true, ...redirect };
    this.answer(sample(this.postLatency, this.rng), tmaxMs, 'postsLate', decision, write);
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
