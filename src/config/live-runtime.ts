import type { Runtime } from './runtime.js';

/** One compiled configuration and its version number: what a request or a lead reads once and keeps. */
export interface Versioned {
  readonly runtime: Runtime;
  /** counts up from 1 (the configuration the process started on) at each swap in this process */
  readonly version: number;
}

/** Where the configuration of the moment is read: one `current()` per request or lead, never kept past it. */
export interface RuntimeSource {
  current(): Versioned;
}

/**
 * The configuration a process runs on, swapped live: `swap` replaces it in one step, so a reader
 * sees the whole previous version or the whole next one, never a mix. What a swap must rebuild
 * is rebuilt by the caller before it calls `swap` (see live-buyers.ts), off the hot path; the
 * listeners are told after the swap, in order, synchronously.
 */
export class LiveRuntime implements RuntimeSource {
  private now: Versioned;
  private readonly listeners: ((next: Versioned, previous: Versioned) => void)[] = [];

  constructor(runtime: Runtime, version = 1) {
    this.now = Object.freeze({ runtime, version });
  }

  current(): Versioned {
    return this.now;
  }

  /** Make `next` the configuration of every request and lead that starts from now on; returns its version. */
  swap(next: Runtime, version = this.now.version + 1): Versioned {
    const previous = this.now;
    this.now = Object.freeze({ runtime: next, version });
    for (const l of this.listeners) l(this.now, previous);
    return this.now;
  }

  /** Told after every swap, with the new version and the one it replaced. */
  onSwap(listener: (next: Versioned, previous: Versioned) => void): void {
    this.listeners.push(listener);
  }
}

/** A source that never changes: for the parts built from one runtime (tests, tools). */
export function fixedRuntime(runtime: Runtime): RuntimeSource {
  const v: Versioned = Object.freeze({ runtime, version: 1 });
  return { current: () => v };
}
