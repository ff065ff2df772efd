import type { BuyerRuntime } from '../config/runtime.js';
import { CircuitBreaker } from './circuit-breaker.js';
import type { BreakerState } from '../config/breaker-schema.js';
import type { Bid, Pass } from './transport.js';

export type GuardRefusal = 'BREAKER_OPEN' | 'MAX_IN_FLIGHT';

interface Guard {
  max: number;
  inFlight: number;
  breaker: CircuitBreaker | null;
}

/** A ping that failed the endpoint, for its breaker: no answer in time, an error, or not the protocol. */
export function failed(result: Bid | Pass): boolean {
  return result.kind === 'pass' && (result.pass === 'TIMEOUT' || result.pass === 'HTTP_ERROR' || result.pass === 'CONNECT_ERROR' || result.pass === 'BAD_REPLY');
}

/**
 * What this process keeps per buyer to protect it and itself: pings in flight (max_in_flight)
 * and the circuit breaker. Per process by design (ARCHITECTURE.md, "Where state lives"): each
 * process sees its own calls fail, and opens its own breaker the moment it does.
 */
export class BuyerGuards {
  private readonly guards = new Map<string, Guard>();
  /** each guarded buyer's breaker settings, to tell a changed breaker from a kept one at a swap */
  private readonly settings = new Map<string, string>();

  constructor(
    buyers: readonly BuyerRuntime[],
    private readonly onBreaker: (buyer: string, from: BreakerState, to: BreakerState, why: string) => void,
  ) {
    this.sync(buyers);
  }

  /**
   * Guards for a new configuration's buyers: a new buyer gets its own; a kept buyer keeps its
   * pings in flight and its breaker's state (a new breaker only when its settings changed), and
   * takes its new max_in_flight. A buyer no longer configured keeps its guard until `drop`.
   */
  sync(buyers: readonly BuyerRuntime[]): void {
    for (const b of buyers) {
      const c = b.config.breaker;
      const shape = JSON.stringify(c ?? null);
      const g = this.guards.get(b.id);
      const max = b.config.max_in_flight ?? Infinity;
      if (g !== undefined && this.settings.get(b.id) === shape) {
        g.max = max;
        continue;
      }
      const breaker =
        c === undefined ? null : new CircuitBreaker(c, { windowMs: c.window, openForMs: c.open_for }, (from, to, why) => this.onBreaker(b.id, from, to, why));
      this.settings.set(b.id, shape);
      if (g === undefined) this.guards.set(b.id, { max, inFlight: 0, breaker });
      else {
        g.max = max;
        g.breaker = breaker;
      }
    }
  }

  /** A buyer no lead can reach any more: its guard goes. */
  drop(buyer: string): void {
    this.guards.delete(buyer);
    this.settings.delete(buyer);
  }

  /** Take a ping slot for the buyer, or say why not. Call `settle` for every slot taken. */
  take(buyer: string, now: number): GuardRefusal | null {
    const g = this.guards.get(buyer)!;
    if (g.inFlight >= g.max) return 'MAX_IN_FLIGHT';
    if (g.breaker !== null && !g.breaker.allow(now)) return 'BREAKER_OPEN';
    g.inFlight++;
    return null;
  }

  settle(buyer: string, result: Bid | Pass, now: number, sentAt: number): void {
    const g = this.guards.get(buyer)!;
    g.inFlight--;
    g.breaker?.record(!failed(result), now, sentAt);
  }

  /** for the gavel_breaker_state gauge */
  *states(): Iterable<[string, BreakerState]> {
    for (const [id, g] of this.guards) if (g.breaker !== null) yield [id, g.breaker.state];
  }
}
