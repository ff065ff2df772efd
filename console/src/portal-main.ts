import { api, ApiError } from './api.js';
import { h, mount } from './dom.js';
import { capsPage } from './caps-page.js';
import { loginPage, type LoginText } from './login-page.js';
import { noticesPage } from './notices-page.js';
import { batchesPage } from './batches-page.js';
import { partyLeadsPage } from './party-leads-page.js';
import { returnsPage } from './portal-returns-page.js';
import { specPage } from './spec-page.js';
import { spendPage } from './spend-page.js';
import type { Who } from './portal-types.js';

/**
 * The buyers' and sellers' portal on the public listener: after login it asks the server who the
 * session is (GET /v1/session) and draws that party's pages, each reading the party's own APIs,
 * which answer with the key's own data whatever the page asks. A hash router as the console's.
 */
const root = document.getElementById('app')!;

interface Page {
  path: string;
  label: string;
  draw: (main: HTMLElement, who: Who, arg: string | undefined) => void;
}

const PAGES: Record<'buyer' | 'seller', Page[]> = {
  buyer: [
    { path: 'leads', label: 'Leads', draw: partyLeadsPage },
    { path: 'caps', label: 'Caps', draw: capsPage },
    { path: 'spend', label: 'Spend', draw: spendPage },
    { path: 'returns', label: 'Returns', draw: returnsPage },
    { path: 'notices', label: 'Deliveries', draw: noticesPage },
    { path: 'batches', label: 'Batch files', draw: (main) => batchesPage(main, false) },
  ],
  seller: [
    { path: 'leads', label: 'Leads', draw: partyLeadsPage },
    { path: 'postbacks', label: 'Postbacks', draw: noticesPage },
    { path: 'spec', label: 'Spec & test lead', draw: specPage },
  ],
};

const OPERATOR = "That is the operator's key: the operator's console is on the operator listener (server.operator, port 9090 by default), at /console/ there. This portal is for sellers and buyers.";

const LOGIN: LoginText = {
  title: 'Gavel portal',
  label: 'Your API key (seller or buyer)',
  placeholder: 'API key',
  // the public listener refuses the operator's key at login: say where it belongs
  explain: (err) => (err.code === 'FORBIDDEN' && err.status === 403 ? OPERATOR : undefined),
};

function showLogin(notice?: string): void {
  window.removeEventListener('hashchange', onHash);
  loginPage(root, start, notice === undefined ? LOGIN : { ...LOGIN, notice });
}

let who: Who | undefined;
const onHash = () => route();

function route(): void {
  if (who === undefined || who.party === 'operator') return;
  const pages = PAGES[who.party];
  const [, path, arg] = location.hash.split('/');
  const page = pages.find((p) => p.path === path) ?? pages[0]!;
  const logout = h('button', { class: 'link', type: 'button' }, 'Log out');
  logout.addEventListener('click', () => void api('DELETE', '/v1/session').finally(() => showLogin()));
  const main = h('main');
  mount(
    root,
    h(
      'header',
      {},
      h('b', {}, 'Gavel'),
      h('nav', {}, ...pages.map((p) => h('a', { href: `#/${p.path}`, class: p === page ? 'on' : undefined }, p.label))),
      h('span', { class: 'who', 'data-party': who.party }, `${who.party} ${who.id}`),
      logout,
    ),
    main,
  );
  page.draw(main, who, arg === undefined || arg === '' ? undefined : decodeURIComponent(arg));
}

/** Who the session is decides the pages; no session (401) is the login form. */
function start(): void {
  api<Who>('GET', '/v1/session').then(
    (w) => {
      who = w;
      window.addEventListener('hashchange', onHash);
      route();
    },
    (e: unknown) => {
      who = undefined;
      if (e instanceof ApiError && e.status === 401) return showLogin();
      // a cookie the operator's console set on this host reaches this listener too, and is refused here
      if (e instanceof ApiError && e.status === 403) return showLogin(OPERATOR);
      mount(root, h('p', { class: 'error' }, String(e)));
    },
  );
}

start();
