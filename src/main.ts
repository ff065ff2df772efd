#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { USAGE, version } from './cli-usage.js';
import { ConfigError } from './config/load-config.js';
import { configCommand } from './config-command.js';
import { openStartConfig } from './start-config.js';
import { hashKeyCommand } from './config/hash-key-command.js';
import { fromCommandLine } from './config/environment.js';
import { StartRefused, startGavel } from './gavel.js';
import { demoWanted, startDemo } from './start-demo.js';

const OPTIONS = {
  config: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'allow-uws-fallback': { type: 'boolean' },
  'no-demo': { type: 'boolean' },
  help: { type: 'boolean' },
  version: { type: 'boolean' },
} as const;

/** The command line as parsed; a flag it does not know gets the usage on stderr and exit 2 (a usage error, as getopt tools do). */
function commandLine() {
  try {
    return parseArgs({ options: OPTIONS, strict: true }).values;
  } catch (e) {
    if (!String((e as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS_')) throw e;
    process.stderr.write(`gavel: ${(e as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
}

const CONFIG_STORE_SAYS = {
  file: 'config loaded from its file (read-only: no PostgreSQL)',
  memory: 'config loaded from its file; edits from the admin API and the console are kept in this process until it stops (PostgreSQL keeps them for good)',
  postgres: 'config loaded: the live version in PostgreSQL',
} as const;

/** The command line: `gavel [--config PATH] [--port N] [--host H] [--allow-uws-fallback] [--no-demo] [--help] [--version]`; the environment: see USAGE. */
async function main(): Promise<void> {
  if (process.argv[2] === 'hash-key') return void (process.exitCode = await hashKeyCommand(process.stdin, process.stdout));
  if (process.argv[2] === 'config') return void (process.exitCode = await configCommand(process.argv.slice(3), process.stdout, process.stderr));
  const values = commandLine();
  if (values.help) return void process.stdout.write(USAGE);
  if (values.version) return void process.stdout.write(`${version()}\n`);
  const { configPath, overrides } = fromCommandLine(values, process.env);
  const start = await openStartConfig(configPath, overrides);
  const demo = demoWanted(values, process.env) ? await startDemo(start.config) : undefined;
  const gavel = await startGavel({ config: start.config, versions: start.versions, ...overrides, ...(demo !== undefined ? { demo: demo.info } : {}) }).catch(async (e: unknown) => {
    await demo?.close();
    throw e;
  });
  const versions = start.versions.store;
  gavel.log.info({ config: configPath, config_store: versions.kind, config_version: start.versions.startedOn }, CONFIG_STORE_SAYS[versions.kind]);
  if (start.fileDiffers) gavel.log.warn({ config: configPath, config_version: start.versions.startedOn }, 'the config file differs from the live version in PostgreSQL, which wins: the file only seeds an empty store (publish it with `gavel config import`)');
  // last, so the demo's summary is the first screen's last lines
  demo?.run(gavel);
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    // `on`, not `once`: under npm a terminal's Ctrl-C reaches node twice (from the terminal and
    // forwarded by npm), and a second one finding no listener would kill the process mid-drain
    process.on(signal, () => {
      if (stopping) return void gavel.log.info({ signal }, 'already draining');
      stopping = true;
      gavel.log.info({ signal }, 'draining');
      // the demo's traffic stops before Gavel drains and its buyers close after: no demo call fails on the way down
      (demo?.stop() ?? Promise.resolve())
        .then(() => gavel.shutdown())
        .then(() => demo?.close())
        .then(
          () => process.exit(0),
          (e) => {
            gavel.log.error({ err: e }, 'shutdown failed');
            process.exit(1);
          },
        );
    });
  }
}

main().catch((e) => {
  console.error(e instanceof ConfigError || e instanceof StartRefused ? e.message : e);
  process.exit(1);
});
