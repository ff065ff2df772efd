import { api } from './api.js';
import { diffList } from './diff-list.js';
import { h, mount } from './dom.js';
import { refusal } from './config-codes.js';
import { said, when } from './format.js';
import type { AuditEntry, Change, Published, VersionHead } from './config-types.js';

/** An audit row's detail in a line: the version, the comment, the draft (its id's first 8 digits), as the log wrote them; a false flag says nothing. */
function detailText(d: Record<string, unknown>): string {
  return Object.entries(d)
    .filter(([, v]) => v !== false && v !== null && v !== '')
    .map(([k, v]) => (k === 'comment' ? `“${String(v)}”` : `${k.replace(/_/g, ' ')} ${typeof v === 'string' ? (/^[0-9a-f]{8}-/.test(v) ? v.slice(0, 8) : v) : JSON.stringify(v)}`))
    .join(' · ');
}

/** The last rollback's outcome, shown on the page drawn after it. */
let pending: string | null = null;

/**
 * Versions: every published version, newest first, with what publishing it again would change
 * (its diff against the live one) and a rollback with a comment, which publishes its document
 * again as a new version; and the audit log of every change, with who made it.
 */
export function versionsPage(root: Element, open: string | undefined): void {
  const out = h('div', { class: 'versions' });
  mount(root, h('h2', {}, 'Versions'), out);
  mount(out, h('p', { class: 'muted' }, 'loading…'));
  const redraw = (flash: string) => {
    pending = flash;
    if (location.hash !== '#/versions') location.hash = '#/versions';
    else versionsPage(root, undefined);
  };
  Promise.all([api<{ versions: VersionHead[] }>('GET', '/v1/admin/versions?limit=50'), api<{ audit: AuditEntry[] }>('GET', '/v1/admin/audit?limit=30')]).then(
    ([v, a]) => {
      const live = v.versions[0]?.version;
      const detail = h('div', { class: 'version-detail' });
      const note = h('div', { class: 'note' }, pending !== null ? h('p', { class: 'ok-text flash' }, pending) : null);
      pending = null;
      const show = (n: number) => {
        for (const tr of out.querySelectorAll('tr[data-version]')) tr.classList.toggle('selected', tr.getAttribute('data-version') === String(n));
        mount(detail, h('p', { class: 'muted' }, 'loading…'));
        api<{ changes: Change[] }>('GET', `/v1/admin/versions/${n}/diff`).then(
          (d) => {
            const comment = h('input', { type: 'text', class: 'wide', id: 'rollback-comment', placeholder: `why back to version ${n}`, maxlength: 500 }) as HTMLInputElement;
            const back = h('button', { type: 'button', class: 'warn rollback' }, `Roll back to version ${n}`);
            const result = h('div', { role: 'status' });
            back.addEventListener('click', () => {
              back.setAttribute('disabled', '');
              api<Published>('POST', `/v1/admin/versions/${n}/rollback`, comment.value === '' ? {} : { comment: comment.value }).then(
                (p) => redraw(`Version ${n} published again as version ${p.version}${p.live_here ? ', live' : ''}.`),
                (e: unknown) => {
                  back.removeAttribute('disabled');
                  mount(result, refusal(e));
                },
              );
            });
            mount(
              detail,
              h('h3', {}, n === live ? `Version ${n} is live` : `Publishing version ${n} again would change`),
              n === live ? h('p', { class: 'muted' }, 'Pick an earlier version to see what rolling back to it would change.') : diffList(d.changes),
              n === live ? null : h('div', { class: 'publish-row' }, comment, back),
              result,
            );
          },
          (e: unknown) => mount(detail, h('p', { class: 'error' }, said(e))),
        );
      };
      mount(
        out,
        note,
        h(
          'div',
          { class: 'versions-split' },
          h(
            'div',
            {},
            h('h3', {}, 'History'),
            h(
              'table',
              { class: 'buyers history' },
              h('thead', {}, h('tr', {}, ...['version', 'published', 'by', 'comment', ''].map((x) => h('th', {}, x)))),
              h(
                'tbody',
                {},
                ...v.versions.map((x) => {
                  const pick = h('button', { type: 'button', class: 'small ghost pick' }, x.version === live ? 'live' : 'diff');
                  pick.addEventListener('click', () => (location.hash = `#/versions/${x.version}`));
                  return h('tr', { 'data-version': x.version }, h('td', {}, String(x.version)), h('td', { class: 'nowrap' }, when(x.published_at)), h('td', {}, x.author), h('td', {}, x.comment), h('td', {}, pick));
                }),
              ),
            ),
          ),
          detail,
        ),
        h('h3', {}, 'Audit log'),
        h(
          'table',
          { class: 'buyers audit' },
          h('thead', {}, h('tr', {}, ...['when', 'who', 'what', 'detail'].map((x) => h('th', {}, x)))),
          h('tbody', {}, ...a.audit.map((r) => h('tr', { 'data-audit': r.id }, h('td', { class: 'nowrap' }, when(r.at)), h('td', {}, r.who), h('td', {}, r.what), h('td', { class: 'muted' }, detailText(r.detail))))),
        ),
      );
      const n = open !== undefined ? Number(open) : undefined;
      if (n !== undefined && Number.isInteger(n) && n > 0) show(n);
      else mount(detail, h('p', { class: 'muted' }, 'Pick a version to see its diff against the live one and roll back to it.'));
    },
    (e: unknown) => mount(out, h('p', { class: 'error' }, said(e))),
  );
}
