import { compileFeature } from './features.js';
import { compileRules } from './rules.js';
import type { Grade, Scoring } from './scoring-schema.js';
import { compileTrees } from './tree-ensemble.js';

export interface LeadScore {
  /** in [0, 1] */
  score: number;
  grade: Grade;
}

export type LeadScorer = (lead: Readonly<Record<string, unknown>>) => LeadScore;

/** A campaign's scoring config as one pure function of a lead; throws on a model it cannot compile. */
export function compileLeadScorer(scoring: Scoring): LeadScorer {
  const rules = compileRules(scoring.rules);
  const { A, B, C } = scoring.grades;
  const grade = (s: number): Grade => (s >= A ? 'A' : s >= B ? 'B' : s >= C ? 'C' : 'D');
  const model = scoring.model;
  let of: (lead: Readonly<Record<string, unknown>>, share: number) => number;
  if (model === undefined) of = (_lead, share) => share;
  else if (model.type === 'logistic') {
    const terms = Object.entries(model.weights).map(([name, w]) => ({ get: compileFeature(name), w }));
    of = (lead, share) => {
      let z = model.intercept;
      for (const t of terms) {
        const v = t.get(lead, share);
        if (!Number.isNaN(v)) z += t.w * v;
      }
      return 1 / (1 + Math.exp(-z));
    };
  } else {
    const trees = compileTrees(model.dump, model.features, model.base_score);
    of = (lead, share) => trees.score(lead, share);
  }
  return (lead) => {
    const score = of(lead, rules(lead));
    return { score, grade: grade(score) };
  };
}
