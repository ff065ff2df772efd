import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { Case, caseConfig, loadCases, parseCases } from '../support/distribution-case.js';

/** A case that is valid as it stands; each test misspells one thing in a copy of it. */
const valid = () => ({
  name: 'a reject falls through to the next bidder',
  buyers: [
    { id: 'a', bid: 9, post: 'reject', filters: { field: 'state', equals: 'CA' } },
    { id: 'b', bid: 5 },
  ],
  steps: [{ replies: { a: { bid: 10 } }, expect: { status: 'sold', winner: 'b', posted: ['a', 'b'], left_out: {} } }],
});

const problems = (value: unknown): string[] => {
  const r = Case.safeParse(value);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('the distribution case format', () => {
  it('reads every case file in test/distribution-cases', () => {
    const files = loadCases();
    expect(files.length).toBeGreaterThan(0);
    for (const { cases } of files) expect(cases.length).toBeGreaterThan(0);
    expect(problems(valid())).toEqual([]);
  });

  it('refuses a misspelt expect key instead of checking nothing', () => {
    const c = valid();
    c.steps[0]!.expect = { ...c.steps[0]!.expect, winnner: 'b' } as never;
    expect(problems(c)).toEqual([expect.stringMatching(/^steps\.0\.expect: .*winnner/)]);
    expect(() => parseCases(JSON.stringify([c]), 'misspelt.json')).toThrow(/misspelt\.json: case 1 "a reject falls through to the next bidder", steps\.0\.expect: .*winnner/);
  });

  it('refuses a misspelt key of a step, of a case, and of a reply', () => {
    const step = valid();
    (step.steps[0] as Record<string, unknown>).replys = {};
    expect(problems(step)).toEqual([expect.stringMatching(/^steps\.0: .*replys/)]);
    const top = { ...valid(), step: [] };
    expect(problems(top)).toEqual([expect.stringMatching(/^: .*"step"/)]);
    const reply = valid();
    reply.steps[0]!.replies = { a: { bdi: 10 } as never };
    expect(problems(reply)).toEqual([expect.stringMatching(/^steps\.0\.replies\.a: .*bdi/)]);
  });

  it('refuses an expectation about a buyer the case does not have, and an expect that names nothing', () => {
    const c = valid();
    c.steps[0]!.expect = { status: 'sold', winner: 'c', posted: ['a', 'b'], left_out: { d: 'FILTERED' } };
    expect(problems(c)).toEqual(['steps.0.expect.winner: no buyer "c" in this case', 'steps.0.expect.left_out.d: no buyer "d" in this case']);
    const empty = valid();
    empty.steps[0]!.expect = {} as never;
    expect(problems(empty)).toEqual(['steps.0.expect: an expect that names nothing checks nothing']);
  });

  it("leaves a buyer's config to Gavel's own parser, which refuses a misspelt config key", () => {
    const c = Case.parse({ ...valid(), buyers: [{ id: 'a', bid: 9, filter: { field: 'state', equals: 'CA' } }, { id: 'b', bid: 5 }] });
    expect(() => parseConfig(caseConfig(c, () => 'http://127.0.0.1:9'))).toThrow(/buyers\[0\]: .*filter/);
    expect(() => parseConfig(caseConfig(Case.parse(valid()), () => 'http://127.0.0.1:9'))).not.toThrow();
  });
});
