import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load-config.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { startGavel, type Gavel } from '../../src/gavel.js';
import { PostgresVersions } from '../../src/versions/postgres-versions.js';
import type { ConfigVersions } from '../../src/versions/config-versions.js';
import { openStartConfig } from '../../src/start-config.js';
import { openApiDocument } from '../../src/spec/openapi-document.js';
import { documentSchemas } from './document-schemas.js';
import { ADMIN_KEY, PG_URL } from './test-config.js';

type Operation = { responses: Record<string, { content?: Record<string, { schema: object }> }> };
const DOC = openApiDocument() as unknown as { paths: Record<string, Record<string, Operation>> };
const SCHEMAS = documentSchemas(DOC);
/** each documented admin route as a pattern over concrete paths */
const ROUTES = Object.entries(DOC.paths)
  .filter(([path]) => path.startsWith('/v1/admin/'))
  .map(([path, item]) => ({ path, item, re: new RegExp(`^${path.replace(/\{[a-z_]+\}/g, '[^/]+')}$`) }))
  // a literal segment wins over a parameter, as the router matches
  .sort((a, b) => (a.path.match(/\{/g)?.length ?? 0) - (b.path.match(/\{/g)?.length ?? 0));

/**
 * The answer as the published document describes it: its status is one the operation lists, and
 * a JSON body validates against that status's schema. Every admin call of the tests goes through
 * here, so the document cannot drift from what the server answers.
 */
export function documentedProblems(method: string, path: string, status: number, body: unknown, type: string | null): string[] | null {
  const route = ROUTES.find((r) => r.re.test(path.split('?')[0]!) && r.item[method.toLowerCase()] !== undefined);
  if (route === undefined) return [`${method} ${path}: not in the published document`];
  const answer = route.item[method.toLowerCase()]!.responses[String(status)];
  if (answer === undefined) return [`${method} ${route.path}: status ${status} is not documented`];
  const schema = answer.content?.['application/json']?.schema;
  if (type?.startsWith('application/json') && schema !== undefined) return SCHEMAS.checkSchema(schema, body);
  return answer.content?.[type ?? ''] === undefined && type !== null ? [`${method} ${route.path}: ${type} answer not documented for ${status}`] : null;
}

export interface AdminAnswer {
  status: number;
  body: any;
  text: string;
  type: string | null;
}

/** One call of the admin API on the operator listener, with the operator's key unless told otherwise. */
export async function admin(g: { operatorPort: number }, method: string, path: string, body?: unknown, key: string | null = ADMIN_KEY): Promise<AdminAnswer> {
  const res = await fetch(`http://127.0.0.1:${g.operatorPort}${path}`, {
    method,
    headers: { ...(key !== null ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* YAML or empty: the test reads `text` */
  }
  const type = res.headers.get('content-type');
  const problems = documentedProblems(method, path, res.status, parsed, type);
  if (problems !== null) throw new Error(`${method} ${path} answered ${res.status} ${text.slice(0, 300)}, not as documented: ${problems.join('; ')}`);
  return { status: res.status, body: parsed, text, type };
}

/**
 * An exchange whose configuration lives as versions in PostgreSQL (a schema of the test's own),
 * seeded from `config` as a first start from a file would be, and running its live version.
 */
export async function startVersionedExchange(config: ConfigInput, schema: string, pollMs?: number): Promise<{ g: Gavel; versions: PostgresVersions }> {
  const versions = new PostgresVersions({ url: PG_URL, schema });
  await versions.start();
  await versions.seedIfEmpty(config, 'file');
  const live = await versions.live();
  const g = await startGavel({
    config: parseConfig(live.document),
    versions: { store: versions, startedOn: live.version },
    port: 0,
    host: '127.0.0.1',
    operatorPort: 0,
    logLevel: 'silent',
    ...(pollMs !== undefined ? { configPollMs: pollMs } : {}),
  });
  return { g, versions };
}

/**
 * An exchange started as `npm start` starts the embedded default: `config` (without its Redis)
 * written to a file, opened by the start-up step, so its versions are the process's own memory.
 */
export async function startEmbeddedExchange(config: ConfigInput): Promise<{ g: Gavel; versions: ConfigVersions; close: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'gavel-embedded-'));
  const path = join(dir, 'gavel.json');
  writeFileSync(path, JSON.stringify({ ...config, redis: undefined }));
  const start = await openStartConfig(path, {});
  if (start.versions.store.kind !== 'memory') throw new Error(`the embedded default kept its versions in ${start.versions.store.kind}, not memory`);
  const g = await startGavel({ config: start.config, versions: start.versions, port: 0, host: '127.0.0.1', operatorPort: 0, logLevel: 'silent' });
  return { g, versions: start.versions.store, close: async () => void rmSync(dir, { recursive: true, force: true }) };
}

/**
 * An exchange started as `npm start` starts a shared deployment: `config` (with its Redis) and a
 * ledger in PostgreSQL on `schema` written to a file, opened by the start-up step, so the
 * configuration's versions live in PostgreSQL on the ledger's schema, seeded from the file.
 */
export async function startRedisPostgresExchange(config: ConfigInput, schema: string): Promise<{ g: Gavel; versions: ConfigVersions; close: () => Promise<void> }> {
  if (config.redis === undefined) throw new Error('a Redis + PostgreSQL exchange needs the config to name its Redis (testConfig does)');
  const dir = mkdtempSync(join(tmpdir(), 'gavel-shared-'));
  const path = join(dir, 'gavel.json');
  // poll_ms 20: the ledger's consumers (postbacks, loss notices) pick up work at once, as a test waits for it
  writeFileSync(path, JSON.stringify({ ...config, ledger: { ...config.ledger, postgres_url: PG_URL, schema, poll_ms: 20 } }));
  const close = async () => void rmSync(dir, { recursive: true, force: true });
  const start = await openStartConfig(path, {});
  let g: Gavel;
  try {
    if (start.versions.store.kind !== 'postgres') throw new Error(`the shared start kept its versions in ${start.versions.store.kind}, not PostgreSQL`);
    g = await startGavel({ config: start.config, versions: start.versions, port: 0, host: '127.0.0.1', operatorPort: 0, logLevel: 'silent' });
  } catch (e) {
    // an open pool on PostgreSQL would keep the test run from ending
    await start.versions.store.close().catch(() => undefined);
    await close();
    throw e;
  }
  if (g.store.kind !== 'redis' || g.ledger.kind !== 'postgres') {
    await g.shutdown();
    await close();
    throw new Error(`the shared start runs on ${g.store.kind} with its ledger in ${g.ledger.kind}, not Redis and PostgreSQL`);
  }
  return { g, versions: start.versions.store, close };
}
