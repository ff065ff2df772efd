import { h, mount } from './dom.js';
import type { Condition, FieldSpec, Filter, Scalar } from './config-types.js';

/**
 * A buyer's filter as a tree of groups and conditions (the grammar of src/rules/filter.ts): a
 * group matches all or any of its parts, NOT inverts one part, groups nest to any depth, and a
 * condition tests one field of the campaign's lead schema with an operator its type allows.
 *
 * It edits the filter object it is given in place and writes nothing else: a filter loaded and
 * saved untouched is the same JSON, key for key; an edit changes only the key it is about. A value
 * the grammar rejects (an empty list, a regex that does not compile, an unknown ZIP) is written as
 * typed, so the server's validation names it at its path, shown beside the input (problems.ts).
 */
export type Op = 'equals' | 'in' | 'not_in' | 'range' | 'matches' | 'present' | 'within';

const OP_LABEL: Record<Op, string> = {
  equals: 'is',
  in: 'is one of',
  not_in: 'is none of',
  range: 'is between',
  matches: 'matches (regex)',
  present: 'is present',
  within: 'is within miles of ZIP',
};

const numeric = (f: FieldSpec | undefined) => f?.type === 'integer' || f?.type === 'number';
/** a ZIP field: named so, or a five-digit pattern; the radius is offered for it alone */
const zipLike = (name: string, f: FieldSpec | undefined) => f?.type === 'string' && (/zip/i.test(name) || /\{5\}|\\d\{5\}/.test(f.pattern ?? ''));

/** The operators a field's type allows. */
export function opsFor(name: string, f: FieldSpec | undefined): Op[] {
  if (numeric(f)) return ['equals', 'range', 'in', 'not_in', 'present'];
  if (f?.type === 'boolean') return ['equals', 'present'];
  return ['equals', 'in', 'not_in', 'matches', 'present', ...(zipLike(name, f) ? (['within'] as const) : [])];
}

/** Which operator a written condition uses (min and max together are one range). */
export function opOf(c: Condition): Op {
  for (const op of ['equals', 'in', 'not_in', 'matches', 'present', 'within'] as const) if (c[op] !== undefined) return op;
  return 'range';
}

function fresh(field: string, op: Op, f: FieldSpec | undefined): Condition {
  switch (op) {
    case 'equals':
      return { field, equals: numeric(f) ? 0 : f?.type === 'boolean' ? true : '' };
    case 'in':
      return { field, in: [] };
    case 'not_in':
      return { field, not_in: [] };
    case 'matches':
      return { field, matches: '' };
    case 'present':
      return { field, present: true };
    case 'within':
      return { field, within: { miles: 25, of: '' } };
    case 'range':
      return { field };
  }
}

const isGroup = (f: Filter): f is { all: Filter[] } | { any: Filter[] } => 'all' in f || 'any' in f;
const isNot = (f: Filter): f is { not: Filter } => 'not' in f;

/** A list as typed: numbers where the field is numeric and the item reads as one, text otherwise. */
function parseList(text: string, f: FieldSpec | undefined): Scalar[] {
  return text
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '')
    .map((x) => (numeric(f) && x !== '' && Number.isFinite(Number(x)) ? Number(x) : x));
}

function scalarOf(text: string, f: FieldSpec | undefined): Scalar {
  if (numeric(f) && text.trim() !== '' && Number.isFinite(Number(text))) return Number(text);
  if (f?.type === 'boolean') return text === 'true';
  return text;
}

export function conditionBuilder(value: Filter | undefined, fields: Readonly<Record<string, FieldSpec>>, onChange: (f: Filter | undefined) => void, basePath = 'filters'): HTMLElement {
  let root = value;
  const box = h('div', { class: 'builder', 'data-path': basePath });
  // by name: a stored document's keys come back in the database's order, not the author's
  const names = Object.keys(fields).sort();
  const emit = () => onChange(root);
  /** a change of shape: the tree drawn again (a typed value only writes its key, keeping the focus) */
  const reshape = () => {
    draw();
    emit();
  };

  const button = (label: string, cls: string, title: string, onClick: () => void) => {
    const b = h('button', { type: 'button', class: `small ${cls}`, title }, label);
    b.addEventListener('click', onClick);
    return b;
  };

  function newCondition(): Condition {
    const name = names[0] ?? 'field';
    return fresh(name, opsFor(name, fields[name])[0]!, fields[name]);
  }

  function valueEditor(c: Condition, op: Op, path: string): HTMLElement {
    const f = fields[c.field];
    const wrap = (key: string, ...els: (Node | string)[]) => h('span', { class: 'value', 'data-path': `${path}.${key}` }, ...els);
    const text = (v: unknown, attrs: Record<string, string>, onInput: (s: string) => void) => {
      const input = h('input', { ...attrs, value: v === undefined ? '' : String(v) }) as HTMLInputElement;
      input.addEventListener('input', () => {
        onInput(input.value);
        emit();
      });
      return input;
    };
    switch (op) {
      case 'equals': {
        if (f?.type === 'boolean' || typeof c.equals === 'boolean') {
          const sel = h('select', { class: 'op-value' }, ...['true', 'false'].map((v) => h('option', { value: v, selected: String(c.equals) === v }, v))) as HTMLSelectElement;
          sel.addEventListener('change', () => {
            c.equals = sel.value === 'true';
            emit();
          });
          return wrap('equals', sel);
        }
        if (f?.enum !== undefined) {
          // an enum's values to pick from, and the written one kept when it is not (yet) among them
          const values = f.enum.includes(String(c.equals)) ? f.enum : [String(c.equals), ...f.enum];
          const sel = h('select', { class: 'op-value' }, ...values.map((v) => h('option', { value: v, selected: String(c.equals) === v }, v === '' ? '(pick one)' : v))) as HTMLSelectElement;
          sel.addEventListener('change', () => {
            c.equals = sel.value;
            emit();
          });
          return wrap('equals', sel);
        }
        return wrap('equals', text(c.equals, { type: numeric(f) ? 'number' : 'text', step: 'any', class: 'op-value' }, (s) => (c.equals = scalarOf(s, f))));
      }
      case 'in':
      case 'not_in': {
        const list = c[op] ?? [];
        const hint = f?.enum !== undefined ? `one of ${f.enum.join(', ')}` : 'comma-separated';
        return wrap(op, text(list.join(', '), { type: 'text', class: 'op-value wide', placeholder: hint }, (s) => (c[op] = parseList(s, f))));
      }
      case 'matches':
        return wrap('matches', text(c.matches, { type: 'text', class: 'op-value', placeholder: '^9[0-9]{4}$' }, (s) => (c.matches = s)));
      case 'present': {
        const sel = h('select', { class: 'op-value' }, h('option', { value: 'true', selected: c.present === true }, 'yes'), h('option', { value: 'false', selected: c.present === false }, 'no (absent or empty)')) as HTMLSelectElement;
        sel.addEventListener('change', () => {
          c.present = sel.value === 'true';
          emit();
        });
        return wrap('present', sel);
      }
      case 'within': {
        const w = (c.within ??= { miles: 25, of: '' });
        return wrap(
          'within',
          h('span', { 'data-path': `${path}.within.miles` }, text(w.miles, { type: 'number', step: 'any', class: 'op-value num', 'aria-label': 'miles' }, (s) => (w.miles = Number(s)))),
          ' miles of ',
          h('span', { 'data-path': `${path}.within.of` }, text(w.of, { type: 'text', class: 'op-value zip', placeholder: 'ZIP', 'aria-label': 'ZIP' }, (s) => (w.of = s))),
        );
      }
      case 'range': {
        // min and max are inclusive and each may be left out: an emptied one goes from the condition
        const bound = (key: 'min' | 'max', placeholder: string) =>
          h('span', { 'data-path': `${path}.${key}` }, text(c[key], { type: 'number', step: 'any', class: `op-value num ${key}`, placeholder }, (s) => (s.trim() === '' ? delete c[key] : (c[key] = Number(s)))));
        return h('span', { class: 'value', 'data-path': path }, bound('min', 'min'), ' and ', bound('max', 'max'));
      }
    }
  }

  function conditionNode(c: Condition, path: string, replace: (n: Filter | null) => void): HTMLElement {
    const op = opOf(c);
    const f = fields[c.field];
    const fieldSel = h(
      'select',
      { class: 'cond-field', 'aria-label': 'field' },
      ...names.map((n) => h('option', { value: n, selected: n === c.field }, `${n} (${fields[n]!.type})`)),
      // a field the campaign's schema does not have is kept, so the filter loads as written
      c.field in fields ? null : h('option', { value: c.field, selected: true }, `${c.field} (not in the campaign)`),
    ) as HTMLSelectElement;
    fieldSel.addEventListener('change', () => {
      const name = fieldSel.value;
      const ops = opsFor(name, fields[name]);
      replace(fresh(name, ops.includes(op) ? op : ops[0]!, fields[name]));
      reshape();
    });
    const ops = opsFor(c.field, f);
    const opSel = h('select', { class: 'cond-op', 'aria-label': 'operator' }, ...[...ops, ...(ops.includes(op) ? [] : [op])].map((o) => h('option', { value: o, selected: o === op }, OP_LABEL[o]))) as HTMLSelectElement;
    opSel.addEventListener('change', () => {
      replace(fresh(c.field, opSel.value as Op, f));
      reshape();
    });
    return h(
      'div',
      { class: 'cond', 'data-path': path },
      h('span', { 'data-path': `${path}.field` }, fieldSel),
      opSel,
      valueEditor(c, op, path),
      h('span', { class: 'tools' }, button('NOT', 'ghost negate', 'negate this condition', () => (replace({ not: c }), reshape())), button('×', 'ghost remove', 'remove this condition', () => (replace(null), reshape()))),
    );
  }

  function groupNode(g: { all: Filter[] } | { any: Filter[] }, path: string, replace: (n: Filter | null) => void, depth: number): HTMLElement {
    const mode = 'all' in g ? 'all' : 'any';
    const parts = 'all' in g ? g.all : g.any;
    const modeSel = h('select', { class: 'group-mode', 'aria-label': 'group' }, h('option', { value: 'all', selected: mode === 'all' }, 'all of'), h('option', { value: 'any', selected: mode === 'any' }, 'any of')) as HTMLSelectElement;
    modeSel.addEventListener('change', () => {
      replace(modeSel.value === 'all' ? { all: parts } : { any: parts });
      reshape();
    });
    const partPath = `${path}.${mode}`;
    return h(
      'div',
      { class: `cond-group depth-${depth % 4}`, 'data-path': path },
      h(
        'div',
        { class: 'cond-group-head', 'data-path': partPath },
        h('span', { class: 'label' }, 'Match'),
        modeSel,
        h('span', { class: 'tools' }, button('+ condition', 'add-cond', 'add a condition to this group', () => (parts.push(newCondition()), reshape())), button('+ group', 'add-group', 'add a nested group', () => (parts.push({ any: [newCondition()] }), reshape())), button('NOT', 'ghost negate', 'negate this group', () => (replace({ not: g }), reshape())), button('×', 'ghost remove', 'remove this group', () => (replace(null), reshape()))),
      ),
      h(
        'div',
        { class: 'parts' },
        ...parts.map((p, i) =>
          node(p, `${partPath}[${i}]`, (n) => (n === null ? parts.splice(i, 1) : (parts[i] = n)), depth + 1),
        ),
        parts.length === 0 ? h('p', { class: 'muted' }, 'An empty group: add a condition, or remove it.') : null,
      ),
    );
  }

  function notNode(n: { not: Filter }, path: string, replace: (n: Filter | null) => void, depth: number): HTMLElement {
    return h(
      'div',
      { class: 'not', 'data-path': path },
      h('div', { class: 'cond-group-head' }, h('span', { class: 'label' }, 'NOT'), h('span', { class: 'tools' }, button('undo NOT', 'ghost unwrap', 'keep what is inside, without NOT', () => (replace(n.not), reshape())), button('×', 'ghost remove', 'remove this part', () => (replace(null), reshape())))),
      node(n.not, `${path}.not`, (inner) => (inner === null ? replace(null) : (n.not = inner)), depth + 1),
    );
  }

  function node(f: Filter, path: string, replace: (n: Filter | null) => void, depth: number): HTMLElement {
    if (isGroup(f)) return groupNode(f, path, replace, depth);
    if (isNot(f)) return notNode(f, path, replace, depth);
    return conditionNode(f, path, replace);
  }

  function draw(): void {
    if (root === undefined) {
      mount(box, h('p', { class: 'muted' }, 'No filter: this buyer is offered every lead of its campaigns.'), button('Add a filter', 'add-filter', 'start a filter: all of these conditions', () => ((root = { all: [newCondition()] }), reshape())));
      return;
    }
    // a single condition or NOT at the top can still grow: put it in a group
    const wrapRoot = isGroup(root) ? null : h('p', {}, button('Put in a group', 'wrap', 'match all of this and more', () => ((root = { all: [root!] }), reshape())));
    mount(box, node(root, basePath, (n) => (root = n ?? undefined), 0), wrapRoot);
  }

  draw();
  return box;
}
