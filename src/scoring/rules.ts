import { compileCondition } from '../rules/condition.js';
import type { ScoringRule } from './scoring-schema.js';

/**
 * The rules as one function: the points a lead wins, as a share of the points there are to win
 * (the sum of the positive ones), clamped to [0, 1]. With no positive points there is nothing to
 * win and the share is 0.
 */
export function compileRules(rules: readonly ScoringRule[]): (lead: Readonly<Record<string, unknown>>) => number {
  const compiled = rules.map((r) => ({ field: r.field, test: compileCondition(r), points: r.points }));
  const possible = rules.reduce((s, r) => s + Math.max(0, r.points), 0);
  if (possible === 0) return () => 0;
  return (lead) => {
    let won = 0;
    for (const c of compiled) if (c.test(lead[c.field])) won += c.points;
    return Math.min(1, Math.max(0, won / possible));
  };
}
