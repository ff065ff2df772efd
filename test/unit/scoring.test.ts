import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../src/core/paths.js';
import { compileLeadScorer } from '../../src/scoring/lead-scorer.js';
import { compileCampaignScorers, scoreBatch } from '../../src/scoring/score-batch.js';
import { Scoring, type ScoringInput } from '../../src/scoring/scoring-schema.js';

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const fixture = (name: string) => join(ROOT, 'test', 'fixtures', name);
const scorer = (input: ScoringInput) => compileLeadScorer(Scoring.parse(input));

describe('scoring rules', () => {
  const rules: ScoringInput['rules'] = [
    { field: 'age', min: 30, max: 50, points: 10 },
    { field: 'state', in: ['CA', 'TX'], points: 5 },
    { field: 'email', present: true, points: 3 },
    { field: 'zip', matches: '^9', points: 2 },
    { field: 'credit', equals: 'excellent', points: 20 },
    { field: 'state', not_in: ['NY'], points: 0 },
    { field: 'bankrupt', equals: true, points: -40 },
  ];
  const score = scorer({ rules });

  it('a lead wins the points of the rules it meets, as a share of the 40 there are', () => {
    expect(score({ age: 40, state: 'CA', email: 'a@b.c', zip: '90210', credit: 'excellent' })).toEqual({ score: 1, grade: 'A' });
    expect(score({ age: 29, state: 'NY' }).score).toBe(0);
    expect(score({ age: '50', state: 'TX', zip: 80210 }).score).toBeCloseTo(15 / 40, 12); // "50" is 50; 80210 does not start with 9
    expect(score({ age: 35, credit: 'excellent' })).toEqual({ score: 0.75, grade: 'A' });
    expect(score({ age: 35, credit: 'good', email: '' })).toEqual({ score: 0.25, grade: 'C' }); // an empty field is not present
    expect(score({ age: 35, email: 'x@y.z', zip: '9' }).score).toBeCloseTo(15 / 40, 12);
  });

  it('negative points lower a score, never under 0; grades follow the thresholds', () => {
    expect(score({ age: 40, state: 'CA', bankrupt: true }).score).toBe(0);
    expect(score({ age: 40, state: 'CA', email: 'a@b.c', zip: '9', credit: 'excellent', bankrupt: true }).score).toBe(0);
    const graded = scorer({ rules, grades: { A: 0.9, B: 0.6, C: 0.3 } });
    expect(graded({ age: 40, credit: 'excellent' }).grade).toBe('B'); // 30/40
    expect(graded({ age: 40, state: 'CA' }).grade).toBe('C'); // 15/40
    expect(graded({ age: 40 }).grade).toBe('D'); // 10/40
  });

  it('refuses a rule with no condition, or two', () => {
    expect(Scoring.safeParse({ rules: [{ field: 'age', points: 1 }] }).success).toBe(false);
    expect(Scoring.safeParse({ rules: [{ field: 'age', equals: 1, in: [2], points: 1 }] }).success).toBe(false);
    expect(Scoring.safeParse({ rules: [{ field: 'age', matches: '(', points: 1 }] }).success).toBe(false);
  });
});

describe('the logistic model', () => {
  it('is sigmoid(intercept + Σ weight × feature), with one-hot and rules features; a missing feature counts 0', () => {
    const score = scorer({
      rules: [{ field: 'email', present: true, points: 1 }],
      model: { type: 'logistic', intercept: -2, weights: { age: 0.03, 'state=CA': 0.8, income: 0.00001, rules: 1.5 } },
    });
    expect(score({ age: 40, state: 'CA', income: 50000, email: 'a@b.c' }).score).toBeCloseTo(sigmoid(-2 + 1.2 + 0.8 + 0.5 + 1.5), 12);
    expect(score({ age: 40, state: 'TX' }).score).toBeCloseTo(sigmoid(-2 + 1.2), 12);
    expect(score({}).score).toBeCloseTo(sigmoid(-2), 12);
    expect(score({ age: 'forty' }).score).toBeCloseTo(sigmoid(-2), 12); // not a number: missing
  });
});

describe('tree ensembles from their JSON dumps', () => {
  // test/fixtures/xgboost-dump.json: XGBoost's dump_model(..., dump_format="json") of three trees over
  // f0 = age, f1 = income, f2 = state=CA, f3 = ratio. XGBoost's definition: at each split go "yes"
  // when the feature, as a float32, is below split_condition (a float32); a missing one goes "missing";
  // the margin is logit(base_score) plus the leaves reached; the probability its sigmoid.
  const xgb = { type: 'trees' as const, file: fixture('xgboost-dump.json'), features: ['age', 'income', 'state=CA', 'ratio'] };

  it('XGBoost: each lead scores the sigmoid of the leaves its paths reach', () => {
    const score = scorer({ model: xgb });
    // age 30 < 35 → CA (1 ≥ 0.5) → 0.300000012 | ratio 0.05 < 0.1 → 0.25 | 30 < 50 → income 50000 ≥ 30000 → 0.119999997
    expect(score({ age: 30, income: 50000, state: 'CA', ratio: 0.05 }).score).toBeCloseTo(sigmoid(0.300000012 + 0.25 + 0.119999997), 6);
    // 40 ≥ 35 → 80000 ≥ 60000 → 0.600000024 | ratio 0.1 as float32 is not below 0.100000001 as float32 → -0.150000006 | → 0.119999997
    expect(score({ age: 40, income: 80000, state: 'TX', ratio: 0.1 }).score).toBeCloseTo(sigmoid(0.600000024 - 0.150000006 + 0.119999997), 6);
    // every feature missing: missing → 1 → missing → 3: -0.400000006 | missing → 2: -0.150000006 | missing → 1 → missing → 4: 0.119999997
    expect(score({}).score).toBeCloseTo(sigmoid(-0.400000006 - 0.150000006 + 0.119999997), 6);
    // 35 is not below 35 → "59999" < 60000 → 0.100000001 | missing ratio → -0.150000006 | 35 < 50 → 59999 ≥ 30000 → 0.119999997
    expect(score({ age: 35, income: '59999', state: 'CA' }).score).toBeCloseTo(sigmoid(0.100000001 - 0.150000006 + 0.119999997), 6);
  });

  it('XGBoost: base_score is the prior probability the leaves start from', () => {
    const score = scorer({ model: { ...xgb, base_score: 0.3 } });
    expect(score({}).score).toBeCloseTo(sigmoid(Math.log(0.3 / 0.7) - 0.400000006 - 0.150000006 + 0.119999997), 6);
  });

  it('LightGBM: x <= threshold goes left; NaN goes the default way; missing_type None reads missing as 0', () => {
    const score = scorer({ model: { type: 'trees', file: fixture('lightgbm-dump.json') } });
    expect(score({ age: 30, state: 'CA' }).score).toBeCloseTo(sigmoid(-0.5 + 0.125), 12);
    expect(score({ age: 35, state: 'TX' }).score).toBeCloseTo(sigmoid(-0.5 + 0.125), 12); // 35 <= 35
    expect(score({ age: 36, state: 'TX' }).score).toBeCloseTo(sigmoid(0.25 + 0.125), 12);
    expect(score({ age: 70, state: 'CA' }).score).toBeCloseTo(sigmoid(0.75 - 0.0625), 12);
    expect(score({}).score).toBeCloseTo(sigmoid(0.25 + 0.125), 12);
  });

  it('a dump that cannot be read, or splits on a feature it does not name, is refused with its reason', () => {
    const missing = Scoring.safeParse({ model: { type: 'trees', file: fixture('nope.json') } });
    expect(missing.success).toBe(false);
    expect(missing.error!.issues[0]).toMatchObject({ path: ['model', 'file'], message: expect.stringContaining('cannot read') });
    const notADump = Scoring.safeParse({ model: { type: 'trees', file: join(ROOT, 'package.json') } });
    expect(notADump.error!.issues[0]!.message).toMatch(/not an XGBoost JSON dump or a LightGBM model dump/);
    expect(() => scorer({ model: { type: 'trees', file: fixture('xgboost-dump.json') } })).toThrow(/give the model's features/);
    expect(() => scorer({ model: { ...xgb, features: ['age'] } })).toThrow(/features names only 1/);
  });
});

describe("the worker pool's function (its threads: test/integration/score-pool.test.ts)", () => {
  const scoring = {
    auto: Scoring.parse({ rules: [{ field: 'age', min: 30, max: 50, points: 1 }] }),
    home: Scoring.parse({ model: { type: 'trees', file: fixture('lightgbm-dump.json') } }),
  };

  it('scoreBatch, the worker function, scores a mixed batch in order; an unscored campaign is "-"', () => {
    const r = scoreBatch(compileCampaignScorers(scoring), { campaigns: ['auto', 'home', 'boats', 'auto'], leads: [{ age: 40 }, { age: 70, state: 'CA' }, {}, { age: 20 }] });
    expect([...r.scores].map((s) => (Number.isNaN(s) ? 'NaN' : Number(s.toFixed(6))))).toEqual([1, Number(sigmoid(0.6875).toFixed(6)), 'NaN', 0]);
    expect(r.grades).toBe('AB-D'); // sigmoid(0.6875) ≈ 0.67: B
  });
});
