import { describe, expect, it } from 'vitest';
import { FieldSpec } from '../../src/config/campaign-schema.js';
import { compileLeadSchema } from '../../src/config/lead-schema.js';
import { exampleLead } from '../../src/spec/example-lead.js';

/** field specs as a config writes them, parsed as the config is */
const fields = (raw: Record<string, unknown>) => Object.fromEntries(Object.entries(raw).map(([n, f]) => [n, FieldSpec.parse(f)]));

describe("a campaign's example lead (GET /v1/spec)", () => {
  it('is taken by the campaign\'s own compiled schema, patterns, ranges and values included', () => {
    const f = fields({
      zip: { type: 'string', pattern: '^[0-9]{5}(-[0-9]{4})?$', required: true, ping: true },
      state: { type: 'string', pattern: '^[A-Z]{2}$', required: true, ping: true },
      ssn4: { type: 'string', pattern: '^\\d{4}$', pii: true },
      plate: { type: 'string', pattern: '^[A-Z0-9]+-[a-z]*$', max_length: 10 },
      roof: { type: 'string', enum: ['shingle', 'metal'] },
      note: { type: 'string', max_length: 4 },
      age: { type: 'integer', min: 18, max: 120, ping: true },
      debt: { type: 'number', min: 0.5, max: 0.75 },
      below: { type: 'number', max: -5 },
      above: { type: 'integer', min: 1000 },
      owner: { type: 'boolean' },
      phone: { type: 'phone', required: true, pii: true },
      email: { type: 'email', pii: true },
    });
    const lead = exampleLead('home', f);
    expect(Object.keys(lead)).toEqual(Object.keys(f));
    const parsed = compileLeadSchema(f).parseFull(lead);
    expect(parsed.ok ? [] : parsed.details).toEqual([]);
    expect(lead.roof).toBe('shingle');
    expect(lead.age).toBeGreaterThanOrEqual(18);
    // a number with no range reads as a plain amount, not a negative one
    expect(exampleLead('home', fields({ income: { type: 'integer' } })).income).toBe(50);
  });

  it('is the same at every call for the same campaign and fields', () => {
    const f = fields({ code: { type: 'string', pattern: '^[A-Z]{3}[0-9]{2,6}$' } });
    expect(exampleLead('auto', f)).toEqual(exampleLead('auto', f));
  });
});
