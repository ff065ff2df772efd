import type { Detail } from '../core/codes.js';
import { ConfigError, parseConfig } from '../config/load-config.js';

/**
 * Every problem of a document with its path, by the validation Gavel starts with (parseConfig),
 * so a version that publishes is one that would start. Its problems read `path: message`.
 */
export function validateDocument(document: unknown): Detail[] {
  try {
    parseConfig(document, 'draft');
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.problems.map((p) => {
      const at = p.indexOf(': ');
      return at < 0 ? { path: '(root)', message: p } : { path: p.slice(0, at), message: p.slice(at + 2) };
    });
  }
}
