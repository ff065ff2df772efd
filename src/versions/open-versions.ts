import { readFileSync } from 'node:fs';
import { GavelError } from '../core/codes.js';
import { ConfigError, modelFilesFrom } from '../config/load-config.js';
import type { ConfigVersions } from './config-versions.js';
import { FileVersions } from './file-versions.js';
import { MemoryVersions } from './memory-versions.js';
import { PostgresVersions } from './postgres-versions.js';
import { importYaml } from './yaml-io.js';

export interface OpenVersionsOptions {
  /** the ledger's PostgreSQL (DATABASE_URL over ledger.postgres_url); none: the file is the configuration, read-only */
  postgresUrl: string | undefined;
  /** the ledger's schema */
  schema: string;
  /** the YAML or JSON configuration file: the only version without PostgreSQL, the first one with it */
  configPath: string;
  /**
   * the process runs alone on the embedded store: without PostgreSQL its versions are kept in
   * memory (writable until it stops), since no other process could disagree with it
   */
  embedded?: boolean;
}

/**
 * The configuration's versions the settings ask for: in PostgreSQL (migrated, and seeded from the
 * file when empty) when a URL is given; else, for a process alone on the embedded store, in its
 * memory, seeded from the file; else (processes sharing a Redis, or GAVEL_CONFIG_STORE=file)
 * the file alone, read-only, since processes that each kept their own edits would drift apart.
 */
export async function openVersions(o: OpenVersionsOptions): Promise<ConfigVersions> {
  if (o.postgresUrl === undefined && o.embedded !== true) {
    const file = new FileVersions(o.configPath);
    await file.start();
    return file;
  }
  const store = o.postgresUrl === undefined ? new MemoryVersions() : new PostgresVersions({ url: o.postgresUrl, schema: o.schema });
  try {
    await store.start();
    if ((await store.liveVersion()) === 0) {
      try {
        await store.seedIfEmpty(modelFilesFrom(o.configPath, importYaml(readFileSync(o.configPath, 'utf8'))), 'file');
      } catch (e) {
        // the file's problems, every one with its path, as a start from the file would print them
        if (e instanceof GavelError && e.details) throw new ConfigError(o.configPath, e.details.map((d) => `${d.path}: ${d.message}`));
        throw e;
      }
    }
  } catch (e) {
    await store.close().catch(() => undefined);
    throw e;
  }
  return store;
}
