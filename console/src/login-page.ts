import { api, ApiError } from './api.js';
import { h, mount } from './dom.js';

/** The login form: the key goes once to POST /v1/session and is dropped; the cookie carries the session. */
export function loginPage(root: Element, done: () => void): void {
  const key = h('input', { type: 'password', name: 'key', id: 'key', autocomplete: 'off', placeholder: 'operator key', required: true }) as HTMLInputElement;
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'login' }, h('h1', {}, 'Gavel console'), h('label', { for: 'key' }, 'Operator key'), key, h('button', { type: 'submit' }, 'Log in'), error);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const value = key.value;
    key.value = '';
    api('POST', '/v1/session', { key: value }).then(done, (err: unknown) => mount(error, err instanceof ApiError ? `${err.code}: ${err.message}` : String(err)));
  });
  mount(root, form);
  key.focus();
}
