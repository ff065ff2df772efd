import { performance } from 'node:perf_hooks';
import { GavelError } from '../core/codes.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { SellerRoute } from './call-result.js';

export interface OverloadSettings {
  /** calls (pings, posts, direct posts, over HTTP and the socket) handled at once, past which a new lead is refused */
  maxCallsInFlight: number;
  /** event-loop delay, or a call's wait to start, past which a new lead is refused: calls already waiting that long would answer late */
  maxLoopLagMs: number;
  /** the share of recent ping answers written after their deadline past which a new lead is refused (1: never) */
  maxLateShare: number;
}

/** the weight of a new loop-delay sample in the smoothed delay */
const LAG_WEIGHT = 0.25;

/** the weight of one ping answer, late or not, in the recent share of late answers: about the last 50 */
const LATE_WEIGHT = 0.02;
/** the share of late answers fades by e in this long, answers or none: a process refusing every lead takes leads again */
const LATE_MEMORY_MS = 1000;

/** A process with no call for this long samples its loop slowly: an idle process should cost nothing. */
const IDLE_AFTER_MS = 1000;

/**
 * Admission control: past saturation, a new lead (a ping, a direct post) is refused at once
 * with 503 OVERLOADED instead of being started and answered late, or timing out on the store
 * and answered STORE_UNAVAILABLE, which points at Redis when the CPU is the cause. Three signals:
 * the event loop's delay (the process is behind: what it starts now waits that long first); the
 * calls in flight (a burst the loop has not felt yet); and how long this call waited, read in
 * whole, for its turn to start. The last catches what the loop's delay cannot: a burst read in
 * one turn (a thousand connections' requests in one poll) is started call after call within that
 * turn, before any delay sample, and the calls at its end would start already late and hold
 * every timer of the turn's other auctions behind them. And a fourth, the outcome itself: the
 * share of recent ping answers written after their deadline. Past saturation on a shared box
 * the part that gives out may be the store (Redis starved of CPU answers late) rather than this
 * loop: then the calls are late for all the loop's health, and refusing new leads until the
 * share falls is what lets the others finish in time. A post is never refused: it finishes
 * an auction whose winner's cap room is held, and refusing it would lose a sale.
 */
export class CallAdmission {
  private inFlight = 0;
  /**
   * the loop's recent delay, smoothed: a process behind sample after sample (saturated) is
   * refused new leads; one long task (a GC, a compile) moves it a quarter of its length and is
   * forgotten within a few samples
   */
  private lagMs = 0;
  private lastCallAt = -Infinity;

  constructor(
    private readonly settings: OverloadSettings,
    private readonly metrics: Pick<Metrics, 'callsShed'>,
  ) {}

  /** the recent share of ping answers written late (LATE_WEIGHT, LATE_MEMORY_MS), and when it was last brought up to date */
  private lateShare = 0;
  private lateAt = 0;

  observeLoopDelay(ms: number): void {
    this.lagMs += LAG_WEIGHT * (ms - this.lagMs);
  }

  /** A ping's answer was written, `late` when after its deadline. */
  answered(late: boolean, now = performance.now()): void {
    this.fade(now);
    this.lateShare += LATE_WEIGHT * ((late ? 1 : 0) - this.lateShare);
  }

  private fade(now: number): void {
    const dt = now - this.lateAt;
    this.lateAt = now;
    if (dt > 0) this.lateShare *= Math.exp(-dt / LATE_MEMORY_MS);
  }

  /** whether calls came lately: the loop is sampled often then, seldom when idle */
  get active(): boolean {
    return this.inFlight > 0 || performance.now() - this.lastCallAt < IDLE_AFTER_MS;
  }

  /**
   * A call begins, or is refused with why; a call that began must `leave`. `queuedMs`: how long
   * the call, read in whole, waited for its turn to start (0 where it starts as it is read).
   */
  enter(route: SellerRoute, queuedMs = 0): GavelError | null {
    const now = performance.now();
    this.lastCallAt = now;
    if (route !== 'post') {
      const { maxCallsInFlight, maxLoopLagMs, maxLateShare } = this.settings;
      this.fade(now);
      // the call's own wait before the loop's: it is the more telling of the two when both are over
      const why =
        this.inFlight >= maxCallsInFlight ? 'in_flight' : queuedMs > maxLoopLagMs ? 'queued' : this.lagMs > maxLoopLagMs ? 'loop_lag' : this.lateShare > maxLateShare ? 'late_answers' : null;
      if (why !== null) {
        this.metrics.callsShed.inc({ route, why });
        return new GavelError(
          'OVERLOADED',
          why === 'in_flight'
            ? `This process is handling ${this.inFlight} calls (server.overload.max_calls_in_flight): the lead was not started; retry in a moment or on another process`
            : why === 'loop_lag'
              ? `This process is ${Math.round(this.lagMs)} ms behind (server.overload.max_loop_lag_ms ${maxLoopLagMs}): the lead was not started, so it is not answered late; retry in a moment or on another process`
              : why === 'late_answers'
                ? `${Math.round(this.lateShare * 100)}% of this process's recent answers left after their deadline (server.overload.max_late_share ${maxLateShare}): the lead was not started; retry in a moment or on another process`
                : `This call waited ${Math.round(queuedMs)} ms for its turn to start (server.overload.max_loop_lag_ms ${maxLoopLagMs}): the lead was not started, so it is not answered late; retry in a moment or on another process`,
        );
      }
    }
    this.inFlight++;
    return null;
  }

  leave(): void {
    this.inFlight--;
  }
}
