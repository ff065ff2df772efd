import { performance } from 'node:perf_hooks';

/** ms between samples while calls come: short enough to catch a burst's blocking, cheap at 100 timers a second */
const EVERY_MS = 10;
/** and while none do: an idle process wakes ten times a second, not a hundred */
const IDLE_EVERY_MS = 100;

/**
 * How long this process leaves ready I/O waiting: a timer due every 10 ms and how late it runs.
 * uWS gives a request or a frame no arrival time, so no call's own wait can be read; a call that
 * arrives while the loop is busy (another seller's burst, a long task) waits about this long
 * before its handler runs, and its deadline clock starts only then.
 */
export class LoopDelay {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly observe: (ms: number) => void,
    /** whether calls come now: sampled every 10 ms then, every 100 ms when not */
    private readonly active: () => boolean = () => true,
  ) {}

  start(): void {
    if (this.timer !== null) return;
    let due = performance.now() + EVERY_MS;
    const tick = () => {
      const now = performance.now();
      this.observe(Math.max(0, now - due));
      const every = this.active() ? EVERY_MS : IDLE_EVERY_MS;
      due = now + every;
      this.timer = setTimeout(tick, every);
      this.timer.unref();
    };
    this.timer = setTimeout(tick, EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
