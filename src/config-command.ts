import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { GavelError } from './core/codes.js';
import { fromCommandLine } from './config/environment.js';
import { ConfigError, loadConfigFile, modelFilesFrom } from './config/load-config.js';
import { processSettings } from './config/environment.js';
import { PostgresVersions } from './versions/postgres-versions.js';
import { documentYaml, importYaml } from './versions/yaml-io.js';

/**
 * `gavel config export|import`: a version as YAML out of PostgreSQL, or a YAML/JSON file in as the
 * next version, so a team can keep its configuration in git. It talks to the database the
 * exchange's processes read (DATABASE_URL, else the config file's ledger.postgres_url); the
 * processes take an imported version within a second (they poll it). Exit 0 done, 1 refused
 * (the reason on stderr, a draft's problems one per line), 2 usage.
 */
export async function configCommand(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const [action, ...rest] = argv;
  let values: { config?: string; version?: string; comment?: string; draft?: boolean; positionals: string[] };
  try {
    const parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { config: { type: 'string' }, version: { type: 'string' }, comment: { type: 'string' }, draft: { type: 'boolean' } },
    });
    values = { ...parsed.values, positionals: parsed.positionals };
  } catch (e) {
    err.write(`gavel config: ${(e as Error).message}\n`);
    return 2;
  }
  if ((action !== 'export' && action !== 'import') || (action === 'import' && values.positionals.length !== 1) || (action === 'export' && values.positionals.length > 0)) {
    err.write('usage: gavel config export [--version N] | gavel config import FILE [--comment C] [--draft]   (the database: DATABASE_URL or --config\'s ledger.postgres_url)\n');
    return 2;
  }
  const { configPath, overrides } = fromCommandLine({ ...(values.config !== undefined ? { config: values.config } : {}) }, process.env);
  let store: PostgresVersions;
  try {
    const file = loadConfigFile(configPath);
    const url = processSettings(file, overrides).postgresUrl;
    if (url === undefined) {
      err.write('gavel config: no PostgreSQL (set DATABASE_URL or ledger.postgres_url): without it the configuration file is the configuration\n');
      return 1;
    }
    store = new PostgresVersions({ url, schema: file.ledger.schema });
    await store.start();
  } catch (e) {
    err.write(`gavel config: ${e instanceof ConfigError ? e.message : (e as Error).message}\n`);
    return 1;
  }
  const author = `cli:${userInfo().username}`;
  try {
    if (action === 'export') {
      const n = values.version === undefined ? await store.liveVersion() : Number(values.version);
      if (!Number.isInteger(n) || n <= 0) throw new GavelError('VERSION_NOT_FOUND', values.version === undefined ? 'No configuration version was published yet' : `No configuration version ${values.version}`);
      out.write(documentYaml((await store.version(n)).document));
      return 0;
    }
    const document = modelFilesFrom(values.positionals[0]!, importYaml(readFileSync(values.positionals[0]!, 'utf8')));
    const draft = await store.createDraft(document, author);
    if (values.draft) {
      out.write(`draft ${draft.id}\n`);
      return 0;
    }
    try {
      const v = await store.publish(draft.id, author, values.comment ?? `imported from ${values.positionals[0]}`);
      out.write(`version ${v.version} published\n`);
      return 0;
    } catch (e) {
      await store.deleteDraft(draft.id, author).catch(() => undefined);
      throw e;
    }
  } catch (e) {
    if (!(e instanceof GavelError)) {
      err.write(`gavel config: ${(e as Error).message}\n`);
      return 1;
    }
    err.write(`gavel config: ${e.code}: ${e.message}\n`);
    for (const d of e.details ?? []) err.write(`  ${d.path}: ${d.message}\n`);
    return 1;
  } finally {
    await store.close();
  }
}
