import { describe, expect, it } from 'vitest';
import { fromCommandLine, processSettings } from '../../src/config/environment.js';
import { ConfigError, parseConfig } from '../../src/config/load-config.js';
import { ROOT } from '../../src/core/paths.js';
import { join } from 'node:path';

const config = (extra: Record<string, unknown> = {}) =>
  parseConfig({
    campaigns: [{ id: 'auto', fields: { zip: { type: 'string', ping: true } } }],
    sellers: [{ id: 'pub1', api_key: 'k'.repeat(20) }],
    buyers: [],
    ...extra,
  });

describe('environment: a flag over its variable, the environment over the config file, the file over the default', () => {
  it('the config file, the port and the host: flag, then variable, then default', () => {
    expect(fromCommandLine({}, {})).toEqual({
      configPath: join(ROOT, 'src', 'config', 'demo.yaml'),
      overrides: { port: 8080, host: '0.0.0.0', allowUwsFallback: false },
    });
    const env = { GAVEL_CONFIG: '/etc/gavel.yaml', PORT: '7000', HOST: '10.0.0.1' };
    expect(fromCommandLine({}, env)).toMatchObject({ configPath: '/etc/gavel.yaml', overrides: { port: 7000, host: '10.0.0.1' } });
    expect(fromCommandLine({ config: 'mine.yaml', port: '0', host: '127.0.0.1' }, env)).toMatchObject({ configPath: 'mine.yaml', overrides: { port: 0, host: '127.0.0.1' } });
  });

  it('a port that is not one is refused, naming what was given', () => {
    for (const [flags, env, given] of [[{ port: 'http' }, {}, 'http'], [{}, { PORT: '70000' }, '70000'], [{ port: '1.5' }, { PORT: '80' }, '1.5']] as const) {
      let problems: string[] = [];
      try {
        fromCommandLine(flags, env);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        problems = (e as ConfigError).problems;
      }
      expect(problems).toEqual([`not a port: ${given}`]);
    }
  });

  it('variables: an empty one is unset; the uWS fallback by flag or by 1, true or yes', () => {
    const read = (env: NodeJS.ProcessEnv, flags = {}) => fromCommandLine(flags, env).overrides;
    expect(read({ REDIS_URL: '', REDIS_CLUSTER: '', GAVEL_SECRET: '', DATABASE_URL: '' })).toEqual({ port: 8080, host: '0.0.0.0', allowUwsFallback: false });
    expect(read({ REDIS_URL: 'redis://r:6379', GAVEL_SECRET: 's'.repeat(16), DATABASE_URL: 'postgres://p/db', LOG_LEVEL: 'warn' })).toMatchObject({
      redisUrl: 'redis://r:6379',
      secret: 's'.repeat(16),
      postgresUrl: 'postgres://p/db',
      logLevel: 'warn',
    });
    expect(read({ REDIS_CLUSTER: 'a:7000, b:7001 ,c:7002' }).redisCluster).toEqual(['a:7000', 'b:7001', 'c:7002']);
    for (const v of ['1', 'true', 'YES']) expect(read({ GAVEL_ALLOW_UWS_FALLBACK: v }).allowUwsFallback, v).toBe(true);
    for (const v of ['0', 'no', '']) expect(read({ GAVEL_ALLOW_UWS_FALLBACK: v }).allowUwsFallback, v).toBe(false);
    expect(read({}, { 'allow-uws-fallback': true }).allowUwsFallback).toBe(true);
  });

  it('the store: REDIS_URL or REDIS_CLUSTER replaces the config\'s whole redis block, keeping its prefix; neither and no block: memory', () => {
    const secret = 's'.repeat(16);
    expect(processSettings(config(), {}).store).toEqual({ kind: 'memory' });
    expect(processSettings(config({ secret }), { redisUrl: 'redis://env' }).store).toEqual({ kind: 'redis', url: 'redis://env', prefix: 'gavel:' });
    const clustered = config({ secret, redis: { cluster: ['a:7000'], prefix: 'x:' } });
    expect(processSettings(clustered, {}).store).toEqual({ kind: 'cluster', nodes: [{ host: 'a', port: 7000 }], prefix: 'x:' });
    expect(processSettings(clustered, { redisUrl: 'redis://env' }).store).toEqual({ kind: 'redis', url: 'redis://env', prefix: 'x:' });
    expect(processSettings(config({ secret, redis: { url: 'redis://file' } }), { redisCluster: ['::1:7000'] }).store).toEqual({ kind: 'cluster', nodes: [{ host: '::1', port: 7000 }], prefix: 'gavel:' });
  });

  it('a shared store needs a shared secret, from GAVEL_SECRET or the config', () => {
    expect(() => processSettings(config(), { redisUrl: 'redis://env' })).toThrow('a shared store needs a shared secret: set GAVEL_SECRET or `secret` in the config');
    expect(() => processSettings(config({ redis: { url: 'redis://file' } }), {})).toThrow(/shared secret/);
    expect(processSettings(config(), { redisUrl: 'redis://env', secret: 'e'.repeat(16) }).secret).toBe('e'.repeat(16));
    expect(processSettings(config({ secret: 'f'.repeat(16) }), { secret: 'e'.repeat(16) }).secret).toBe('e'.repeat(16));
    expect(processSettings(config({ secret: 'f'.repeat(16) }), {}).secret).toBe('f'.repeat(16));
    expect(processSettings(config(), {}).secret).toBeUndefined();
  });

  it('the ledger and the listeners: DATABASE_URL over ledger.postgres_url, the given operator address over server.operator', () => {
    const file = config({ ledger: { postgres_url: 'postgres://file/db' }, server: { operator: { host: '10.0.0.2', port: 9191 }, pipelined: { port: 0 } } });
    expect(processSettings(file, {})).toMatchObject({
      postgresUrl: 'postgres://file/db',
      listen: { host: '0.0.0.0', port: 8080 },
      operator: { host: '10.0.0.2', port: 9191 },
      pipelined: { host: '0.0.0.0', port: 0 },
      allowUwsFallback: false,
    });
    expect(processSettings(file, { postgresUrl: 'postgres://env/db', host: '127.0.0.1', port: 0, operatorPort: 0 })).toMatchObject({
      postgresUrl: 'postgres://env/db',
      listen: { host: '127.0.0.1', port: 0 },
      operator: { host: '10.0.0.2', port: 0 },
    });
    expect(processSettings(config(), {})).toMatchObject({ postgresUrl: undefined, operator: { host: '127.0.0.1', port: 9090 }, pipelined: undefined });
  });
});
