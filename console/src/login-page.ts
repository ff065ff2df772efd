import { api, ApiError } from './api.js';
import { h, mount } from './dom.js';

/** What differs between the console's login and the portal's. */
export interface LoginText {
  title: string;
  label: string;
  placeholder: string;
  /** a refusal said in the page's own words (the portal explains where the operator's key goes) */
  explain?: (err: ApiError) => string | undefined;
  /** shown above the form when the page sends the visitor back to it with a reason */
  notice?: string;
}

const CONSOLE: LoginText = { title: 'Gavel console', label: 'Operator key', placeholder: 'operator key' };

/** The login form: the key goes once to POST /v1/session and is dropped; the cookie carries the session. */
export function loginPage(root: Element, done: () => void, text: LoginText = CONSOLE): void {
  const key = h('input', { type: 'password', name: 'key', id: 'key', autocomplete: 'off', placeholder: text.placeholder, required: true }) as HTMLInputElement;
  const error = h('p', { class: 'error', role: 'alert' }, text.notice);
  const form = h('form', { class: 'login' }, h('h1', {}, text.title), h('label', { for: 'key' }, text.label), key, h('button', { type: 'submit' }, 'Log in'), error);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const value = key.value;
    key.value = '';
    api('POST', '/v1/session', { key: value }).then(done, (err: unknown) =>
      mount(error, err instanceof ApiError ? (text.explain?.(err) ?? `${err.code}: ${err.message}`) : String(err)),
    );
  });
  mount(root, form);
  key.focus();
}
