#!/usr/bin/env node
import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { USAGE, version } from './cli-usage.js';
import { ConfigError } from './config/load-config.js';
import { configCommand } from './config-command.js';
import { openStartConfig } from './start-config.js';
import { hashKeyCommand } from './config/hash-key-command.js';
import { fromCommandLine, processSettings, type Overrides } from './config/environment.js';
import { loadConfigFile } from './config/load-config.js';
import { processCount } from './process-count.js';
import { LISTENING, runSupervisor, SET_PORTS_ENV, STOP_MARGIN_MS, type Listening } from './supervisor.js';
import { createLogger } from './telemetry/logger.js';
import { freePort } from './free-port.js';
import { StartRefused, startGavel } from './gavel.js';
import { demoWanted, startDemo } from './start-demo.js';

const OPTIONS = {
  config: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'allow-uws-fallback': { type: 'boolean' },
  'no-demo': { type: 'boolean' },
  processes: { type: 'string' },
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

/** The command line: `gavel [--config PATH] [--port N] [--host H] [--processes N|auto] [--allow-uws-fallback] [--no-demo] [--help] [--version]`; the environment: see USAGE. */
async function main(): Promise<void> {
  if (process.argv[2] === 'hash-key') return void (process.exitCode = await hashKeyCommand(process.stdin, process.stdout));
  if (process.argv[2] === 'config') return void (process.exitCode = await configCommand(process.argv.slice(3), process.stdout, process.stderr));
  const values = commandLine();
  if (values.help) return void process.stdout.write(USAGE);
  if (values.version) return void process.stdout.write(`${version()}\n`);
  const { configPath, overrides } = fromCommandLine(values, process.env);
  const processes = processCount(values.processes, process.env);
  if (processes > 1 && cluster.isPrimary) return void (process.exitCode = await supervise(processes, configPath, overrides, demoWanted(values, process.env)));
  if (cluster.isWorker) Object.assign(overrides, setOverrides());
  const start = await openStartConfig(configPath, overrides);
  // the live version in PostgreSQL may name another store than the file the primary read
  if (cluster.isWorker && processSettings(start.config, overrides).store.kind === 'memory') throw new StartRefused(ONE_STORE);
  const demo = !cluster.isWorker && demoWanted(values, process.env) ? await startDemo(start.config) : undefined;
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
  if (cluster.isWorker) {
    // (should the primary be killed, node:cluster ends this process at once, undrained: the set stops with SIGTERM to the primary)
    process.send!({ type: LISTENING, port: gavel.port, operatorPort: gavel.operatorPort } satisfies Listening);
  }
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

const ONE_STORE =
  'more than one process needs the shared store: each process on the embedded memory store would keep caps, dedup and holds of its own. ' +
  'Set REDIS_URL (or REDIS_CLUSTER, or a redis block in the config) and GAVEL_SECRET, or run one process';

/** A process of a set (--processes N): the ports the primary gave it, shared with the others. */
function setOverrides(): Overrides {
  const given = process.env[SET_PORTS_ENV];
  if (given === undefined) throw new Error(`a process of a set started without ${SET_PORTS_ENV}: only the primary of --processes starts them`);
  const [port, operatorPort] = given.split(',').map(Number);
  return { sharedPorts: true, port: port!, operatorPort: operatorPort! };
}

/** The primary of --processes N: what the set needs is checked here, before any process starts, then the supervisor runs them. */
async function supervise(processes: number, configPath: string, overrides: Overrides, demo: boolean): Promise<number> {
  if (demo) throw new StartRefused('the demo market runs in one process: with --processes, start with --no-demo (GAVEL_DEMO=0) or a config of your own (--config)');
  const config = loadConfigFile(configPath);
  const settings = processSettings(config, overrides);
  if (settings.store.kind === 'memory') throw new StartRefused(ONE_STORE);
  const log = createLogger([], settings.logLevel);
  // uWS shares a port (SO_REUSEPORT) only when it is given one: "any free port" is picked here, once for the set
  const ports = { port: await freePort(settings.listen.host, settings.listen.port), operatorPort: await freePort(settings.operator.host, settings.operator.port) };
  log.info({ processes, pid: process.pid, ...ports }, 'supervisor starting the set');
  // the file's drain time: the primary reads no PostgreSQL, so a live version that lengthens it belongs in the file as well
  return runSupervisor(processes, ports, config.server.drain_timeout_ms + STOP_MARGIN_MS, log);
}

main().catch((e) => {
  console.error(e instanceof ConfigError || e instanceof StartRefused ? e.message : e);
  process.exit(1);
});
