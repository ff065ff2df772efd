#!/usr/bin/env node
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfigFile } from './config/load-config.js';
import { hashKeyCommand } from './config/hash-key-command.js';
import { startGavel } from './gavel.js';
import { ROOT } from './paths.js';

/** The command line: `gavel [--config PATH] [--port N] [--host H]`; env GAVEL_CONFIG, PORT, HOST, REDIS_URL or REDIS_CLUSTER, GAVEL_SECRET, DATABASE_URL. */
async function main(): Promise<void> {
  if (process.argv[2] === 'hash-key') return void (process.exitCode = await hashKeyCommand(process.stdin, process.stdout));
  const { values } = parseArgs({
    options: { config: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' } },
    strict: true,
  });
  const configPath = values.config ?? process.env.GAVEL_CONFIG ?? join(ROOT, 'src', 'config', 'demo.yaml');
  const port = Number(values.port ?? process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError('--port', [`not a port: ${values.port ?? process.env.PORT}`]);
  const config = loadConfigFile(configPath);
  const gavel = await startGavel({
    config,
    port,
    host: values.host ?? process.env.HOST ?? '0.0.0.0',
    ...(process.env.REDIS_URL ? { redisUrl: process.env.REDIS_URL } : {}),
    ...(process.env.REDIS_CLUSTER ? { redisCluster: process.env.REDIS_CLUSTER.split(',').map((n) => n.trim()) } : {}),
    ...(process.env.GAVEL_SECRET ? { secret: process.env.GAVEL_SECRET } : {}),
    ...(process.env.DATABASE_URL ? { postgresUrl: process.env.DATABASE_URL } : {}),
  });
  gavel.log.info({ config: configPath }, 'config loaded');
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      gavel.log.info({ signal }, 'draining');
      gavel.shutdown().then(
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
  console.error(e instanceof ConfigError ? e.message : e);
  process.exit(1);
});
