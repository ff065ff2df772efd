import type { Logger } from './telemetry/logger.js';

/**
 * The order Gavel stops in. Sellers first: no new call is taken and those in flight finish, then
 * their connections close. Then what calls out (the buyers' pools) and what learns from calls.
 * Then what the calls left behind is written, each part before the one it hands its work to:
 * traces hand their leads to the reports' counts; the sale recorder hands what it kept to the
 * sales queue, whose entries the writer moves into the ledger (its loop stops, then one last
 * drain of up to 2 s) before the ledger closes. The store, which all of these write through,
 * closes last.
 */
export const SHUTDOWN_ORDER = [
  'drain',
  'close connections',
  // upload rows are calls too: those running finish (their buyers' pools still open), the rest wait for a next start
  'uploads',
  // no version is taken after this: a swap would open transports the next step no longer closes
  'config versions',
  'buyer transports',
  'accept rates',
  'traces',
  // what this process sold is queued already; record what it can before it goes
  'postbacks',
  // sold leads' e-mails and webhooks are queued: another process delivers what this one leaves
  'deliveries',
  // a batch being sent finishes; one left unsent waits in its records for the next holder
  'batch files',
  'report counts',
  'sales',
  'sales queue',
  'ledger writer',
  'ledger drain',
  'ledger',
  'scoring pool',
  'store',
] as const;
export type ShutdownStepName = (typeof SHUTDOWN_ORDER)[number];

/** One step of stopping: its name (for the log) and what it does. */
export type ShutdownStep = readonly [name: string, run: () => unknown];

/** What each step of SHUTDOWN_ORDER does, in that order: every step must be given one. */
export function shutdownSteps(run: Readonly<Record<ShutdownStepName, () => unknown>>): ShutdownStep[] {
  return SHUTDOWN_ORDER.map((name) => [name, run[name]] as const);
}

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
