/** One change between two JSON documents; `before` or `after` is undefined where the value is absent. */
export interface DiffEntry {
  path: string;
  before?: unknown;
  after?: unknown;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Arrays of objects each with its own `id` (campaigns, buyers, sellers) are matched by id, so removing one entry is one change, not a shift of all after it. */
function byId(a: unknown[]): Map<string, unknown> | null {
  const m = new Map<string, unknown>();
  for (const e of a) {
    if (!isObj(e) || typeof e.id !== 'string' || m.has(e.id)) return null;
    m.set(e.id, e);
  }
  return m;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/**
 * A structural diff of two JSON documents: each path where they differ, with both values, in a
 * stable order. Paths read like the validation's, with `[id=...]` for entries matched by id.
 */
export function jsonDiff(before: unknown, after: unknown, path = ''): DiffEntry[] {
  const out: DiffEntry[] = [];
  walk(before, after, path, out);
  return out;
}

function walk(a: unknown, b: unknown, path: string, out: DiffEntry[]): void {
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) {
      if (!(k in b)) out.push({ path: join(path, k), before: a[k] });
      else if (!(k in a)) out.push({ path: join(path, k), after: b[k] });
      else walk(a[k], b[k], join(path, k), out);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const ma = byId(a);
    const mb = byId(b);
    if (ma && mb) {
      for (const [id, v] of ma) {
        if (mb.has(id)) walk(v, mb.get(id), `${path}[id=${id}]`, out);
        else out.push({ path: `${path}[id=${id}]`, before: v });
      }
      for (const [id, v] of mb) if (!ma.has(id)) out.push({ path: `${path}[id=${id}]`, after: v });
      return;
    }
    const n = Math.max(a.length, b.length);
    for (let i = 0; i < n; i++) {
      if (i >= b.length) out.push({ path: `${path}[${i}]`, before: a[i] });
      else if (i >= a.length) out.push({ path: `${path}[${i}]`, after: b[i] });
      else walk(a[i], b[i], `${path}[${i}]`, out);
    }
    return;
  }
  if (!Object.is(a, b)) out.push({ path: path || '(root)', before: a, after: b });
}
