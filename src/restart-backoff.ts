/**
 * How long the supervisor waits before starting again a process that died (src/supervisor.ts):
 * at once after a process that had lived a while (a one-off crash), else a wait that doubles with
 * each death soon after a start, so a process that cannot start (a bad deployment, a store
 * refusing it) does not spin a core forking, while a one-off crash costs no wait.
 */
export const FIRST_BACKOFF_MS = 250;
export const MAX_BACKOFF_MS = 30_000;
/** a process that lived this long was not crash-looping */
export const STABLE_AFTER_MS = 10_000;

/** Deaths in a row soon after a start, counting this one: 0 when the process had lived STABLE_AFTER_MS. */
export function quickDeaths(before: number, livedMs: number): number {
  return livedMs >= STABLE_AFTER_MS ? 0 : before + 1;
}

/** The wait before the next start, after `deaths` quick deaths in a row. */
export function restartDelay(deaths: number): number {
  return deaths === 0 ? 0 : Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (deaths - 1));
}
