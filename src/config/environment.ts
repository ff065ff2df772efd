import { join } from 'node:path';
import { ROOT } from '../core/paths.js';
import { ConfigError } from './load-config.js';
import type { ConfigData } from './schema.js';
import { DEFAULT_REDIS_PREFIX } from './server-schema.js';

/**
 * Where each setting of a process comes from, all in this file. A command-line flag wins over
 * its environment variable, the environment over the config file, the config file over the
 * default (the README's Configuration section lists them):
 *
 *   the config file    --config, GAVEL_CONFIG, else src/config/demo.yaml
 *   public listener    --port, PORT, else 8080; --host, HOST, else 0.0.0.0 (not in the config file)
 *   store              REDIS_URL or REDIS_CLUSTER, either one replacing the config's whole `redis`
 *                      block; neither and no block: the embedded memory store
 *   secret             GAVEL_SECRET over `secret`
 *   ledger             DATABASE_URL over `ledger.postgres_url`
 *   config versions    GAVEL_CONFIG_STORE=file keeps the file as the configuration (read-only) even
 *                      with PostgreSQL; else PostgreSQL holds the versions whenever a URL is known
 *   uWS fallback       --allow-uws-fallback, or GAVEL_ALLOW_UWS_FALLBACK=1 (true, yes)
 *   log level          LOG_LEVEL, else info
 *
 * A caller that embeds Gavel (the tests, the demo) gives the same settings as `Overrides`,
 * which are what the command line and the environment become here.
 */
export interface Overrides {
  host?: string;
  port?: number;
  /** the operator listener's address; wins over the config's server.operator (port 0: any free one) */
  operatorHost?: string;
  operatorPort?: number;
  /** REDIS_URL; wins over the config's redis block. Neither: the embedded memory store. */
  redisUrl?: string;
  /** REDIS_CLUSTER ("host:port,host:port"): seed nodes of a Redis Cluster; wins over the config */
  redisCluster?: string[];
  /** DATABASE_URL: the ledger's PostgreSQL; wins over the config's ledger.postgres_url. Neither: a memory ledger. */
  postgresUrl?: string;
  /** GAVEL_CONFIG_STORE: 'file' keeps the configuration in its file even when PostgreSQL is known */
  configStore?: 'file' | 'postgres';
  /** GAVEL_SECRET; wins over the config's secret */
  secret?: string;
  logLevel?: string;
  /** --allow-uws-fallback / GAVEL_ALLOW_UWS_FALLBACK: serve even on uWebSockets.js's pure-JS fallback */
  allowUwsFallback?: boolean;
  /**
   * This process is one of a set started with --processes N: its listeners share their ports with
   * the others (SO_REUSEPORT). Otherwise each port is the process's alone (see src/supervisor.ts).
   */
  sharedPorts?: boolean;
}

const DEFAULT_CONFIG = join(ROOT, 'src', 'config', 'demo.yaml');
const DEFAULT_PORT = 8080;
const DEFAULT_HOST = '0.0.0.0';

/** The flags `main` parses (node:util parseArgs values). */
export interface Flags {
  config?: string;
  port?: string;
  host?: string;
  'allow-uws-fallback'?: boolean;
}

function configStoreOf(value: string): 'file' | 'postgres' {
  if (value !== 'file' && value !== 'postgres') throw new ConfigError('GAVEL_CONFIG_STORE', [`"${value}": file or postgres`]);
  return value;
}

/** The command line and the environment, read once: the config file to load and what wins over it. */
export function fromCommandLine(flags: Flags, env: NodeJS.ProcessEnv): { configPath: string; overrides: Overrides } {
  const configPath = flags.config ?? env.GAVEL_CONFIG ?? DEFAULT_CONFIG;
  const port = Number(flags.port ?? env.PORT ?? DEFAULT_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError('--port', [`not a port: ${flags.port ?? env.PORT}`]);
  // an empty variable is an unset one
  const overrides: Overrides = {
    port,
    host: flags.host ?? env.HOST ?? DEFAULT_HOST,
    ...(env.REDIS_URL ? { redisUrl: env.REDIS_URL } : {}),
    ...(env.REDIS_CLUSTER ? { redisCluster: env.REDIS_CLUSTER.split(',').map((n) => n.trim()) } : {}),
    ...(env.GAVEL_SECRET ? { secret: env.GAVEL_SECRET } : {}),
    ...(env.DATABASE_URL ? { postgresUrl: env.DATABASE_URL } : {}),
    ...(env.GAVEL_CONFIG_STORE ? { configStore: configStoreOf(env.GAVEL_CONFIG_STORE) } : {}),
    ...(env.LOG_LEVEL !== undefined ? { logLevel: env.LOG_LEVEL } : {}),
    allowUwsFallback: flags['allow-uws-fallback'] === true || /^(1|true|yes)$/i.test(env.GAVEL_ALLOW_UWS_FALLBACK ?? ''),
  };
  return { configPath, overrides };
}

/** The store a process opens. */
export type StoreTarget =
  | { readonly kind: 'memory' }
  | { readonly kind: 'redis'; readonly url: string; readonly prefix: string }
  | { readonly kind: 'cluster'; readonly nodes: readonly { host: string; port: number }[]; readonly prefix: string };

/** What one process opens and listens on: the overrides over the config file, over the defaults. */
export interface ProcessSettings {
  readonly store: StoreTarget;
  /** the ledger's PostgreSQL; undefined: a memory ledger */
  readonly postgresUrl: string | undefined;
  /** undefined: none configured (the runtime makes one up for this process) */
  readonly secret: string | undefined;
  readonly listen: { readonly host: string; readonly port: number };
  readonly operator: { readonly host: string; readonly port: number };
  readonly pipelined: { readonly host: string; readonly port: number } | undefined;
  readonly logLevel: string;
  readonly allowUwsFallback: boolean;
  /** the public and operator ports are shared with the other processes of a set (--processes N) */
  readonly sharedPorts: boolean;
}

function hostPort(node: string): { host: string; port: number } {
  const i = node.lastIndexOf(':');
  return { host: node.slice(0, i), port: Number(node.slice(i + 1)) };
}

export function processSettings(config: ConfigData, o: Overrides): ProcessSettings {
  // the environment wins over the config file, whichever kind of Redis each names
  const fromEnv = o.redisUrl !== undefined || o.redisCluster !== undefined;
  const url = fromEnv ? o.redisUrl : config.redis?.url;
  const cluster = fromEnv ? o.redisCluster : config.redis?.cluster;
  // the config's prefix (or its default) whichever Redis the environment names
  const prefix = config.redis?.prefix ?? DEFAULT_REDIS_PREFIX;
  const store: StoreTarget =
    cluster !== undefined ? { kind: 'cluster', nodes: cluster.map(hostPort), prefix } : url !== undefined ? { kind: 'redis', url, prefix } : { kind: 'memory' };
  const secret = o.secret ?? config.secret;
  if (store.kind !== 'memory' && secret === undefined) {
    // every process must hash identifiers alike, or dedup across processes silently fails
    throw new Error('a shared store needs a shared secret: set GAVEL_SECRET or `secret` in the config');
  }
  const operator = config.server.operator;
  return {
    store,
    postgresUrl: o.postgresUrl ?? config.ledger.postgres_url,
    secret,
    listen: { host: o.host ?? DEFAULT_HOST, port: o.port ?? DEFAULT_PORT },
    operator: { host: o.operatorHost ?? operator.host, port: o.operatorPort ?? operator.port },
    pipelined: config.server.pipelined,
    logLevel: o.logLevel ?? 'info',
    allowUwsFallback: o.allowUwsFallback === true,
    sharedPorts: o.sharedPorts === true,
  };
}
