import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFile, parseConfig } from '../../src/config/load-config.js';
import { compileRuntime } from '../../src/config/runtime.js';
import { ROOT } from '../../src/paths.js';
import { join } from 'node:path';

const base = () => ({
  campaigns: [{ id: 'auto', fields: { zip: { type: 'string', ping: true, required: true }, phone: { type: 'phone', pii: true } }, dedup: { fields: ['phone'], window: '30d' } }],
  sellers: [{ id: 'pub1', api_key: 'k'.repeat(20) }],
  buyers: [{ id: 'acme', campaigns: ['auto'], ping_url: 'http://127.0.0.1:9001/ping', post_url: 'http://127.0.0.1:9001/post', caps: { daily: 10, timezone: 'America/New_York' } }],
});

function problems(raw: unknown): string[] {
  try {
    parseConfig(raw);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('config', () => {
  it('accepts a valid config and fills the defaults', () => {
    const c = parseConfig(base());
    expect(c.campaigns[0]).toMatchObject({ tmax_ms: 150, max_tmax_ms: 1000, margin: 0, floor: 0 });
    expect(c.buyers[0]).toMatchObject({ timeout_ms: 100, active: true, connections: 32 });
    expect(c.server.response_margin_ms).toBeGreaterThan(0);
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
        'campaigns[0].dedup.fields[0]: unknown field "ssn"',
        'campaigns[0].fields.phone: a pii field cannot go in pings',
        'sellers[1].id: duplicate id "pub1"',
        'sellers[1].api_key: api_key used by another seller',
      ]),
    );
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
