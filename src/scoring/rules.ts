import type { ScoringRule } from './scoring-schema.js';

type Test = (v: unknown) => boolean;

function sameScalar(a: unknown, b: string | number | boolean): boolean {
  // a lead's "40" meets a rule's 40: fields arrive as the seller typed them, rules as YAML reads them
  return a === b || (a !== undefined && a !== null && typeof a !== 'object' && String(a) === String(b));
}

function testOf(r: ScoringRule): Test {
  const present = (v: unknown) => v !== undefined && v !== null && v !== '';
  if (r.present !== undefined) return r.present ? present : (v) => !present(v);
  if (r.equals !== undefined) return (v) => sameScalar(v, r.equals!);
  if (r.in !== undefined) return (v) => present(v) && r.in!.some((x) => sameScalar(v, x));
  if (r.not_in !== undefined) return (v) => present(v) && !r.not_in!.some((x) => sameScalar(v, x));
  if (r.matches !== undefined) {
    const re = new RegExp(r.matches);
    return (v) => present(v) && typeof v !== 'object' && re.test(String(v));
  }
  const min = r.min ?? -Infinity;
  const max = r.max ?? Infinity;
  return (v) => {
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    return n >= min && n <= max;
  };
}

/**
 * The rules as one function: the points a lead wins, as a share of the points there are to win
 * (the sum of the positive ones), clamped to [0, 1]. With no positive points there is nothing to
 * win and the share is 0.
 */
export function compileRules(rules: readonly ScoringRule[]): (lead: Readonly<Record<string, unknown>>) => number {
  const compiled = rules.map((r) => ({ field: r.field, test: testOf(r), points: r.points }));
  const possible = rules.reduce((s, r) => s + Math.max(0, r.points), 0);
  if (possible === 0) return () => 0;
  return (lead) => {
    let won = 0;
    for (const c of compiled) if (c.test(lead[c.field])) won += c.points;
    return Math.min(1, Math.max(0, won / possible));
  };
}
