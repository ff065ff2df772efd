import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { Config, type ConfigData } from './schema.js';

/** Every problem of a config file, each with its path, e.g. `buyers[2].caps.timezone: unknown time zone "America/Chicgo"`. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
  }
}

function pathText(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out || '(root)';
}

/** Validate a parsed config object once, with every problem at once. */
export function parseConfig(raw: unknown, source = 'config'): ConfigData {
  const r = Config.safeParse(raw);
  if (!r.success) throw new ConfigError(source, r.error.issues.map((i) => `${pathText(i.path)}: ${i.message}`));
  return r.data;
}

/** Read a YAML or JSON file (YAML is a superset of JSON, so one parser reads both). */
export function loadConfigFile(path: string): ConfigData {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ConfigError(path, [`cannot read: ${(e as Error).message}`]);
  }
  return parseConfig(modelFilesFrom(path, raw), path);
}

/** A file's document with its model files named from the file's folder: what a version stored from it holds. */
export function modelFilesFrom(path: string, raw: unknown): unknown {
  return relativeTo(dirname(resolve(path)), raw);
}

/**
 * A model file named relative to its config file is read from there, wherever Gavel was started.
 * A document in PostgreSQL has no folder: a version made from a file (the seed, `gavel config
 * import`) stores the paths made absolute here, and one written through the API names its model
 * files as every process's machine sees them.
 */
function relativeTo(dir: string, raw: unknown): unknown {
  const campaigns = (raw as { campaigns?: unknown } | null)?.campaigns;
  if (!Array.isArray(campaigns)) return raw;
  for (const c of campaigns) {
    const model = (c as { scoring?: { model?: { file?: unknown } } } | null)?.scoring?.model;
    if (model && typeof model.file === 'string' && !isAbsolute(model.file)) model.file = join(dir, model.file);
  }
  return raw;
}
