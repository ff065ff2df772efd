import { z } from 'zod';

const scalar = z.union([z.string().max(256), z.number(), z.boolean()]);

/**
 * A condition on one lead field, shared by scoring rules and buyer filters: exactly one of
 * equals, in, not_in, a numeric range (min and/or max, inclusive), matches (a regular
 * expression) or present. A field the lead lacks meets none but `present: false`.
 */
export const conditionShape = {
  field: z.string().min(1).max(64),
  equals: scalar.optional(),
  in: z.array(scalar).min(1).max(50_000).optional(),
  not_in: z.array(scalar).min(1).max(50_000).optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  matches: z.string().max(512).optional(),
  present: z.boolean().optional(),
};
export type FieldCondition = z.infer<z.ZodObject<typeof conditionShape>>;

/** The refinement every condition schema runs: one condition, a regex that compiles. */
export function checkCondition(c: FieldCondition, ctx: z.RefinementCtx): void {
  const kinds = [c.equals, c.in, c.not_in, c.min ?? c.max, c.matches, c.present].filter((k) => k !== undefined).length;
  if (kinds !== 1) ctx.addIssue({ code: 'custom', message: 'exactly one condition: equals, in, not_in, min/max, matches or present' });
  if (c.matches !== undefined) {
    try {
      new RegExp(c.matches);
    } catch {
      ctx.addIssue({ code: 'custom', path: ['matches'], message: 'not a valid regular expression' });
    }
  }
}

export const FieldConditionSchema = z.strictObject(conditionShape).superRefine(checkCondition);

function sameScalar(a: unknown, b: string | number | boolean): boolean {
  // a lead's "40" meets a rule's 40: fields arrive as the seller typed them, rules as YAML reads them
  return a === b || (a !== undefined && a !== null && typeof a !== 'object' && String(a) === String(b));
}

function present(v: unknown): boolean {
  return v !== undefined && v !== null && v !== '';
}

/** The condition as a test of the field's value. Lists become sets of their text: a 40,000-zip list is one lookup. */
export function compileCondition(c: FieldCondition): (value: unknown) => boolean {
  if (c.present !== undefined) return c.present ? present : (v) => !present(v);
  if (c.equals !== undefined) return (v) => sameScalar(v, c.equals!);
  const textOf = (v: unknown) => (present(v) && typeof v !== 'object' ? String(v) : undefined);
  if (c.in !== undefined) {
    const set = new Set(c.in.map(String));
    return (v) => {
      const t = textOf(v);
      return t !== undefined && set.has(t);
    };
  }
  if (c.not_in !== undefined) {
    const set = new Set(c.not_in.map(String));
    return (v) => {
      const t = textOf(v);
      return t !== undefined && !set.has(t);
    };
  }
  if (c.matches !== undefined) {
    const re = new RegExp(c.matches);
    return (v) => {
      const t = textOf(v);
      return t !== undefined && re.test(t);
    };
  }
  const min = c.min ?? -Infinity;
  const max = c.max ?? Infinity;
  return (v) => {
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    return n >= min && n <= max;
  };
}
