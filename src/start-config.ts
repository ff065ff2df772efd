import { isDeepStrictEqual } from 'node:util';
import { readFileSync } from 'node:fs';
import { processSettings, type Overrides } from './config/environment.js';
import { loadConfigFile, modelFilesFrom, parseConfig } from './config/load-config.js';
import type { ConfigData } from './config/schema.js';
import type { ConfigVersions } from './versions/config-versions.js';
import { openVersions } from './versions/open-versions.js';
import { importYaml } from './versions/yaml-io.js';

/** The configuration a process starts on, and where its versions are kept. */
export interface StartConfig {
  config: ConfigData;
  versions: { store: ConfigVersions; startedOn: number };
  /** with PostgreSQL: the file says something else than the live version (it only seeds an empty store) */
  fileDiffers: boolean;
}

/**
 * Start-up step: the versions the settings ask for (PostgreSQL whenever a URL is known and
 * GAVEL_CONFIG_STORE is not `file`; an empty store is seeded from the file; without one, this
 * process's memory on the embedded store, else the file read-only), and the live one.
 */
export async function openStartConfig(configPath: string, overrides: Overrides): Promise<StartConfig> {
  const fromFile = loadConfigFile(configPath);
  const { postgresUrl, store: target } = processSettings(fromFile, overrides);
  const fileOnly = overrides.configStore === 'file';
  const store = await openVersions({ postgresUrl: fileOnly ? undefined : postgresUrl, schema: fromFile.ledger.schema, configPath, embedded: !fileOnly && target.kind === 'memory' });
  try {
    const live = await store.live();
    if (store.kind === 'file') return { config: fromFile, versions: { store, startedOn: live.version }, fileDiffers: false };
    const config = parseConfig(live.document, `configuration version ${live.version}`);
    const fileDiffers = !isDeepStrictEqual(modelFilesFrom(configPath, importYaml(readFileSync(configPath, 'utf8'))), live.document);
    return { config, versions: { store, startedOn: live.version }, fileDiffers };
  } catch (e) {
    await store.close().catch(() => undefined);
    throw e;
  }
}
