import { h } from './dom.js';
import type { Obj } from './config-types.js';

/**
 * The inputs the Configuration forms are made of. Each edits one key of an object in place and
 * calls `changed`; an emptied input deletes its key, so the schema's default applies and the
 * document reads as an operator would write it. Each sits in a `.field` whose `data-path` is the
 * key's path within the item: a problem the server reports at that path is shown there
 * (problems.ts).
 */
export type Changed = () => void;

export function fieldRow(label: string, path: string, control: Node, hint?: string): HTMLElement {
  return h('div', { class: 'field', 'data-path': path }, h('label', {}, h('span', { class: 'name' }, label), control), hint !== undefined ? h('span', { class: 'hint' }, hint) : null);
}

export function setOrDelete(obj: Obj, key: string, value: unknown): void {
  if (value === undefined) delete obj[key];
  else obj[key] = value;
}

export function textInput(obj: Obj, key: string, label: string, path: string, changed: Changed, hint?: string, placeholder?: string, wide = false): HTMLElement {
  const v = obj[key];
  const input = h('input', { type: 'text', name: path, value: v === undefined ? '' : String(v), placeholder, class: wide ? 'wide' : undefined }) as HTMLInputElement;
  input.addEventListener('input', () => {
    setOrDelete(obj, key, input.value === '' ? undefined : input.value);
    changed();
  });
  return fieldRow(label, path, input, hint);
}

/** A number, or the text as typed when it is not one, so the server names the problem at its path. */
export function numberInput(obj: Obj, key: string, label: string, path: string, changed: Changed, hint?: string): HTMLElement {
  const v = obj[key];
  const input = h('input', { type: 'number', name: path, step: 'any', value: v === undefined ? '' : String(v), class: 'num' }) as HTMLInputElement;
  input.addEventListener('input', () => {
    setOrDelete(obj, key, input.value === '' ? undefined : Number(input.value));
    changed();
  });
  return fieldRow(label, path, input, hint);
}

/** A yes/no whose default is `dflt`: set back to the default, the key goes. */
export function checkInput(obj: Obj, key: string, label: string, path: string, dflt: boolean, changed: Changed, hint?: string): HTMLElement {
  const input = h('input', { type: 'checkbox', name: path, checked: (obj[key] ?? dflt) === true }) as HTMLInputElement;
  // written out only when it was, or when it differs from the default: a round trip adds nothing
  const had = obj[key] !== undefined;
  input.addEventListener('change', () => {
    setOrDelete(obj, key, input.checked === dflt && !had ? undefined : input.checked);
    changed();
  });
  return h('div', { class: 'field check', 'data-path': path }, h('label', {}, input, h('span', { class: 'name' }, label)), hint !== undefined ? h('span', { class: 'hint' }, hint) : null);
}

export function selectInput(obj: Obj, key: string, label: string, path: string, options: readonly string[], dflt: string | undefined, changed: Changed, hint?: string): HTMLElement {
  const current = obj[key] === undefined ? '' : String(obj[key]);
  const choices = dflt === undefined ? ['', ...options] : options;
  const select = h('select', { name: path }, ...choices.map((o) => h('option', { value: o, selected: o === (current === '' ? (dflt ?? '') : current) }, o === '' ? '(none)' : o)));
  // a value the form does not know is kept and shown, never replaced by the first option
  if (current !== '' && !choices.includes(current)) select.append(h('option', { value: current, selected: true }, current));
  const had = obj[key] !== undefined;
  select.addEventListener('change', () => {
    const v = (select as HTMLSelectElement).value;
    setOrDelete(obj, key, v === '' || (v === dflt && !had) ? undefined : v);
    changed();
  });
  return fieldRow(label, path, select, hint);
}

/** A list of ids or words, written comma-separated. */
export function listInput(obj: Obj, key: string, label: string, path: string, changed: Changed, hint?: string): HTMLElement {
  const v = obj[key];
  const input = h('input', { type: 'text', name: path, value: Array.isArray(v) ? v.join(', ') : v === undefined ? '' : JSON.stringify(v), class: 'wide' }) as HTMLInputElement;
  input.addEventListener('input', () => {
    const items = input.value
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x !== '');
    setOrDelete(obj, key, input.value.trim() === '' ? undefined : items);
    changed();
  });
  return fieldRow(label, path, input, hint);
}

/**
 * What no form covers, as JSON: the keys `keys` of `obj` in one object. A text that is not a
 * JSON object is marked and left out until it is one, so the item always holds what parsed last.
 */
export function jsonArea(obj: Obj, keys: readonly string[], label: string, path: string, changed: Changed, hint: string): HTMLElement {
  const shown: Obj = {};
  for (const k of keys) if (obj[k] !== undefined) shown[k] = obj[k];
  const area = h('textarea', { name: path, rows: Math.min(16, Math.max(3, JSON.stringify(shown, null, 2).split('\n').length)), spellcheck: false, class: 'json' }) as HTMLTextAreaElement;
  area.value = Object.keys(shown).length === 0 ? '' : JSON.stringify(shown, null, 2);
  // the keys this text holds now: one typed in is the text's too, and goes when it is deleted
  let owned = new Set(Object.keys(shown));
  const bad = h('span', { class: 'problem local', hidden: true }, 'not a JSON object: the last valid text is kept');
  area.addEventListener('input', () => {
    let parsed: unknown;
    try {
      parsed = area.value.trim() === '' ? {} : JSON.parse(area.value);
    } catch {
      parsed = undefined;
    }
    const ok = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
    bad.hidden = ok;
    if (!ok) return;
    for (const k of owned) delete obj[k];
    for (const [k, v] of Object.entries(parsed as Obj)) obj[k] = v;
    owned = new Set(Object.keys(parsed as Obj));
    changed();
  });
  return h('div', { class: 'field json-field', 'data-path': path }, h('label', {}, h('span', { class: 'name' }, label), area), h('span', { class: 'hint' }, hint), bad);
}

/** A titled group of fields. */
export function fieldset(title: string, ...children: (Node | null)[]): HTMLElement {
  return h('fieldset', {}, h('legend', {}, title), ...children);
}
