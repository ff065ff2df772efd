import type { Logger } from './telemetry/logger.js';

/** One step of stopping: its name (for the log) and what it does. */
export type ShutdownStep = readonly [name: string, run: () => unknown];

/**
 * Run every step in order, each even when an earlier one threw: a connection that will not
 * close must not cost the traces, the reports' counts or the ledger their last flush.
 * Each failure is logged with its step; the names of those that failed are returned.
 */
export async function runShutdown(steps: readonly ShutdownStep[], log: Logger): Promise<string[]> {
  const failed: string[] = [];
  for (const [name, run] of steps) {
    try {
      await run();
    } catch (err) {
      failed.push(name);
      log.error({ err, step: name }, `shutdown step failed: ${name}`);
    }
  }
  return failed;
}
