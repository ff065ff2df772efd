import { z } from 'zod';
import { knownZip, zipsWithin } from './zip-radius.js';

const scalar = z.union([z.string().max(256), z.number(), z.boolean()]);

/**
 * A condition on one lead field, shared by scoring rules and buyer filters: exactly one of
 * equals, in, not_in, a numeric range (min and/or max, inclusive), matches (a regular
 * expression), present, or within (a ZIP radius). A field the lead lacks meets none but
 * `present: false`.
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
  /** a ZIP field within `miles` of a ZIP's centroid: { miles: 25, of: "60601" } */
  within: z.strictObject({ miles: z.number().positive().max(3000), of: z.string().regex(/^\d{5}$/, 'a 5-digit ZIP') }).optional(),
};
export type FieldCondition = z.infer<z.ZodObject<typeof conditionShape>>;

/** The refinement every condition schema runs: one condition, a regex that compiles. */
export function checkCondition(c: FieldCondition, ctx: z.RefinementCtx): void {
  const kinds = [c.equals, c.in, c.not_in, c.min ?? c.max, c.matches, c.present, c.within].filter((k) => k !== undefined).length;
  if (kinds !== 1) ctx.addIssue({ code: 'custom', message: 'exactly one condition: equals, in, not_in, min/max, matches, present or within' });
  if (c.within !== undefined && !knownZip(c.within.of)) ctx.addIssue({ code: 'custom', path: ['within', 'of'], message: `unknown ZIP code "${c.within.of}"` });
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
  if (c.within !== undefined) {
    const near = zipsWithin(c.within.miles, c.within.of);
    return (v) => {
      // ZIP+4 and a ZIP typed as a number both name the same 5-digit ZIP
      const t = textOf(v);
      return t !== undefined && near.has(t.slice(0, 5).padStart(5, '0'));
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
