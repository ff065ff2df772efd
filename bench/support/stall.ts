/**
 * A buyer that stops answering for `ms` every `everyMs`, as a process in a long GC pause does:
 * what it was about to send during the pause goes out, all at once, when the pause ends.
 * Stalls are placed on the wall clock (epoch ms), at `offsetMs + k × everyMs`, so a test or a
 * bench in another process knows when they are; give buyers different offsets to stagger them.
 */
export interface Stall {
  ms: number;
  everyMs: number;
  offsetMs?: number;
}

/** The wall clock in ms, with performance.now()'s resolution, comparable across processes. */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

export function checkStall(s: Stall, what: string): void {
  if (!(s.ms > 0 && s.everyMs > s.ms)) throw new Error(`${what}: a stall needs 0 < ms < everyMs (${JSON.stringify(s)})`);
}

/** When an answer due at `dueAt` (wall ms) goes out: then, or at the end of the stall it falls in. */
export function releaseAt(stall: Stall | undefined, dueAt: number): number {
  if (stall === undefined) return dueAt;
  const into = (((dueAt - (stall.offsetMs ?? 0)) % stall.everyMs) + stall.everyMs) % stall.everyMs;
  return into < stall.ms ? dueAt - into + stall.ms : dueAt;
}
