import { h } from './dom.js';
import type { Change } from './config-types.js';

/** A value as the diff shows it: JSON on one line, or, when long, cut short with the whole laid out under it on a click. */
function shown(v: unknown): HTMLElement {
  const text = JSON.stringify(v);
  if (text.length <= 80) return h('code', { class: 'val' }, text);
  return h('details', { class: 'val' }, h('summary', {}, h('code', {}, `${text.slice(0, 77)}…`)), h('pre', {}, JSON.stringify(v, null, 2)));
}

/**
 * What publishing would change, one line a path: `path: before → after`, or added / removed.
 * Items of a list are named by id (`buyers[id=acme].caps.daily`), as the admin API writes them.
 */
export function diffList(changes: readonly Change[]): HTMLElement {
  if (changes.length === 0) return h('p', { class: 'muted diff-empty' }, 'No changes against the live version.');
  return h(
    'ul',
    { class: 'diff' },
    ...changes.map((c) =>
      h(
        'li',
        { 'data-path': c.path, class: c.before === undefined ? 'added' : c.after === undefined ? 'removed' : 'changed' },
        h('code', { class: 'path' }, c.path),
        ': ',
        c.before === undefined ? h('span', { class: 'diff-tag' }, 'added') : shown(c.before),
        ' → ',
        c.after === undefined ? h('span', { class: 'diff-tag' }, 'removed') : shown(c.after),
      ),
    ),
  );
}
