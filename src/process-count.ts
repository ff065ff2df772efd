import { availableParallelism } from 'node:os';
import { ConfigError } from './config/load-config.js';

/** The most processes a set may have: far more than any machine's cores, so a typo is caught, not forked. */
const MAX_PROCESSES = 256;

/**
 * How many Gavel processes to run: --processes, else GAVEL_PROCESSES, else 1. `auto` is one per
 * core the process may use (os.availableParallelism, which follows the CPU affinity mask, so a
 * `taskset` or a container's cpuset is respected).
 */
export function processCount(flag: string | undefined, env: NodeJS.ProcessEnv): number {
  // an empty variable is an unset one, as for every other setting
  const given = flag ?? (env.GAVEL_PROCESSES || undefined);
  if (given === undefined) return 1;
  if (given === 'auto') return availableParallelism();
  const n = Number(given);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PROCESSES) throw new ConfigError(flag !== undefined ? '--processes' : 'GAVEL_PROCESSES', [`"${given}": a whole number from 1 to ${MAX_PROCESSES}, or auto`]);
  return n;
}
