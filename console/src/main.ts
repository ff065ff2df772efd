import { api, ApiError, LOGGED_OUT } from './api.js';
import { configPage } from './config-page.js';
import { h, mount } from './dom.js';
import { keysPage } from './keys-page.js';
import { leadsPage } from './leads-page.js';
import { loginPage } from './login-page.js';
import { marketPage } from './market-page.js';
import { batchesPage } from './batches-page.js';
import { reportsPage } from './reports-page.js';
import { returnsPage } from './returns-page.js';
import { versionsPage } from './versions-page.js';

/**
 * The console's shell: a header with the pages, and a hash router (#/market, #/leads/<id>,
 * #/returns/<status>, #/reports, #/config/<section>/<id>, #/versions/<n>, #/keys), so the server
 * serves one page and a page is one more entry here.
 */
const root = document.getElementById('app')!;
let leave: (() => void) | undefined;

/** the pages, in the header's order; the first is the one a bare or unknown hash opens */
const decoded = (x: string | undefined) => (x === undefined || x === '' ? undefined : decodeURIComponent(x));
const PAGES: { id: string; label: string; draw: (main: Element, arg: string | undefined, more: string | undefined) => (() => void) | void }[] = [
  { id: 'market', label: 'Live market', draw: (main) => marketPage(main, showLogin) },
  { id: 'leads', label: 'Leads', draw: (main, arg) => leadsPage(main, arg === undefined ? undefined : decodeURIComponent(arg)) },
  { id: 'returns', label: 'Returns', draw: (main, arg) => returnsPage(main, arg) },
  { id: 'reports', label: 'Reports', draw: (main) => reportsPage(main) },
  { id: 'batches', label: 'Batch files', draw: (main) => batchesPage(main, true) },
  { id: 'config', label: 'Configuration', draw: (main, section, id) => configPage(main, decoded(section), decoded(id)) },
  { id: 'versions', label: 'Versions', draw: (main, n) => versionsPage(main, decoded(n)) },
  { id: 'keys', label: 'Keys', draw: (main) => keysPage(main) },
];

function showLogin(): void {
  leave?.();
  leave = undefined;
  loginPage(root, () => {
    if (location.hash === '' || location.hash === '#/login') location.hash = '#/market';
    else route();
  });
}

function route(): void {
  leave?.();
  leave = undefined;
  const [, id, arg, more] = location.hash.split('/');
  const page = PAGES.find((p) => p.id === id) ?? PAGES[0]!;
  const main = h('main');
  const logout = h('button', { class: 'link', type: 'button' }, 'Log out');
  logout.addEventListener('click', () => void api('DELETE', '/v1/session').finally(showLogin));
  const link = (p: (typeof PAGES)[number]) => h('a', { href: `#/${p.id}`, class: p === page ? 'on' : undefined }, p.label);
  mount(root, h('header', {}, h('b', {}, 'Gavel'), h('nav', {}, ...PAGES.map(link)), logout), main);
  leave = page.draw(main, arg, more) ?? undefined;
}

window.addEventListener('hashchange', route);
// a call refused for want of a session, from any page: back to the login (once, not per call)
window.addEventListener(LOGGED_OUT, () => {
  if (root.querySelector('form.login') === null) showLogin();
});
// the session is the cookie the page cannot read: ask the server whether it is still good
api('GET', '/v1/console/campaigns').then(route, (e: unknown) => (e instanceof ApiError && e.status === 401 ? showLogin() : mount(root, String(e))));
