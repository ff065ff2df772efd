import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { checkCondition, conditionShape } from '../rules/condition.js';

/** `field=value` names the one-hot feature of a categorical field; `rules` the rules' share. */
const featureName = z.string().min(1).max(128);
/** A condition (src/rules/condition.ts) worth `points`; negative points lower a score. */
export const ScoringRule = z.strictObject({ ...conditionShape, points: z.number().min(-1000).max(1000) }).superRefine(checkCondition);
export type ScoringRule = z.infer<typeof ScoringRule>;

/** score = sigmoid(intercept + Σ weight × feature); a missing feature counts 0. */
export const LogisticModel = z.strictObject({
  type: z.literal('logistic'),
  intercept: z.number().default(0),
  weights: z.record(featureName, z.number()).refine((w) => Object.keys(w).length > 0, 'at least one weight'),
});

/** A node of `Booster.get_dump(dump_format="json")` / `dump_model(..., dump_format="json")`. */
export interface XgbNode {
  nodeid: number;
  leaf?: number;
  split?: string;
  split_condition?: number;
  yes?: number;
  no?: number;
  missing?: number;
  children?: XgbNode[];
}
const XgbNode: z.ZodType<XgbNode> = z.lazy(() =>
  z.union([
    z.looseObject({ nodeid: z.int(), leaf: z.number() }),
    z.looseObject({
      nodeid: z.int(),
      split: z.union([z.string(), z.int()]).transform(String),
      split_condition: z.number(),
      yes: z.int(),
      no: z.int(),
      missing: z.int(),
      children: z.array(XgbNode).min(1).max(2),
    }),
  ]),
);

/** A node of LightGBM's `Booster.dump_model()` tree_structure. */
export interface LgbNode {
  leaf_value?: number;
  split_feature?: number;
  threshold?: number;
  decision_type?: string;
  default_left?: boolean;
  missing_type?: string;
  left_child?: LgbNode;
  right_child?: LgbNode;
}
const LgbNode: z.ZodType<LgbNode> = z.lazy(() =>
  z.union([
    z.looseObject({ leaf_value: z.number() }),
    z.looseObject({
      split_feature: z.int().nonnegative(),
      threshold: z.number(),
      decision_type: z.literal('<='),
      default_left: z.boolean(),
      missing_type: z.enum(['None', 'Zero', 'NaN']).default('None'),
      left_child: LgbNode,
      right_child: LgbNode,
    }),
  ]),
);
export const XgbDump = z.array(XgbNode).min(1).max(10_000);
export const LgbDump = z.looseObject({
  feature_names: z.array(z.string()).min(1),
  objective: z.string().optional(),
  tree_info: z.array(z.looseObject({ tree_structure: LgbNode })).min(1).max(10_000),
});
export type TreeDump = { format: 'xgboost'; trees: XgbNode[] } | { format: 'lightgbm'; dump: z.infer<typeof LgbDump> };

/** Read a dump file: an XGBoost JSON dump (an array of trees) or a LightGBM model dump (an object with tree_info). */
function readDump(file: string, ctx: z.RefinementCtx): TreeDump | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    ctx.addIssue({ code: 'custom', path: ['file'], message: `cannot read: ${(e as Error).message}` });
    return undefined;
  }
  const r = Array.isArray(raw) ? XgbDump.safeParse(raw) : LgbDump.safeParse(raw);
  if (!r.success) {
    const first = r.error.issues[0]!;
    ctx.addIssue({ code: 'custom', path: ['file'], message: `not an XGBoost JSON dump or a LightGBM model dump: ${first.path.join('.')}: ${first.message}` });
    return undefined;
  }
  return Array.isArray(raw) ? { format: 'xgboost', trees: r.data as XgbNode[] } : { format: 'lightgbm', dump: r.data as z.infer<typeof LgbDump> };
}

/**
 * A gradient-boosted tree ensemble from its JSON dump, read at start. `features` names the
 * dump's feature indices (f0, f1, … for XGBoost; LightGBM dumps name their own); `base_score`
 * is XGBoost's global bias as a probability (the dump does not carry it).
 */
export const TreesModel = z
  .strictObject({
    type: z.literal('trees'),
    file: z.string().min(1),
    features: z.array(featureName).min(1).max(10_000).optional(),
    base_score: z.number().gt(0).lt(1).default(0.5),
  })
  .transform((m, ctx) => {
    const dump = readDump(m.file, ctx);
    return dump === undefined ? z.NEVER : { ...m, dump };
  });

export const Grades = z
  .strictObject({ A: z.number().min(0).max(1), B: z.number().min(0).max(1), C: z.number().min(0).max(1) })
  .refine((g) => g.A >= g.B && g.B >= g.C, 'thresholds must go down from A to C');

/**
 * A campaign's scoring: rules alone (score = points won / points there are to win, in [0, 1]),
 * or a model whose output is the score (the rules' share is its feature `rules`). A score at or
 * above a grade's threshold earns it; under C is D.
 */
export const Scoring = z.strictObject({
  rules: z.array(ScoringRule).max(500).default([]),
  model: z.discriminatedUnion('type', [LogisticModel, TreesModel]).optional(),
  grades: Grades.default({ A: 0.75, B: 0.5, C: 0.25 }),
});
export type Scoring = z.infer<typeof Scoring>;
export type ScoringInput = z.input<typeof Scoring>;

export const GRADES = ['A', 'B', 'C', 'D'] as const;
export type Grade = (typeof GRADES)[number];

/** The worker pool: threads kept warm, and how leads are batched to it. */
export const ScoringPool = z.strictObject({
  threads: z.int().min(1).max(64).default(1),
  /** batches waiting for a thread past this: new leads go unscored (counted as saturated) */
  max_queue: z.int().min(1).max(100_000).default(64),
  /** a batch leaves when it holds this many leads … */
  batch_size: z.int().min(1).max(4096).default(64),
  /** … or this long after its first lead, whichever comes first (0: at the end of this event-loop turn) */
  batch_window_ms: z.number().min(0).max(50).default(0),
});
export type ScoringPool = z.infer<typeof ScoringPool>;
