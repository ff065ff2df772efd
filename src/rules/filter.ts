import { z } from 'zod';
import { checkCondition, compileCondition, conditionShape, type FieldCondition } from './condition.js';

/** A buyer's filter: a field condition, or all / any / not of filters, nested as deep as needed. */
export type Filter = FieldCondition | { all: Filter[] } | { any: Filter[] } | { not: Filter };

export const FilterSchema: z.ZodType<Filter> = z.lazy(() =>
  z.union([
    z.strictObject({ all: z.array(FilterSchema).min(1).max(200) }),
    z.strictObject({ any: z.array(FilterSchema).min(1).max(200) }),
    z.strictObject({ not: FilterSchema }),
    z.strictObject(conditionShape).superRefine(checkCondition),
  ]),
);

/**
 * pass / fail, or unknown when the filter reads a field the lead cannot carry yet (a field that
 * is not in pings, at ping time): the buyer is pinged, and the filter is judged again on the
 * full lead at the post.
 */
export type FilterResult = 'pass' | 'fail' | 'unknown';
type Judge = (lead: Readonly<Record<string, unknown>>, known: (field: string) => boolean) => FilterResult;

/** The fields a filter reads, for config checks. */
export function filterFields(f: Filter): string[] {
  if ('all' in f) return f.all.flatMap(filterFields);
  if ('any' in f) return f.any.flatMap(filterFields);
  if ('not' in f) return filterFields(f.not);
  return [f.field];
}

/** all: the first fail decides; any: the first pass decides; an unknown part leaves the rest unknown. */
function combine(parts: Judge[], decisive: 'pass' | 'fail'): Judge {
  const otherwise = decisive === 'fail' ? 'pass' : 'fail';
  return (lead, known) => {
    let unknown = false;
    for (const p of parts) {
      const r = p(lead, known);
      if (r === decisive) return decisive;
      if (r === 'unknown') unknown = true;
    }
    return unknown ? 'unknown' : otherwise;
  };
}

export function compileFilter(f: Filter): Judge {
  if ('all' in f) return combine(f.all.map(compileFilter), 'fail');
  if ('any' in f) return combine(f.any.map(compileFilter), 'pass');
  if ('not' in f) {
    const inner = compileFilter(f.not);
    return (lead, known) => {
      const r = inner(lead, known);
      return r === 'unknown' ? r : r === 'pass' ? 'fail' : 'pass';
    };
  }
  const test = compileCondition(f);
  const field = f.field;
  return (lead, known) => (known(field) ? (test(lead[field]) ? 'pass' : 'fail') : 'unknown');
}
