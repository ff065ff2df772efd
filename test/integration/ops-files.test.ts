import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfigFile } from '../../src/config/load-config.js';
import { startBuyer } from '../support/buyer-server.js';
import { call, fullLead, metricsOf, pingLead, startExchange, stopExchange, testConfig } from '../support/exchange.js';
import { stopAfterEach } from '../support/stop-after.js';

/**
 * The SRE files in ops/ against the real thing: promtool accepts the rules, their unit tests and
 * the scrape config; every metric the alerts and the dashboard query is one a running Gavel
 * exports (a renamed metric would otherwise leave a panel blank and an alert silent, with no
 * error anywhere); the compose file wires what the README says it does.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const OPS = join(ROOT, 'ops');
const ALERTS = join(OPS, 'prometheus/alerts.yml');
const DASHBOARD = join(OPS, 'grafana/gavel-dashboard.json');

const stops = stopAfterEach();

/** the compose CLI this machine has: docker's plugin, else Debian's docker-compose (v1), else none */
function composeCli(): string[] | null {
  for (const cli of [['docker', 'compose'], ['docker-compose']]) {
    try {
      execFileSync(cli[0]!, [...cli.slice(1), 'version'], { stdio: 'ignore' });
      return cli;
    } catch {
      /* not this one */
    }
  }
  return null;
}
const COMPOSE = composeCli();

/** promtool from Debian's `prometheus` package (.ci/run installs it): its verdict and its words */
function promtool(...args: string[]): string {
  try {
    return execFileSync('promtool', args, { cwd: OPS, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { code?: string; stdout?: string; stderr?: string };
    if (err.code === 'ENOENT') throw new Error('promtool not found: install Debian\'s "prometheus" package (.ci/run does)');
    throw new Error(`promtool ${args.join(' ')} failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
}

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
function alertRules(): Rule[] {
  const doc = parse(readFileSync(ALERTS, 'utf8')) as { groups: { rules: Rule[] }[] };
  return doc.groups.flatMap((g) => g.rules);
}
function dashboardQueries(): string[] {
  const doc = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: { targets?: { expr: string }[] }[]; templating: { list: { query: { query: string } }[] } };
  return [...doc.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)), ...doc.templating.list.map((v) => v.query.query)];
}

// PromQL words that look like metric names and are not: aggregation modifiers, set and vector-matching operators
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/**
 * The metric names a PromQL expression (or a Grafana `label_values(metric, label)`) reads: strings,
 * label matchers, ranges and grouping lists removed, then every name-shaped token that is not a
 * function call or a keyword.
 */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    // label_values(metric, label): the label is no metric
    .replace(/\blabel_values\s*\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,[^)]*\)/g, ' $1 ');
  const names: string[] = [];
  for (const m of bare.matchAll(/(?<![\w$.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    if (m[2] !== undefined || KEYWORDS.has(m[1]!.toLowerCase())) continue;
    names.push(m[1]!);
  }
  return names;
}

/** Every sample name /metrics can carry: each family's `# TYPE` line, a histogram's _bucket/_sum/_count too. */
function exported(text: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name! + s);
    if (type === 'summary') for (const s of ['_sum', '_count']) names.add(name! + s);
  }
  return names;
}

describe('ops/prometheus and ops/grafana', () => {
  it('promtool accepts the alert rules, their unit tests and the scrape config', () => {
    expect(promtool('check', 'rules', 'prometheus/alerts.yml')).toMatch(/SUCCESS: \d+ rules found/);
    expect(promtool('check', 'config', 'prometheus/prometheus.yml')).toMatch(/is valid prometheus config file syntax/);
    expect(promtool('test', 'rules', 'prometheus/alerts.test.yml')).toMatch(/SUCCESS/);
  });

  it("promtool parses every dashboard query (Grafana's variables given values)", () => {
    // each query as a recording rule: promtool check rules parses its PromQL
    const rules = dashboardQueries()
      .filter((q) => !q.startsWith('label_values('))
      .map((q, i) => ({ record: `dashboard:query_${i}`, expr: q.replaceAll('$__rate_interval', '1m').replaceAll('$instance', '.*') }));
    const dir = mkdtempSync(join(tmpdir(), 'gavel-dashboard-'));
    stops.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'queries.yml');
    writeFileSync(file, JSON.stringify({ groups: [{ name: 'dashboard', rules }] }));
    expect(rules.length).toBeGreaterThan(20);
    expect(promtool('check', 'rules', file)).toContain(`SUCCESS: ${rules.length} rules found`);
  });

  it('every alert waits (for:), has a severity and says what to do; the brief\'s six conditions are covered', () => {
    const rules = alertRules();
    for (const r of rules) {
      expect(r.for, r.alert).toMatch(/^\d+[smh]$/);
      expect(['page', 'ticket'], r.alert).toContain(r.labels?.severity);
      expect(r.annotations?.description?.length ?? 0, r.alert).toBeGreaterThan(80);
    }
    const used = rules.flatMap((r) => metricNames(r.expr));
    for (const m of ['gavel_late_answers_total', 'gavel_breaker_state', 'gavel_store_errors_total', 'gavel_sales_unrecorded', 'gavel_postbacks_total', 'gavel_config_version']) {
      expect(used).toContain(m);
    }
  });

  it("the README's alert table lists exactly the rules, each with its for: and severity", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const rows = [...readme.matchAll(/^\| `(Gavel\w+)` \| [^|]+ \| (\S+) \| (\w+) \|$/gm)].map(([, alert, wait, severity]) => ({ alert, wait, severity }));
    expect(rows).toEqual(alertRules().map((r) => ({ alert: r.alert, wait: r.for, severity: r.labels?.severity })));
  });

  it('the name parser keeps metrics and drops functions, keywords, labels and Grafana variables', () => {
    expect(metricNames('histogram_quantile(0.99, sum by (buyer, le) (rate(a_seconds_bucket{instance=~"$instance", x="y(z)"}[$__rate_interval])))')).toEqual(['a_seconds_bucket']);
    expect(metricNames('max(v) - min(v) > 0 and on (instance) b_total offset 5m')).toEqual(['v', 'v', 'b_total']);
    expect(metricNames('label_values(gavel_config_version, instance)')).toEqual(['gavel_config_version']);
  });

  it('every metric the alerts and the dashboard read is one a running Gavel exports', async () => {
    const buyer = await startBuyer(() => ({ body: { bid: 7 } }));
    stops.push(() => buyer.close());
    const g = await startExchange(testConfig([{ id: 'a', url: buyer.url }]));
    stops.push(() => stopExchange(g));
    for (let i = 0; i < 3; i++) expect((await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) })).body).toMatchObject({ status: 'bid' });
    expect((await call(g.port, '/v1/leads', { campaign: 'auto', lead: fullLead() })).status).toBe(200);

    const text = await metricsOf(g);
    const names = exported(text);
    // the pings left samples, not only declarations
    expect(text).toMatch(/^gavel_pings_total\{campaign="auto",outcome="bid"\} 3$/m);
    expect(text).toMatch(/^gavel_auction_duration_seconds_count\{campaign="auto"\} 3$/m);
    // Node's defaults under their usual names, as stock dashboards expect them
    for (const n of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) expect(names).toContain(n);
    // Prometheus conventions: durations in seconds, counters end in _total
    for (const [, name, type] of text.matchAll(/^# TYPE (gavel_\S+) (\S+)$/gm)) {
      expect(name, 'a duration in ms').not.toMatch(/_ms$|_milliseconds$/);
      if (type === 'counter') expect(name).toMatch(/_total$/);
    }

    const used = new Map<string, string>();
    for (const r of alertRules()) for (const n of metricNames(r.expr)) used.set(n, `alert ${r.alert}`);
    for (const q of dashboardQueries()) for (const n of metricNames(q)) used.set(n, `dashboard: ${q}`);
    expect(used.size).toBeGreaterThan(20);
    const missing = [...used].filter(([n]) => !names.has(n)).map(([n, where]) => `${n} (${where})`);
    expect(missing).toEqual([]);
  });
});

describe('ops/compose.yaml', () => {
  interface Service {
    image?: string;
    build?: unknown;
    ports?: string[];
    volumes?: string[];
    command?: string | string[];
    environment?: Record<string, string>;
    depends_on?: unknown;
  }
  // merge: the Gavel services share one block through a YAML anchor (<<: *gavel), as compose reads it
  const compose = parse(readFileSync(join(OPS, 'compose.yaml'), 'utf8'), { merge: true }) as { services: Record<string, Service>; volumes?: Record<string, unknown> };

  it('runs N Gavel processes, Redis with persistence, PostgreSQL, Prometheus and Grafana', () => {
    const s = compose.services;
    const gavels = Object.keys(s).filter((k) => /^gavel-\d+$/.test(k));
    expect(gavels.length).toBeGreaterThanOrEqual(2);
    for (const k of gavels) {
      expect(s[k]!.environment).toMatchObject({ REDIS_URL: expect.stringContaining('redis:6379'), DATABASE_URL: expect.stringContaining('postgres:5432') });
      expect(s[k]!.environment!.GAVEL_SECRET).toBeTruthy();
    }
    expect(s.redis!.image).toMatch(/^redis:/);
    expect((s.redis!.command as string[]).join(' ')).toMatch(/--appendonly yes/);
    expect(s.redis!.volumes!.some((v) => v.endsWith(':/data'))).toBe(true);
    expect(s.postgres!.image).toMatch(/^postgres:/);
    expect(s.prometheus!.image).toMatch(/^prom\/prometheus:/);
    expect(s.grafana!.image).toMatch(/^grafana\/grafana/);
    // named volumes used are declared
    for (const svc of Object.values(s)) {
      for (const v of svc.volumes ?? []) {
        const source = v.split(':')[0]!;
        if (!source.startsWith('.') && !source.startsWith('/')) expect(compose.volumes, `volume ${source}`).toHaveProperty(source);
      }
    }
  });

  it('mounts files that exist, and Prometheus scrapes exactly the Gavel services on their operator port', () => {
    for (const svc of Object.values(compose.services)) {
      for (const v of svc.volumes ?? []) {
        const source = v.split(':')[0]!;
        if (source.startsWith('.')) expect(existsSync(resolve(OPS, source)), v).toBe(true);
      }
    }
    const prom = parse(readFileSync(join(OPS, 'prometheus/prometheus.yml'), 'utf8')) as { scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] };
    const targets = prom.scrape_configs.find((c) => c.job_name === 'gavel')!.static_configs.flatMap((c) => c.targets);
    const gavels = Object.keys(compose.services).filter((k) => /^gavel-\d+$/.test(k));
    expect(targets.sort()).toEqual(gavels.map((k) => `${k}:9090`).sort());
    // the Gavel config the processes run binds the operator listener where Prometheus can reach it
    const config = loadConfigFile(join(OPS, 'gavel/gavel.yaml'));
    expect(config.server.operator).toEqual({ host: '0.0.0.0', port: 9090 });
    // its buyers are the compose file's `buyers` service
    expect(config.buyers.map((b) => b.ping_url)).toEqual([1, 2, 3, 4, 5, 6].map((i) => `http://buyers:910${i}/ping`));
  });

  // no compose CLI on the machine fails, saying how to get one: a skipped check proves nothing
  it('a compose CLI (docker compose, else docker-compose) accepts the file', () => {
    if (COMPOSE === null) throw new Error('no compose CLI: install Debian\'s "docker-compose" package (.ci/run does), or docker\'s compose plugin');
    const [cmd, ...args] = COMPOSE;
    try {
      execFileSync(cmd!, [...args, '-f', join(OPS, 'compose.yaml'), 'config', '--quiet'], { cwd: OPS, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      throw new Error(`${COMPOSE!.join(' ')} config refused ops/compose.yaml:\n${(e as { stderr?: string }).stderr ?? String(e)}`);
    }
  });
});
