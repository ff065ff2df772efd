import { api, ApiError } from './api.js';
import { diffList } from './diff-list.js';
import { h, mount } from './dom.js';
import { said } from './format.js';
import { refusal } from './config-codes.js';
import { forgetDraft, openDraft } from './draft-state.js';
import { replayStep } from './replay-step.js';
import type { Change, Problem, Published } from './config-types.js';

/** A problem as a line of the list: its path, then what is wrong. */
const problemLine = (p: Problem) => h('li', { 'data-problem': p.path }, h('code', {}, p.path), ': ', p.message);

/**
 * The open draft: its problems, its diff against the live version, what it would have done on
 * the recorded traffic (replayed beside live), and publishing it with a comment. `place` shows
 * problems inline where the page has their inputs and returns the rest, listed here. A refused publish shows its code: DRAFT_INVALID with every problem placed,
 * DRAFT_STALE (another version went live since the draft was made) and RESTART_REQUIRED each
 * with the one choice that publishes anyway.
 */
export function draftPanel(place: (problems: Problem[]) => Problem[], onPublished: (p: Published) => void): { el: HTMLElement; check(): Promise<void> } {
  const el = h('section', { class: 'draft-panel' });
  const status = h('div', { class: 'draft-status' });
  const problems = h('div', { class: 'draft-problems' });
  const diff = h('div', { class: 'draft-diff' });
  const outcome = h('div', { class: 'publish-outcome', role: 'status' });
  const comment = h('input', { type: 'text', id: 'publish-comment', class: 'wide', placeholder: 'what this version changes, and why', maxlength: 500 }) as HTMLInputElement;

  const listProblems = (all: Problem[]) => {
    const rest = place(all);
    mount(
      problems,
      all.length === 0
        ? h('p', { class: 'ok-text' }, '✓ The draft validates.')
        : h('div', {}, h('p', { class: 'error' }, `${all.length} problem${all.length === 1 ? '' : 's'}${rest.length < all.length ? ', shown beside their inputs' : ''}`), rest.length > 0 ? h('ul', { class: 'problems' }, ...rest.map(problemLine)) : null),
    );
  };

  // the last step before publish: what the draft would have done on the recorded traffic
  const replay = replayStep(listProblems);

  const publish = async (opts: { force?: boolean; restart?: boolean } = {}) => {
    const d = openDraft();
    if (d === null) return;
    mount(outcome, h('p', { class: 'muted' }, 'publishing…'));
    try {
      const p = await api<Published>('POST', `/v1/admin/drafts/${d.id}/publish`, { comment: comment.value, ...opts });
      forgetDraft();
      onPublished(p);
    } catch (e) {
      const choice = (label: string, again: { force?: boolean; restart?: boolean }) => {
        const b = h('button', { type: 'button', class: 'warn' }, label);
        b.addEventListener('click', () => void publish({ ...opts, ...again }));
        return b;
      };
      const code = e instanceof ApiError ? e.code : '';
      if (code === 'DRAFT_NOT_FOUND') forgetDraft();
      mount(
        outcome,
        refusal(e, 'error publish-error'),
        code === 'DRAFT_STALE' ? choice('Publish anyway over the newer version', { force: true }) : null,
        code === 'RESTART_REQUIRED' ? choice('Publish; I will restart each process', { restart: true }) : null,
      );
      if (e instanceof ApiError && e.details.length > 0) listProblems(e.details);
    }
  };

  const publishButton = h('button', { type: 'button', class: 'publish' }, 'Publish');
  publishButton.addEventListener('click', () => void publish());
  const discard = h('button', { type: 'button', class: 'ghost discard' }, 'Discard draft');
  discard.addEventListener('click', () => {
    const d = openDraft();
    forgetDraft();
    if (d !== null) void api('DELETE', `/v1/admin/drafts/${d.id}`).catch(() => undefined);
    void check();
  });

  async function check(): Promise<void> {
    const d = openDraft();
    mount(outcome);
    replay.reset();
    if (d === null) {
      mount(el, h('h3', {}, 'Draft'), h('p', { class: 'muted' }, 'No draft open. Saving a change starts one from the live version; nothing is live until it is published.'));
      return;
    }
    mount(status, h('p', {}, `Draft ${d.id.slice(0, 8)}, made from version ${d.base ?? '—'}`));
    mount(el, h('h3', {}, 'Draft'), status, problems, h('h4', {}, 'Changes against the live version'), diff, replay.el, h('div', { class: 'publish-row' }, comment, publishButton, discard), outcome);
    try {
      const [v, c] = await Promise.all([api<{ valid: boolean; problems: Problem[] }>('POST', `/v1/admin/drafts/${d.id}/validate`), api<{ changes: Change[] }>('GET', `/v1/admin/drafts/${d.id}/diff`)]);
      listProblems(v.problems);
      mount(diff, diffList(c.changes));
    } catch (e) {
      if (e instanceof ApiError && e.code === 'DRAFT_NOT_FOUND') forgetDraft();
      mount(outcome, h('p', { class: 'error' }, said(e)));
    }
  }

  return { el, check };
}
