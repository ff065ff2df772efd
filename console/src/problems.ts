import { h } from './dom.js';
import type { Problem } from './config-types.js';

/** Whether `path` is `at` or lies under it (`filters.all[0]` lies under `filters`, not under `filter`). */
function under(path: string, at: string): boolean {
  return path === at || path.startsWith(`${at}.`) || path.startsWith(`${at}[`);
}

/**
 * Show each problem where it is: beside the input whose `data-path` is the deepest one the
 * problem's path lies under. `prefix` is the item's own place in the document
 * (`buyers[1]`), which the server's paths start with. Returns the problems no input of `root`
 * holds (another item's, or a key the form does not draw), for the page to list.
 */
export function showProblems(root: Element, problems: readonly Problem[], prefix: string): Problem[] {
  clearProblems(root);
  const places = [...root.querySelectorAll<HTMLElement>('[data-path]')];
  const left: Problem[] = [];
  for (const p of problems) {
    if (!under(p.path, prefix)) {
      left.push(p);
      continue;
    }
    const rel = p.path.slice(prefix.length).replace(/^\./, '');
    let best: HTMLElement | undefined;
    for (const el of places) {
      const at = el.dataset.path!;
      if (under(rel, at) && (best === undefined || at.length > best.dataset.path!.length)) best = el;
    }
    if (best === undefined) {
      left.push(p);
      continue;
    }
    best.classList.add('invalid');
    best.append(h('span', { class: 'problem', role: 'alert', 'data-problem': p.path }, p.message));
  }
  return left;
}

export function clearProblems(root: Element): void {
  for (const el of root.querySelectorAll('.problem:not(.local)')) el.remove();
  for (const el of root.querySelectorAll('.invalid')) el.classList.remove('invalid');
}
