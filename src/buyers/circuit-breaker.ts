import type { BreakerConfig, BreakerState } from '../config/breaker-schema.js';

const BUCKETS = 10;

export interface BreakerTimes {
  windowMs: number;
  openForMs: number;
}

export class CircuitBreaker {
  state: BreakerState = 'closed';
  private streak = 0;
  private openedAt = 0;
  /** when the half-open probe was let through; a probe that never reports (its buyer was left out later) is retried after open_for */
  private probeAt = -Infinity;
  private readonly calls = new Array<number>(BUCKETS).fill(0);
  private readonly fails = new Array<number>(BUCKETS).fill(0);
  private bucketAt = 0;
  private readonly bucketMs: number;

  constructor(
    private readonly config: BreakerConfig,
    private readonly times: BreakerTimes,
    private readonly onChange: (from: BreakerState, to: BreakerState, why: string) => void,
  ) {
    this.bucketMs = Math.max(1, Math.floor(times.windowMs / BUCKETS));
  }

  /** May a ping go to this endpoint now? In half-open, only the one probe. */
  allow(now: number): boolean {
    if (this.state === 'closed') return true;
    if (this.state === 'open') {
      if (now - this.openedAt < this.times.openForMs) return false;
      this.move('half_open', 'open_for elapsed: one probe');
    }
    if (now - this.probeAt < this.times.openForMs) return false;
    this.probeAt = now;
    return true;
  }

  /** The outcome of a ping sent at `sentAt`. Not closed, only the probe's counts: pings sent before the breaker opened may still be landing. */
  record(ok: boolean, now: number, sentAt: number): void {
    if (this.state !== 'closed') {
      if (this.state === 'open' || sentAt < this.probeAt) return;
      if (ok) {
        this.reset(now);
        this.move('closed', 'probe succeeded');
      } else this.trip(now, 'probe failed');
      return;
    }
    this.roll(now);
    const i = Math.floor(now / this.bucketMs) % BUCKETS;
    this.calls[i]!++;
    if (ok) {
      this.streak = 0;
      return;
    }
    this.fails[i]!++;
    this.streak++;
    if (this.streak >= this.config.failures) return this.trip(now, `${this.streak} failures in a row`);
    const calls = this.calls.reduce((s, x) => s + x, 0);
    const fails = this.fails.reduce((s, x) => s + x, 0);
    if (calls >= this.config.min_calls && fails / calls >= this.config.error_rate) this.trip(now, `${fails} of ${calls} calls failed in ${this.times.windowMs} ms`);
  }

  /** empty the buckets the clock has moved past */
  private roll(now: number): void {
    const at = Math.floor(now / this.bucketMs);
    if (at - this.bucketAt >= BUCKETS) {
      this.calls.fill(0);
      this.fails.fill(0);
    } else {
      for (let b = this.bucketAt + 1; b <= at; b++) {
        this.calls[b % BUCKETS] = 0;
        this.fails[b % BUCKETS] = 0;
      }
    }
    this.bucketAt = Math.max(this.bucketAt, at);
  }

  private trip(now: number, why: string): void {
    this.openedAt = now;
    this.probeAt = -Infinity;
    this.move('open', why);
  }

  private reset(now: number): void {
    this.streak = 0;
    this.calls.fill(0);
    this.fails.fill(0);
    this.bucketAt = Math.floor(now / this.bucketMs);
  }

  private move(to: BreakerState, why: string): void {
    const from = this.state;
    if (from === to) return;
    this.state = to;
    this.onChange(from, to, why);
  }
}
