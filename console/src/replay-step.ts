import { api, ApiError } from './api.js';
import { refusal } from './config-codes.js';
import { h, mount } from './dom.js';
import { forgetDraft, openDraft } from './draft-state.js';
import { replayRange } from './replay-range.js';
import { replayView } from './replay-view.js';
import type { Problem } from './config-types.js';
import type { ReplayAnswer } from './replay-types.js';

/** What a refused replay means, where it differs from a refused publish. */
const REPLAY_MEANING: Record<string, string> = {
  DRAFT_INVALID: 'The draft does not validate, so it cannot be replayed. Each problem is shown at its place.',
  STORE_UNAVAILABLE: 'The lead index or the traces could not be read: try again, or a shorter range.',
};

/**
 * The draft's last step before publish, "What would this draft do?": the recorded leads of a
 * range judged again under the live version and under the draft (POST
 * /v1/admin/drafts/{id}/replay), shown side by side. A refusal shows its code; DRAFT_INVALID's
 * problems go to `showProblems`, where the publish path puts them. `reset()` drops an answer
 * once the draft has changed, as it no longer says what the draft would do.
 */
export function replayStep(showProblems: (problems: Problem[]) => void): { el: HTMLElement; reset(): void } {
  const range = replayRange();
  // empty: the API's own limit (a million leads)
  const limit = h('input', { type: 'number', name: 'replay-limit', class: 'num', min: 1, max: 10_000_000, placeholder: '1,000,000' }) as HTMLInputElement;
  const run = h('button', { type: 'submit', class: 'replay' }, 'Replay');
  const out = h('div', { class: 'replay-out', role: 'status' });
  const form = h('form', { class: 'replay-form' }, range.el, h('label', {}, 'at most ', limit, ' leads'), run);

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const d = openDraft();
    if (d === null) return;
    const r = range.range();
    if ('wrong' in r) return mount(out, h('p', { class: 'error' }, r.wrong));
    // a limit out of bounds is the server's to refuse, with the field it is about
    const body = limit.value === '' ? r : { ...r, limit: Number(limit.value) };
    run.setAttribute('disabled', '');
    mount(out, h('p', { class: 'muted' }, 'replaying…'));
    api<ReplayAnswer>('POST', `/v1/admin/drafts/${d.id}/replay`, body)
      .then(
        (answer) => mount(out, replayView(answer)),
        (err: unknown) => {
          const code = err instanceof ApiError ? err.code : '';
          if (code === 'DRAFT_NOT_FOUND') forgetDraft();
          if (code === 'DRAFT_INVALID') showProblems((err as ApiError).details);
          // a refused range says which field and why; a draft's problems are listed where the publish path lists them
          const details = err instanceof ApiError && code !== 'DRAFT_INVALID' ? err.details : [];
          mount(out, refusal(err, 'error replay-error', REPLAY_MEANING), details.length > 0 ? h('ul', { class: 'problems' }, ...details.map((p) => h('li', {}, h('code', {}, p.path), ': ', p.message))) : null);
        },
      )
      .finally(() => run.removeAttribute('disabled'));
  });

  const el = h(
    'section',
    { class: 'replay-step' },
    h('h4', {}, 'What would this draft do?'),
    h('p', { class: 'hint' }, 'The leads received in a range, judged again under the live version and under this draft on what was recorded: each lead’s fields, the buyers’ bids and post outcomes. What was never recorded is estimated, and shown apart. Nothing is sent to anyone.'),
    form,
    out,
  );
  return { el, reset: () => mount(out) };
}
