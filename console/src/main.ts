import { api, ApiError } from './api.js';
import { h, mount } from './dom.js';
import { leadsPage } from './leads-page.js';
import { loginPage } from './login-page.js';
import { marketPage } from './market-page.js';

/**
 * The console's shell: a header with the pages, and a hash router (#/market, #/leads/<id>), so
 * the server serves one page and a later slice adds a page as one more entry here.
 */
const root = document.getElementById('app')!;
let leave: (() => void) | undefined;

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
  const [, page, arg] = location.hash.split('/');
  const main = h('main');
  const logout = h('button', { class: 'link', type: 'button' }, 'Log out');
  logout.addEventListener('click', () => void api('DELETE', '/v1/session').finally(showLogin));
  const link = (href: string, label: string, on: boolean) => h('a', { href, class: on ? 'on' : undefined }, label);
  mount(root, h('header', {}, h('b', {}, 'Gavel'), h('nav', {}, link('#/market', 'Live market', page !== 'leads'), link('#/leads', 'Leads', page === 'leads')), logout), main);
  if (page === 'leads') leadsPage(main, arg === undefined ? undefined : decodeURIComponent(arg));
  else leave = marketPage(main, showLogin);
}

window.addEventListener('hashchange', route);
// the session is the cookie the page cannot read: ask the server whether it is still good
api('GET', '/v1/console/campaigns').then(route, (e: unknown) => (e instanceof ApiError && e.status === 401 ? showLogin() : mount(root, String(e))));
