import { ConfigError, parseConfig } from '../../src/config/load-config.js';

/** A config's problems as parseConfig states them (each with its path); none: it is valid. */
export function configProblems(raw: unknown): string[] {
  try {
    parseConfig(raw);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}
