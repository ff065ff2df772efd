import { ApiError } from './api.js';
import { h } from './dom.js';
import { said } from './format.js';

/** What a refused configuration change means for the operator, beside the server's own message. */
const MEANING: Record<string, string> = {
  DRAFT_STALE: 'Another version went live after this draft was made. Publishing anyway replaces that version with this draft’s whole document (its changes would be undone); discarding starts again from the live version.',
  DRAFT_INVALID: 'The draft does not validate: nothing was published. Each problem is shown at its place.',
  RESTART_REQUIRED: 'This version changes what a process reads only at start: publish it only if each process will be restarted.',
  DRAFT_NOT_FOUND: 'The draft is gone (published or deleted elsewhere). Save again to start a new one.',
  CONFIG_READ_ONLY:
    'This exchange reads its configuration from a file (processes sharing a Redis without PostgreSQL, or GAVEL_CONFIG_STORE=file): these pages show it, and it changes by editing the file and restarting, or once its versions live in PostgreSQL (ledger.postgres_url or DATABASE_URL).',
  NOT_PAUSABLE: 'The live version has no item with this id any more: another version took it out.',
};

/**
 * A refusal as the pages show it: the code and message, then what it means when there is more to
 * say. `meanings` replaces some for a call that reads them otherwise (a replay publishes nothing).
 */
export function refusal(err: unknown, cls = 'error', meanings: Record<string, string> = {}): HTMLElement {
  const code = err instanceof ApiError ? err.code : '';
  const meaning = meanings[code] ?? MEANING[code];
  return h(
    'div',
    { class: 'refusal', 'data-code': code, role: 'alert' },
    h('p', { class: cls }, err instanceof ApiError ? h('b', {}, code) : null, err instanceof ApiError ? ` ${err.message}` : said(err)),
    meaning !== undefined ? h('p', { class: 'hint meaning' }, meaning) : null,
  );
}
