import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './core/paths.js';

/** What `--help` prints: every flag and environment variable the README's configuration table lists. */
export const USAGE = `Usage: gavel [options]            (npm start -- [options])
       gavel hash-key             read a key on stdin, print its sha256:<hex> hash for the config
       gavel config export [--version N]        print a configuration version (default: the live one) as YAML
       gavel config import FILE [--comment C] [--draft]
                                  publish FILE (YAML or JSON) as the next version (--draft: only make a draft)

Options:
  --config PATH          the config file, YAML or JSON (env GAVEL_CONFIG; default src/config/demo.yaml)
  --port N               listen port (env PORT; default 8080; 0: any free port)
  --host H               listen address (env HOST; default 0.0.0.0)
  --processes N|auto     run N Gavel processes on the same ports, supervised (env GAVEL_PROCESSES;
                         default 1; auto: one per core). More than one needs Redis (REDIS_URL or
                         REDIS_CLUSTER) and GAVEL_SECRET; one process listens on its ports exclusively
  --allow-uws-fallback   serve even when uWebSockets.js's native binary did not load
                         (env GAVEL_ALLOW_UWS_FALLBACK=1); without it Gavel refuses to start
  --no-demo              on the demo config, run no simulated buyers and no demo traffic (env GAVEL_DEMO=0);
                         a config of one's own (--config, GAVEL_CONFIG) never runs them
  --help                 print this and exit
  --version              print the version and exit

Environment:
  GAVEL_CONFIG           as --config
  PORT, HOST             as --port, --host
  REDIS_URL              the shared store, one Redis (redis://host:6379); overrides the config's redis block
  REDIS_CLUSTER          the shared store on a Redis Cluster: seed nodes host:port,host:port,...
  GAVEL_SECRET           HMAC key of dedup hashes; required with Redis (every process must hash alike)
  DATABASE_URL           the ledger's PostgreSQL (postgres://user@host:5432/db); none: an in-memory ledger.
                         With it, the configuration's versions live there too (seeded from the file when empty)
  GAVEL_CONFIG_STORE     file: keep the file as the configuration (read-only admin API) even with PostgreSQL or embedded
  GAVEL_PROCESSES        as --processes
  GAVEL_ALLOW_UWS_FALLBACK  as --allow-uws-fallback
  GAVEL_DEMO             0 (false, no, off): as --no-demo
  LOG_LEVEL              pino level (default info)

Neither REDIS_URL, REDIS_CLUSTER nor a redis block: the embedded memory store (one process).
SIGTERM or SIGINT drains, flushes traces and the ledger, and exits 0 (with --processes: every process).
`;

/** package.json's version, read where the process runs (src/ under tests, dist/src/ built). */
export function version(): string {
  return (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}
