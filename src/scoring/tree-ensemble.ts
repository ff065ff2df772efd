import { compileFeature, type Feature } from './features.js';
import type { LgbNode, TreeDump, XgbNode } from './scoring-schema.js';

/**
 * Every tree of an ensemble in flat arrays, walked with no allocation. A node i is a leaf when
 * `left[i]` is -1 (its value in `value[i]`); else the lead goes left when its feature meets the
 * split, to `missing[i]` when the feature is missing.
 */
interface FlatTrees {
  roots: number[];
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  missing: Int32Array;
  value: Float64Array;
  /** XGBoost: x < t (both as float32, as XGBoost compares them); LightGBM: x <= t */
  strict: boolean;
  /** LightGBM's missing_type Zero: a 0 is missing too */
  zeroIsMissing: Uint8Array;
  /** LightGBM's missing_type None: a missing value is read as 0 */
  missingAsZero: Uint8Array;
}

interface NodeOut {
  feature: number;
  threshold: number;
  left: number;
  right: number;
  missing: number;
  value: number;
  zeroIsMissing: boolean;
  missingAsZero: boolean;
}

/** a leaf, or a split node before its split is filled in */
function leafNode(value: number): NodeOut {
  return { feature: -1, threshold: 0, left: -1, right: -1, missing: -1, value, zeroIsMissing: false, missingAsZero: false };
}

function flatten(nodes: NodeOut[], roots: number[], strict: boolean): FlatTrees {
  const n = nodes.length;
  const f: FlatTrees = {
    roots,
    feature: new Int32Array(n),
    threshold: new Float64Array(n),
    left: new Int32Array(n),
    right: new Int32Array(n),
    missing: new Int32Array(n),
    value: new Float64Array(n),
    strict,
    zeroIsMissing: new Uint8Array(n),
    missingAsZero: new Uint8Array(n),
  };
  nodes.forEach((x, i) => {
    f.feature[i] = x.feature;
    f.threshold[i] = strict ? Math.fround(x.threshold) : x.threshold;
    f.left[i] = x.left;
    f.right[i] = x.right;
    f.missing[i] = x.missing;
    f.value[i] = x.value;
    f.zeroIsMissing[i] = x.zeroIsMissing ? 1 : 0;
    f.missingAsZero[i] = x.missingAsZero ? 1 : 0;
  });
  return f;
}

/** Feature names to indices into one list of compiled features, shared by every tree. */
class FeatureTable {
  readonly names: string[] = [];
  private readonly index = new Map<string, number>();
  of(name: string): number {
    let i = this.index.get(name);
    if (i === undefined) {
      i = this.names.length;
      this.names.push(name);
      this.index.set(name, i);
    }
    return i;
  }
}

function xgbFeatureName(split: string, features: readonly string[] | undefined): string {
  const m = /^f(\d+)$/.exec(split);
  if (m === null) return split; // trained with feature names: the dump says them
  if (features === undefined) throw new Error(`the dump splits on "${split}": give the model's features (f0, f1, … in order)`);
  const name = features[Number(m[1])];
  if (name === undefined) throw new Error(`the dump splits on "${split}" but features names only ${features.length}`);
  return name;
}

function fromXgboost(trees: readonly XgbNode[], features: readonly string[] | undefined, table: FeatureTable): FlatTrees {
  const nodes: NodeOut[] = [];
  const roots: number[] = [];
  const add = (node: XgbNode): number => {
    const at = nodes.length;
    nodes.push(leafNode(node.leaf ?? 0));
    if (node.leaf !== undefined) return at;
    const byId = new Map(node.children!.map((c) => [c.nodeid, c]));
    const child = (id: number) => {
      const c = byId.get(id);
      if (c === undefined) throw new Error(`node ${node.nodeid} points to node ${id}, which is not among its children`);
      return c;
    };
    const out = nodes[at]!;
    out.feature = table.of(xgbFeatureName(node.split!, features));
    out.threshold = node.split_condition!;
    const yes = add(child(node.yes!));
    const no = add(child(node.no!));
    out.left = yes;
    out.right = no;
    out.missing = node.missing === node.yes ? yes : node.missing === node.no ? no : add(child(node.missing!));
    return at;
  };
  for (const t of trees) roots.push(add(t));
  return flatten(nodes, roots, true);
}

function fromLightgbm(trees: readonly LgbNode[], names: readonly string[], table: FeatureTable): FlatTrees {
  const nodes: NodeOut[] = [];
  const roots: number[] = [];
  const add = (node: LgbNode): number => {
    const at = nodes.length;
    nodes.push(leafNode(node.leaf_value ?? 0));
    if (node.leaf_value !== undefined) return at;
    const name = names[node.split_feature!];
    if (name === undefined) throw new Error(`a split on feature ${node.split_feature} past the dump's ${names.length} feature_names`);
    const out = nodes[at]!;
    out.feature = table.of(name);
    out.threshold = node.threshold!;
    out.zeroIsMissing = node.missing_type === 'Zero';
    out.missingAsZero = node.missing_type === 'None' || node.missing_type === undefined;
    out.left = add(node.left_child!);
    out.right = add(node.right_child!);
    out.missing = node.default_left ? out.left : out.right;
    return at;
  };
  for (const t of trees) roots.push(add(t));
  return flatten(nodes, roots, false);
}

/** LightGBM's `binary sigmoid:<k>`: the probability is sigmoid(k × margin). Only binary models give a probability. */
function lightgbmSigmoid(objective: string | undefined): number {
  if (objective === undefined) return 1;
  if (!objective.startsWith('binary')) throw new Error(`objective "${objective}": only binary models give a probability`);
  const m = /sigmoid:([0-9.]+)/.exec(objective);
  return m === null ? 1 : Number(m[1]);
}

/** A compiled ensemble: the lead's probability, from the sum of its trees' leaves through the sigmoid. */
export interface TreeModel {
  score(lead: Readonly<Record<string, unknown>>, rulesShare: number): number;
}

export function compileTrees(dump: TreeDump, features: readonly string[] | undefined, baseScore: number): TreeModel {
  const table = new FeatureTable();
  const flat = dump.format === 'xgboost' ? fromXgboost(dump.trees, features, table) : fromLightgbm(dump.dump.tree_info.map((t) => t.tree_structure), dump.dump.feature_names, table);
  // XGBoost's base_score is a probability under binary:logistic: its margin is the logit
  const bias = dump.format === 'xgboost' ? Math.log(baseScore / (1 - baseScore)) : 0;
  const slope = dump.format === 'lightgbm' ? lightgbmSigmoid(dump.dump.objective) : 1;
  const getters: Feature[] = table.names.map(compileFeature);
  const x = new Float64Array(getters.length);
  const { roots, feature, threshold, left, right, missing, value, strict, zeroIsMissing, missingAsZero } = flat;
  return {
    score(lead, rulesShare) {
      for (let i = 0; i < getters.length; i++) x[i] = getters[i]!(lead, rulesShare);
      let margin = bias;
      for (const root of roots) {
        let i = root;
        while (left[i] !== -1) {
          let v = x[feature[i]!]!;
          if (Number.isNaN(v) && missingAsZero[i]) v = 0;
          if (Number.isNaN(v) || (zeroIsMissing[i] && v === 0)) {
            i = missing[i]!;
            continue;
          }
          const goLeft = strict ? Math.fround(v) < threshold[i]! : v <= threshold[i]!;
          i = goLeft ? left[i]! : right[i]!;
        }
        margin += value[i]!;
      }
      return 1 / (1 + Math.exp(-slope * margin));
    },
  };
}
