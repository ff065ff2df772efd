import { h } from './dom.js';
import type { Change } from './config-types.js';

/** A value as the diff shows it: JSON, cut short when long (the whole is in its tooltip). */
function shown(v: unknown): HTMLElement {
  const text = JSON.stringify(v);
  return h('code', { class: 'val', title: text.length > 80 ? text : undefined }, text.length > 80 ? `${text.slice(0, 77)}…` : text);
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
        c.before === undefined ? h('span', { class: 'tag' }, 'added') : shown(c.before),
        ' → ',
        c.after === undefined ? h('span', { class: 'tag' }, 'removed') : shown(c.after),
      ),
    ),
  );
}
