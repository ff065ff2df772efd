import { describe, expect, it } from 'vitest';
import { ruleDigests } from '../../src/auction/dedup-key.js';
import type { DedupRuleRuntime } from '../../src/config/runtime.js';

const rule = (fields: string[], match: 'all' | 'any' = 'all'): DedupRuleRuntime => ({ fields, match, windowMs: 1000, scope: 'campaign', scopeKey: 'c:auto' });
import { compileLeadSchema } from '../../src/config/lead-schema.js';
import { FieldSpec } from '../../src/config/schema.js';

const schema = compileLeadSchema({
  zip: FieldSpec.parse({ type: 'string', pattern: '^[0-9]{5}$', required: true, ping: true }),
  age: FieldSpec.parse({ type: 'integer', min: 18, ping: true }),
  phone: FieldSpec.parse({ type: 'phone', required: true, pii: true }),
  email: FieldSpec.parse({ type: 'email', pii: true }),
  notes: FieldSpec.parse({ type: 'string', max_length: 10 }),
});

describe('lead schema', () => {
  it('a ping needs its required ping fields only; a full lead needs every required field', () => {
    expect(schema.parsePing({ zip: '12345' }).ok).toBe(true);
    expect(schema.parseFull({ zip: '12345' })).toEqual({ ok: false, details: [{ path: 'lead.phone', message: expect.any(String) }] });
  });

  it('normalises phones and emails so the same person is one identity', () => {
    const a = schema.parseFull({ zip: '12345', phone: '+1 (555) 010-2000', email: ' Ada@Example.COM ' });
    const b = schema.parseFull({ zip: '12345', phone: '555.010.2000', email: 'ada@example.com' });
    expect(a.ok && b.ok).toBe(true);
    if (a.ok && b.ok) {
      expect(a.lead).toEqual(b.lead);
      const phone = rule(['phone']);
      expect(ruleDigests('s', phone, a.lead, false)).toEqual(ruleDigests('s', phone, b.lead, false));
      expect(ruleDigests('s', phone, a.lead, true)).not.toEqual(ruleDigests('s', phone, a.lead, false));
      expect(ruleDigests('other-secret', phone, a.lead, false)).not.toEqual(ruleDigests('s', phone, a.lead, false));
      expect(ruleDigests('s', rule(['phone', 'email'], 'any'), a.lead, false)).toHaveLength(2);
    }
  });

  it('the ping view never carries PII or non-ping fields', () => {
    const r = schema.parseFull({ zip: '12345', age: 30, phone: '5550102000', email: 'a@b.co', notes: 'hi' });
    expect(r.ok && schema.pingView(r.lead)).toEqual({ zip: '12345', age: 30 });
  });

  it('bounds every string', () => {
    const r = schema.parseFull({ zip: '12345', phone: '5550102000', notes: 'x'.repeat(11) });
    expect(r).toEqual({ ok: false, details: [{ path: 'lead.notes', message: expect.stringMatching(/10/) }] });
  });

  it('an ALL digest needs every identifier; ANY takes those present', () => {
    expect(ruleDigests('s', rule(['phone', 'email']), { phone: '5550102000' }, false)).toBeNull();
    expect(ruleDigests('s', rule(['phone', 'email'], 'any'), { phone: '5550102000' }, false)).toHaveLength(1);
    expect(ruleDigests('s', rule(['phone', 'email'], 'any'), {}, false)).toBeNull();
    // one identifier under ANY is the same digest whichever rule lists it
    expect(ruleDigests('s', rule(['email', 'phone'], 'any'), { phone: '5550102000' }, false)).toEqual(ruleDigests('s', rule(['phone'], 'any'), { phone: '5550102000' }, false));
  });
});
