import { api, ApiError } from './api.js';
import { configPage } from './config-page.js';
import { h, mount } from './dom.js';
import { leadsPage } from './leads-page.js';
import { loginPage } from './login-page.js';
import { marketPage } from './market-page.js';
import { versionsPage } from './versions-page.js';

/**
 * The console's shell: a header with the pages, and a hash router (#/market, #/leads/<id>,
 * #/config, #/config/<section>/<id>, #/versions/<n>), so the server serves one page and a page is
 * one more entry here.
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

const arg = (x: string | undefined) => (x === undefined || x === '' ? undefined : decodeURIComponent(x));

function route(): void {
  leave?.();
  leave = undefined;
  const [, page, a, b] = location.hash.split('/');
  const main = h('main');
  const logout = h('button', { class: 'link', type: 'button' }, 'Log out');
  logout.addEventListener('click', () => void api('DELETE', '/v1/session').finally(showLogin));
  const link = (href: string, label: string, on: boolean) => h('a', { href, class: on ? 'on' : undefined }, label);
  const known = ['leads', 'config', 'versions'];
  mount(
    root,
    h(
      'header',
      {},
      h('b', {}, 'Gavel'),
      h('nav', {}, link('#/market', 'Live market', !known.includes(page ?? '')), link('#/leads', 'Leads', page === 'leads'), link('#/config', 'Configuration', page === 'config'), link('#/versions', 'Versions', page === 'versions')),
      logout,
    ),
    main,
  );
  if (page === 'leads') leadsPage(main, arg(a));
  else if (page === 'config') configPage(main, arg(a), arg(b));
  else if (page === 'versions') versionsPage(main, arg(a));
  else leave = marketPage(main, showLogin);
}

window.addEventListener('hashchange', route);
// the session is the cookie the page cannot read: ask the server whether it is still good
api('GET', '/v1/console/campaigns').then(route, (e: unknown) => (e instanceof ApiError && e.status === 401 ? showLogin() : mount(root, String(e))));
