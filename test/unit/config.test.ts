import { describe, expect, it } from 'vitest';
import { loadConfigFile, parseConfig } from '../../src/config/load-config.js';
import { configProblems } from '../support/config-problems.js';
import { compileRuntime } from '../../src/config/runtime.js';
import { hashKey } from '../../src/config/keys.js';
import { ROOT } from '../../src/core/paths.js';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const base = () => ({
  campaigns: [{ id: 'auto', fields: { zip: { type: 'string', ping: true, required: true }, phone: { type: 'phone', pii: true } }, dedup: { fields: ['phone'], window: '30d' } }],
  sellers: [{ id: 'pub1', api_key: 'k'.repeat(20) }],
  buyers: [{ id: 'acme', campaigns: ['auto'], ping_url: 'http://127.0.0.1:9001/ping', post_url: 'http://127.0.0.1:9001/post', caps: { daily: 10, timezone: 'America/New_York' } }],
});

const problems = configProblems;

describe('config', () => {
  it('accepts a valid config and fills the defaults', () => {
    const c = parseConfig(base());
    expect(c.campaigns[0]).toMatchObject({ tmax_ms: 150, max_tmax_ms: 1000, margin: 0, floor: 0 });
    expect(c.buyers[0]).toMatchObject({ timeout_ms: 100, active: true, connections: 32 });
    expect(c.server.response_margin_ms).toBeGreaterThan(0);
  });

  it('refuses a campaign field named after what every object inherits: a lead without it would read the inherited one', () => {
    for (const name of ['constructor', 'toString', 'hasOwnProperty']) {
      const raw = base();
      (raw.campaigns[0]!.fields as Record<string, unknown>)[name] = { type: 'string' };
      expect(problems(raw)).toEqual([`campaigns[0].fields.${name}: Invalid key in record`]);
    }
    expect(parseConfig(base()).server.socket_max_in_flight).toBe(64);
  });

  it('reports every problem at once, each with its path', () => {
    const raw = base();
    (raw.buyers[0] as any).caps.timezone = 'America/Chicgo';
    (raw.buyers[0] as any).campaigns = ['auto', 'boats'];
    (raw.buyers[0] as any).ping_url = 'ftp://x';
    (raw.campaigns[0] as any).margin = 1.5;
    (raw.campaigns[0] as any).dedup.fields = ['ssn'];
    (raw.campaigns[0] as any).fields.phone.ping = true;
    (raw.sellers as any).push({ id: 'pub1', api_key: 'k'.repeat(20) });
    const p = problems(raw);
    expect(p).toEqual(
      expect.arrayContaining([
        'buyers[0].caps.timezone: unknown time zone "America/Chicgo"',
        'buyers[0].campaigns[1]: unknown campaign "boats"',
        expect.stringMatching(/^buyers\[0\]\.ping_url: /),
        expect.stringMatching(/^campaigns\[0\]\.margin: /),
        'campaigns[0].dedup[0].fields[0]: unknown field "ssn"',
        'campaigns[0].fields.phone: a pii field cannot go in pings',
        'sellers[1].id: duplicate id "pub1"',
        'sellers[1].api_key: the same key as seller "pub1"\'s: every party has keys of its own',
      ]),
    );
  });

  it('checks caps, rates and dedup rules, each problem with its path', () => {
    const raw = base();
    Object.assign(raw.buyers[0]!, {
      caps: { daily: -1, rolling: [{ window: '60m' }, { window: '0s', max: 1 }], ping_rate: '200/hour', week_start: 'funday', timezone: 'UTC' },
    });
    Object.assign(raw.sellers[0]!, { rate_limit: '0/s' });
    Object.assign(raw.campaigns[0]!, { dedup: [{ fields: ['phone'], window: '30d', scope: 'planet' }, { fields: ['fax'], window: '1d' }] });
    const p = problems(raw);
    for (const path of [
      'buyers[0].caps.daily',
      'buyers[0].caps.rolling[0]',
      'buyers[0].caps.rolling[1]',
      'buyers[0].caps.ping_rate',
      'buyers[0].caps.week_start',
      'sellers[0].rate_limit',
      'campaigns[0].dedup[0].scope',
    ]) {
      expect(p.some((x) => x.startsWith(`${path}: `)), `${path} in ${p.join(' | ')}`).toBe(true);
    }
    // references between sections are checked once each section is valid on its own
    const refs = base();
    Object.assign(refs.buyers[0]!, { campaign_caps: { boats: { daily: 1 } } });
    Object.assign(refs.campaigns[0]!, { dedup: [{ fields: ['phone'], window: '30d' }, { fields: ['fax'], window: '1d' }] });
    expect(problems(refs)).toEqual(
      expect.arrayContaining(['buyers[0].campaign_caps.boats: "boats" is not one of this buyer\'s campaigns', 'campaigns[0].dedup[1].fields[0]: unknown field "fax"']),
    );
  });

  it('keys: hashes are sha256:<64 hex>, a malformed one is an error with its path that does not repeat it; every party needs a key where it has to have one', () => {
    const raw = base() as any;
    raw.admin_keys = ['sha256:abc'];
    raw.sellers.push({ id: 'pub2', api_keys: [hashKey('pub2-key-0123456789'), 'pub2-clear-key-0123456789'] }, { id: 'pub3' });
    raw.buyers.push({ id: 'sock', campaigns: ['auto'], transport: 'websocket' });
    const p = problems(raw);
    expect(p).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^admin_keys\[0\]: a key hash, sha256: and 64 hex digits/),
        expect.stringMatching(/^sellers\[1\]\.api_keys\[1\]: a key hash/),
        'sellers[2].api_keys: a seller needs api_keys (or api_key)',
        'buyers[1].keys: required for a websocket buyer (keys, or key)',
      ]),
    );
    expect(p.join('\n')).not.toMatch(/pub2-clear-key/);
    const ok = base() as any;
    ok.admin_keys = [hashKey('admin-key-0123456789').toUpperCase().replace('SHA256', 'sha256')];
    ok.sellers = [{ id: 'pub1', api_key: 'k'.repeat(20), api_keys: [hashKey('k'.repeat(20)), hashKey('next-key-0123456789')] }];
    ok.buyers.push({ id: 'sock', campaigns: ['auto'], transport: 'websocket', keys: [hashKey('sock-key-0123456789')] });
    expect(problems(ok)).toEqual([]);
  });

  it('keys: one key is one party\'s, whether given in clear or as its hash', () => {
    const raw = base() as any;
    raw.admin_keys = [hashKey('k'.repeat(20))];
    raw.buyers[0].keys = [hashKey('shared-key-0123456789')];
    raw.sellers.push({ id: 'pub2', api_key: 'shared-key-0123456789' });
    expect(problems(raw)).toEqual([
      'sellers[0].api_key: the same key as the operator\'s: every party has keys of its own',
      'buyers[0].keys[0]: the same key as seller "pub2"\'s: every party has keys of its own',
    ]);
  });

  it('compiles caps into windows per campaign, rates into GCRA terms', () => {
    const raw = base();
    Object.assign(raw.buyers[0]!, {
      caps: { daily: 10, weekly_budget: 99.5, rolling: [{ window: '60m', max: 5 }, { window: '60m', budget: 20 }], ping_rate: '200/s', timezone: 'Asia/Kolkata' },
      campaign_caps: { auto: { hourly: 2 } },
    });
    Object.assign(raw.sellers[0]!, { rate_limit: '30/m' });
    const rt = compileRuntime(parseConfig(raw), 's'.repeat(32));
    const rules = rt.buyers[0]!.caps.get('auto')!;
    expect(rules.calendar).toEqual([
      { unit: 'day', maxCount: 10, maxSpend: -1, prefix: '' },
      { unit: 'week', maxCount: -1, maxSpend: 99_500_000, prefix: '' },
      { unit: 'hour', maxCount: 2, maxSpend: -1, prefix: 'c:auto:' },
    ]);
    expect(rules.rolling).toEqual([{ spec: '60m', lengthMs: 3_600_000, maxCount: 5, maxSpend: 20_000_000 }]);
    expect(rules.pingRate).toEqual({ intervalMs: 5, toleranceMs: 995 });
    expect(rules.weekStart).toBe(1);
    const seller = rt.keys.resolve('k'.repeat(20));
    expect(seller?.kind === 'seller' && seller.seller.rate).toEqual({ intervalMs: 2000, toleranceMs: 58_000 });
  });

  it('checks scoring: rules and model features name the campaign\'s fields; a model file is read relative to its config file', () => {
    const raw = base();
    Object.assign(raw.campaigns[0]!, {
      scoring: {
        rules: [{ field: 'zipp', equals: '90210', points: 1 }],
        model: { type: 'logistic', weights: { zip: 1, 'colour=red': 2, rules: 1 } },
        grades: { A: 0.2, B: 0.5, C: 0.1 },
      },
    });
    (raw.buyers[0] as Record<string, unknown>).min_grade = 'E';
    expect(problems(raw)).toEqual([
      'campaigns[0].scoring.grades: thresholds must go down from A to C',
      'campaigns[0].scoring.rules[0].field: unknown field "zipp"',
      'campaigns[0].scoring.model.weights: "colour=red" names no field of the campaign (a field, field=value, or rules)',
      expect.stringMatching(/^buyers\[0\]\.min_grade: Invalid option/),
    ]);
    (raw.campaigns[0] as { scoring?: { grades?: unknown } }).scoring!.grades = undefined;
    (raw.buyers[0] as Record<string, unknown>).min_grade = 'B';
    expect(problems(raw)).toEqual(['campaigns[0].scoring.rules[0].field: unknown field "zipp"', 'campaigns[0].scoring.model.weights: "colour=red" names no field of the campaign (a field, field=value, or rules)']);

    // a config file in test/fixtures naming its model "xgboost-dump.json" reads test/fixtures/xgboost-dump.json
    const dir = join(ROOT, 'test', 'fixtures');
    const file = join(tmpdir(), `gavel-config-${process.pid}.json`);
    const ok = base();
    Object.assign(ok.campaigns[0]!, { scoring: { model: { type: 'trees', file: 'xgboost-dump.json', features: ['zip', 'zip', 'zip', 'zip'] } } });
    writeFileSync(join(dir, 'scoring-config.test.json'), JSON.stringify(ok));
    try {
      const data = loadConfigFile(join(dir, 'scoring-config.test.json'));
      expect(data.campaigns[0]!.scoring!.model).toMatchObject({ type: 'trees', file: join(dir, 'xgboost-dump.json'), dump: { format: 'xgboost' } });
      writeFileSync(file, JSON.stringify(ok));
      expect(() => loadConfigFile(file)).toThrow(/campaigns\[0\]\.scoring\.model\.file: cannot read/);
    } finally {
      rmSync(join(dir, 'scoring-config.test.json'), { force: true });
      rmSync(file, { force: true });
    }
  });

  it('parses durations, money and rates once: the parsed config holds milliseconds, micros and GCRA terms', () => {
    const raw = base() as any;
    Object.assign(raw.campaigns[0], { ping_ttl: '90s', floor: 2.5, margin: { fixed: 1.25 }, pricing: { second_price: {}, max_price: 40.5 }, returns: { window: '14d' } });
    raw.campaigns[0].dedup.window = '12h';
    Object.assign(raw.sellers[0], { rate_limit: '30/m', floor: 0.1 });
    Object.assign(raw.buyers[0], {
      price: 7.77,
      caps: { daily_budget: 99.5, rolling: [{ window: '60m', budget: 20 }], ping_rate: '200/s' },
      breaker: { window: '20s', open_for: '2m' },
    });
    Object.assign(raw, {
      server: { resubmit_window: '30s', idempotency_window: '2h' },
      accept_rate: { half_life: '2d', refresh: '500ms' },
      trace: { retention: '3d' },
      ledger: { reclaim_after: '1m', stats_flush: '5s' },
    });
    const c = parseConfig(raw);
    expect(c.campaigns[0]).toMatchObject({ ping_ttl: 90_000, floor: 2_500_000, margin: { fixed: 1_250_000 }, pricing: { second_price: { increment: 10_000 }, max_price: 40_500_000 } });
    expect(c.campaigns[0]!.returns.window).toBe(14 * 86_400_000);
    expect(c.campaigns[0]!.dedup![0]!.window).toBe(12 * 3_600_000);
    expect(c.sellers[0]).toMatchObject({ rate_limit: { intervalMs: 2000, toleranceMs: 58_000 }, floor: 100_000 });
    expect(c.buyers[0]).toMatchObject({ price: 7_770_000, breaker: { window: 20_000, open_for: 120_000 } });
    // a rolling window keeps the text it was written in: it names the window's counters in the store
    expect(c.buyers[0]!.caps).toMatchObject({ daily_budget: 99_500_000, rolling: [{ spec: '60m', window: 3_600_000, budget: 20_000_000 }], ping_rate: { intervalMs: 5, toleranceMs: 995 } });
    expect(c.server).toMatchObject({ resubmit_window: 30_000, idempotency_window: 7_200_000 });
    expect(c.accept_rate).toMatchObject({ half_life: 2 * 86_400_000, refresh: 500 });
    expect(c.trace.retention).toBe(3 * 86_400_000);
    expect(c.ledger).toMatchObject({ reclaim_after: 60_000, stats_flush: 5000 });
    // the runtime reads them as they are: no second parse
    const rt = compileRuntime(c, 's'.repeat(32));
    expect(rt.campaigns.get('auto')).toMatchObject({ pingTtlMs: 90_000, floorMicros: 2_500_000, margin: { fixedMicros: 1_250_000 }, secondPriceIncrementMicros: 10_000, maxPriceMicros: 40_500_000 });
    expect(rt.campaigns.get('auto')!.dedup[0]!.windowMs).toBe(12 * 3_600_000);
    expect(rt.buyers[0]!.priceMicros).toBe(7_770_000);
    expect(rt).toMatchObject({ resubmitWindowMs: 30_000, idempotencyWindowMs: 7_200_000, acceptRate: { halfLifeMs: 2 * 86_400_000, refreshMs: 500 } });
  });

  it('applies each default once: an absent section, an empty one and the defaults of its fields are the same values, parsed', () => {
    const absent = parseConfig(base());
    const raw = base() as any;
    Object.assign(raw, { server: {}, accept_rate: {}, trace: {}, ledger: {}, scoring_pool: {} });
    Object.assign(raw.campaigns[0], { returns: {}, pricing: {} });
    Object.assign(raw.buyers[0], { caps: {}, returns: {}, breaker: {} });
    const empty = parseConfig(raw);
    for (const section of ['server', 'accept_rate', 'trace', 'ledger', 'scoring_pool'] as const) expect(absent[section], section).toEqual(empty[section]);
    expect(absent.campaigns[0]!.returns).toEqual(empty.campaigns[0]!.returns);
    expect(absent.campaigns[0]!.pricing).toEqual(empty.campaigns[0]!.pricing);
    expect(absent.buyers[0]!.returns).toEqual(empty.buyers[0]!.returns);
    const noCaps = base() as any;
    delete noCaps.buyers[0].caps;
    expect(parseConfig(noCaps).buyers[0]!.caps).toEqual(empty.buyers[0]!.caps);
    // and they arrive parsed, like any value written in the file
    expect(absent.server).toMatchObject({ max_body_bytes: 65_536, response_margin_ms: 16, resubmit_window: 60_000, idempotency_window: 86_400_000, operator: { host: '127.0.0.1', port: 9090 } });
    expect(absent.accept_rate).toEqual({ half_life: 7 * 86_400_000, prior: 0.8, prior_weight: 5, refresh: 1000 });
    expect(absent.trace).toMatchObject({ retention: 7 * 86_400_000, flush_ms: 50 });
    expect(absent.ledger).toMatchObject({ enabled: true, schema: 'gavel', reclaim_after: 30_000, stats_flush: 10_000, direct_ms: 250 });
    expect(absent.scoring_pool).toEqual({ threads: 1, max_queue: 64, batch_size: 64, batch_window_ms: 0 });
    expect(absent.campaigns[0]).toMatchObject({ ping_ttl: 60_000, returns: { window: 30 * 86_400_000, auto_approve: false, restore_cap: false } });
    expect(absent.buyers[0]!.returns).toEqual({ cycle: 'month' });
    expect(empty.buyers[0]!.caps).toMatchObject({ timezone: 'UTC', week_start: 'monday', rolling: [] });
    expect(empty.buyers[0]!.breaker).toEqual({ failures: 5, error_rate: 0.5, window: 30_000, min_calls: 20, open_for: 10_000 });
  });

  it('rejects unknown keys instead of ignoring a typo', () => {
    const raw = base();
    (raw.buyers[0] as any).timeout = 50;
    expect(problems(raw)).toEqual([expect.stringMatching(/^buyers\[0\]: .*timeout/)]);
  });

  it('is frozen once compiled', () => {
    const rt = compileRuntime(parseConfig(base()), 's'.repeat(32));
    expect(Object.isFrozen(rt)).toBe(true);
    expect(Object.isFrozen(rt.data.buyers[0]!.caps)).toBe(true);
    expect(() => {
      (rt.data.campaigns[0] as any).margin = 0.9;
    }).toThrow();
  });

  it('loads the demo config file that npm start uses', () => {
    const c = loadConfigFile(join(ROOT, 'src/config/demo.yaml'));
    expect(c.campaigns.map((x) => x.id)).toContain('auto');
  });

  it('names a missing file in its error', () => {
    expect(() => loadConfigFile('/nonexistent/gavel.yaml')).toThrow(/nonexistent\/gavel.yaml/);
  });
});
