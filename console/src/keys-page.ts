import type { z } from 'zod';
import type { KeyIssued, KeyListingSchema, KeyRevoked, KeyRotated } from '../../src/versions/admin-schemas.js';
import { api, ApiError, explain, segment } from './api.js';
import { h, mount } from './dom.js';
import { dash, when } from './format.js';

type Key = z.infer<typeof KeyListingSchema>;
type Party = Key['party'];
const PARTIES: Party[] = ['seller', 'buyer', 'operator'];

/** what a read-only configuration means for keys, said where the operator meets it */
const READ_ONLY =
  'This exchange reads its configuration from a file, so keys cannot be issued, rotated or revoked here: the admin API changes keys only when the configuration lives in PostgreSQL (ledger.postgres_url or DATABASE_URL). With a file, put the new key\'s hash in it (gavel hash-key), let the party move over, remove the old hash and restart.';

/**
 * Keys (the admin API's /v1/admin/keys): every party's keys by key_id, never a key; issue one for
 * an operator, a seller or a buyer (the key shown once, in this page only, and dropped when the
 * panel is closed), rotate one with an overlap, revoke one after a confirm. Each change is a new
 * configuration version, live in every process within a second.
 */
export function keysPage(root: Element): void {
  const notice = h('div', { class: 'notice-area' });
  const issued = h('div', { class: 'issued-area' });
  const body = h('tbody');
  const party = h('select', { name: 'party' }, ...PARTIES.map((p) => h('option', { value: p }, p))) as HTMLSelectElement;
  const id = h('select', { name: 'id' }) as HTMLSelectElement;
  const name = h('input', { name: 'name', placeholder: 'name (optional)', maxlength: 64, size: 18 }) as HTMLInputElement;
  const form = h('form', { class: 'search issue' }, h('label', {}, 'party ', party), h('label', { class: 'party-id' }, 'id ', id), name, h('button', { type: 'submit' }, 'Issue key'));
  let ids: Record<'seller' | 'buyer', string[]> = { seller: [], buyer: [] };

  const showIds = () => {
    const p = party.value as Party;
    // an operator key has no party id: its name is what the audit log says who by
    form.querySelector('.party-id')!.classList.toggle('hidden', p === 'operator');
    name.placeholder = p === 'operator' ? 'name (required: the audit log says who by it)' : 'name (optional)';
    name.required = p === 'operator';
    if (p !== 'operator') mount(id, ...ids[p].map((x) => h('option', { value: x }, x)));
  };
  party.addEventListener('change', showIds);

  const refused = (err: unknown) => {
    if (err instanceof ApiError && err.code === 'CONFIG_READ_ONLY') {
      root.classList.add('read-only');
      mount(notice, h('div', { class: 'notice warn', role: 'alert', 'data-code': err.code }, h('b', {}, `${err.code}: `), READ_ONLY));
    } else mount(notice, h('div', { class: 'notice error', role: 'alert', 'data-code': err instanceof ApiError ? err.code : '' }, explain(err)));
  };
  const done = (text: string) => mount(notice, h('div', { class: 'notice ok', role: 'status' }, text));

  const showKey = (k: z.infer<typeof KeyIssued>, what: string) => {
    const code = h('code', { class: 'new-key', 'data-k': 'new-key' }, k.key);
    const copy = h('button', { type: 'button', class: 'secondary' }, 'Copy');
    copy.addEventListener('click', () => {
      // selected as well, so Ctrl+C works where the clipboard API is refused
      window.getSelection()?.selectAllChildren(code);
      void navigator.clipboard?.writeText(k.key).then(
        () => mount(copy, 'Copied'),
        () => mount(copy, 'Selected: press Ctrl+C'),
      );
    });
    const close = h('button', { type: 'button', class: 'secondary' }, 'I have copied it');
    // the key leaves the page with the panel: nothing else holds it
    close.addEventListener('click', () => mount(issued));
    mount(
      issued,
      h(
        'div',
        { class: 'issued', role: 'status' },
        h('p', {}, h('b', {}, what), ` ${k.party}${k.id ? ` ${k.id}` : ''}, key_id `, h('span', { class: 'mono' }, k.key_id), `, live in configuration version ${k.config_version}.`),
        h('div', { class: 'key-line' }, code, copy),
        h('p', { class: 'warn-text' }, 'Copy it now: it will not be shown again. Gavel stores only its hash, so a lost key cannot be recovered, only replaced.'),
        close,
      ),
    );
  };

  const load = () =>
    api<{ keys: Key[] }>('GET', '/v1/admin/keys').then(
      (r) => {
        const order = (k: Key) => PARTIES.indexOf(k.party);
        const keys = [...r.keys].sort((a, b) => order(a) - order(b) || String(a.id).localeCompare(String(b.id)) || (a.issued_at ?? '').localeCompare(b.issued_at ?? ''));
        mount(body, ...(keys.length === 0 ? [h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'no key'))] : keys.map(row)));
      },
      (err: unknown) => mount(body, h('tr', {}, h('td', { colspan: 7, class: 'error' }, explain(err)))),
    );

  function row(k: Key): HTMLElement {
    const actions = h('td', { class: 'actions' });
    const tr = h('tr', { 'data-key-id': k.key_id, 'data-party': k.party }, h('td', {}, k.party), h('td', {}, k.id ?? dash), h('td', {}, k.name ?? dash), h('td', {}, h('span', { class: 'mono' }, k.key_id), k.in_clear ? h('span', { class: 'pill warn', title: 'kept in clear in the configuration: rotating it stores a hash' }, 'in clear') : null), h('td', {}, when(k.issued_at)), h('td', {}, expiry(k.expires_at)), actions);
    const idle = () => {
      const rotate = h('button', { type: 'button', class: 'secondary', 'data-action': 'rotate' }, 'Rotate…');
      const revoke = h('button', { type: 'button', class: 'danger', 'data-action': 'revoke' }, 'Revoke…');
      rotate.addEventListener('click', askRotate);
      revoke.addEventListener('click', askRevoke);
      mount(actions, rotate, revoke);
    };
    const askRotate = () => {
      const overlap = h('select', { name: 'overlap' }, ...['1h', '24h', '7d'].map((o) => h('option', { value: o, selected: o === '24h' }, o))) as HTMLSelectElement;
      const go = h('button', { type: 'button', 'data-action': 'rotate-confirm' }, 'Rotate');
      const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
      cancel.addEventListener('click', idle);
      go.addEventListener('click', () => {
        go.setAttribute('disabled', '');
        api<z.infer<typeof KeyRotated>>('POST', `/v1/admin/keys/${segment(k.key_id)}/rotate`, { overlap: overlap.value }).then(
          (x) => {
            showKey(x, 'New key for');
            done(`Key ${x.old_key_id} rotated: it keeps working until ${when(x.old_expires_at)}, then only the new one does.`);
            void load();
          },
          (err: unknown) => {
            refused(err);
            idle();
          },
        );
      });
      mount(actions, h('span', { class: 'confirm' }, 'old key keeps working for ', overlap, go, cancel));
    };
    const askRevoke = () => {
      const go = h('button', { type: 'button', class: 'danger', 'data-action': 'revoke-confirm' }, 'Revoke now');
      const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
      cancel.addEventListener('click', idle);
      go.addEventListener('click', () => {
        go.setAttribute('disabled', '');
        api<z.infer<typeof KeyRevoked>>('DELETE', `/v1/admin/keys/${segment(k.key_id)}`).then(
          (x) => {
            done(`Key ${x.revoked.key_id} (${x.revoked.party}${x.revoked.id ? ` ${x.revoked.id}` : ''}) revoked in configuration version ${x.config_version}: it is refused everywhere within a second.`);
            void load();
          },
          (err: unknown) => {
            refused(err);
            idle();
          },
        );
      });
      mount(actions, h('span', { class: 'confirm' }, `Revoke ${k.key_id}? Whoever holds it is refused at once.`, go, cancel));
    };
    idle();
    return tr;
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const p = party.value as Party;
    const body = { party: p, ...(p !== 'operator' && id.value !== '' ? { id: id.value } : {}), ...(name.value.trim() !== '' ? { name: name.value.trim() } : {}) };
    api<z.infer<typeof KeyIssued>>('POST', '/v1/admin/keys', body).then(
      (x) => {
        name.value = '';
        showKey(x, 'New key for');
        mount(notice);
        void load();
      },
      refused,
    );
  });

  mount(
    root,
    h('h2', {}, 'Keys'),
    h('p', { class: 'lede' }, 'Every key of the operator, the sellers and the buyers, by its key_id (the first 12 hex digits of its SHA-256): the configuration holds hashes only. Rotating keeps the old key working for an overlap so its holder can switch over; revoking refuses it at once.'),
    notice,
    form,
    issued,
    h('table', { class: 'buyers keys' }, h('thead', {}, h('tr', {}, ...['party', 'id', 'name', 'key_id', 'created', 'expires', ''].map((x) => h('th', {}, x)))), body),
  );
  // the sellers and buyers a key can be issued for: the live configuration's, not only those holding a key
  api<{ document: { sellers?: { id: string }[]; buyers?: { id: string }[] } }>('GET', '/v1/admin/config').then(
    (c) => {
      ids = { seller: (c.document.sellers ?? []).map((x) => x.id), buyer: (c.document.buyers ?? []).map((x) => x.id) };
      showIds();
    },
    refused,
  );
  showIds();
  void load();
}

/** an expiry and how far off it is: a rotated key's overlap running out */
function expiry(iso: string | null): string {
  if (iso === null) return 'never';
  const left = Date.parse(iso) - Date.now();
  if (left <= 0) return `${when(iso)} (expired)`;
  const mins = Math.round(left / 60_000);
  return `${when(iso)} (in ${mins < 90 ? `${mins} min` : mins < 48 * 60 ? `${Math.round(mins / 60)} h` : `${Math.round(mins / 1440)} d`})`;
}
