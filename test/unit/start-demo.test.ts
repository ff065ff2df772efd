import { describe, expect, it } from 'vitest';
import { demoWanted } from '../../src/start-demo.js';
import { demoCurl, firstRunSummary } from '../../demo/first-run-summary.js';
import { DEMO_BUYER_ROLES, DEMO_BUYERS } from '../../demo/demo-buyers.js';

describe('whether npm start brings the demo market', () => {
  it('on the demo config (no --config, no GAVEL_CONFIG), unless --no-demo or GAVEL_DEMO says not to', () => {
    expect(demoWanted({}, {})).toBe(true);
    expect(demoWanted({}, { GAVEL_DEMO: '1' })).toBe(true);
    // an empty variable is an unset one
    expect(demoWanted({}, { GAVEL_DEMO: '' })).toBe(true);
    expect(demoWanted({ 'no-demo': true }, {})).toBe(false);
    for (const off of ['0', 'false', 'no', 'off', 'FALSE', 'Off']) expect(demoWanted({}, { GAVEL_DEMO: off }), off).toBe(false);
  });

  it('never on a config of its own, even with GAVEL_DEMO=1', () => {
    expect(demoWanted({ config: 'my.yaml' }, { GAVEL_DEMO: '1' })).toBe(false);
    expect(demoWanted({}, { GAVEL_CONFIG: 'my.yaml', GAVEL_DEMO: '1' })).toBe(false);
  });
});

describe("the first run's summary", () => {
  it('says what every demo buyer is made to do, and its curl sends JSON with the seller key', () => {
    for (const b of DEMO_BUYERS) expect(DEMO_BUYER_ROLES[b.id], b.id).toBeTruthy();
    const buyers = DEMO_BUYERS.map((b, i) => ({ id: b.id, port: 9101 + i, pingUrl: '', postUrl: '', counters: {} as never }));
    const lines = firstRunSummary({ publicUrl: 'http://127.0.0.1:8080', operatorUrl: 'http://127.0.0.1:9090', sellerKey: 'sk', adminKey: 'ak', buyers, roles: DEMO_BUYER_ROLES });
    expect(lines[0]!.msg).toContain('http://127.0.0.1:9090');
    expect(lines.filter((l) => l.fields.made_to !== undefined).map((l) => l.fields.buyer)).toEqual(DEMO_BUYERS.map((b) => b.id));
    const curl = demoCurl('http://127.0.0.1:8080', 'sk');
    expect(curl).toContain("-H 'authorization: Bearer sk'");
    expect(curl).toContain("-H 'content-type: application/json'");
    expect(JSON.parse(curl.slice(curl.indexOf("-d '") + 4, -1))).toMatchObject({ campaign: 'auto', lead: { zip: '90210' } });
  });
});
