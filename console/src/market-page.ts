import { api } from './api.js';
import { h, mount } from './dom.js';
import { dash, ms, num, pct } from './format.js';
import type { ConsoleFacts, DemoInfo, MarketSample } from '../../src/protocol/console-api.js';

const tile = (label: string, value: string, id: string) => h('div', { class: 'tile' }, h('span', { class: 'label' }, label), h('span', { class: 'value', 'data-k': id }, value));

/**
 * The live market: one Server-Sent Event a second from GET /v1/console/market, drawn as tiles
 * and a table of buyers; the day's money beside it from the reports API. Returns the page's cleanup (the stream closed when the page is left).
 */
export function marketPage(root: Element, onLoggedOut: () => void): () => void {
  const tiles = h('div', { class: 'tiles' });
  const table = h('tbody');
  const status = h('p', { class: 'muted' }, 'connecting…');
  const money = h('div', { class: 'tiles' });
  const banner = h('div');
  let demo: DemoInfo | null = null;
  mount(
    root,
    h('h2', {}, 'Live market'),
    banner,
    status,
    tiles,
    money,
    h('table', { class: 'buyers' }, h('thead', {}, h('tr', {}, ...['buyer', 'pings/s', 'bid rate', 'win rate', 'latency p50', 'timeouts', 'breaker'].map((x) => h('th', {}, x)))), table),
    h('p', { class: 'muted' }, 'Pings/s, latency and timeouts over the last second; bid rate (bids of pings answered) and win rate (posts won of bids) over the last 30 seconds.'),
  );
  const draw = (x: MarketSample) => {
    mount(status, `updated ${new Date(x.at).toLocaleTimeString()}`);
    mount(
      tiles,
      tile('pings/s', num(x.pings_per_s), 'pings_per_s'),
      tile('pings', String(x.pings_total), 'pings_total'),
      tile('fill', pct(x.fill), 'fill'),
      tile('sold', String(x.sold_total), 'sold_total'),
      tile('auction p50', ms(x.auction_p50_ms), 'p50'),
      tile('auction p99', ms(x.auction_p99_ms), 'p99'),
    );
    mount(
      table,
      ...(x.buyers.length === 0
        ? [h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'no buyer has been asked yet'))]
        : x.buyers.map((b) =>
            h('tr', { 'data-buyer': b.buyer }, h('td', {}, b.buyer, demoRole(demo, b.buyer)), h('td', {}, num(b.pings_per_s)), h('td', {}, pct(b.bid_rate)), h('td', {}, pct(b.win_rate)), h('td', {}, ms(b.latency_p50_ms)), h('td', {}, String(b.timeouts)), h('td', { class: `breaker ${b.breaker}` }, b.breaker === 'none' ? dash : b.breaker)),
          )),
    );
  };
  // the first run's demo market is said as such, each buyer with what it is made to do
  api<ConsoleFacts>('GET', '/v1/console/campaigns').then(
    (f) => {
      demo = f.demo;
      if (demo !== null) mount(banner, demoBanner(demo));
    },
    () => undefined,
  );
  // money is the ledger's, not a counter's: today's figures from the reports API, every few seconds
  const today = () => {
    const now = new Date();
    const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())).toISOString();
    const to = new Date(now.getTime() + 3_600_000).toISOString();
    api<{ rows: { revenue: number; payout: number; margin: number; sold: number }[] }>('GET', `/v1/reports?from=${from}&to=${to}&group_by=day`).then(
      (r) => {
        const sum = (k: 'revenue' | 'payout' | 'margin') => r.rows.reduce((a, x) => a + x[k], 0);
        const revenue = sum('revenue');
        mount(money, tile('revenue today (UTC)', revenue.toFixed(2), 'revenue'), tile('paid to sellers', sum('payout').toFixed(2), 'payout'), tile('margin', `${sum('margin').toFixed(2)}${revenue > 0 ? ` (${pct(sum('margin') / revenue)})` : ''}`, 'margin'));
      },
      () => mount(money, h('p', { class: 'muted' }, 'Revenue and margin: the ledger did not answer.')),
    );
  };
  today();
  const moneyTimer = setInterval(today, 5000);
  const source = new EventSource('/v1/console/market');
  source.addEventListener('sample', (e) => draw(JSON.parse((e as MessageEvent<string>).data) as MarketSample));
  source.addEventListener('error', () => {
    // a 401 ends the stream for good (readyState CLOSED): the session is over
    if (source.readyState === EventSource.CLOSED) onLoggedOut();
    else mount(status, 'reconnecting…');
  });
  return () => {
    source.close();
    clearInterval(moneyTimer);
  };
}

/** What a demo buyer is made to do, under its name: a designed failure is not a fault. */
function demoRole(demo: DemoInfo | null, buyer: string): HTMLElement | null {
  const role = demo?.buyers.find((b) => b.id === buyer)?.role;
  return role === undefined ? null : h('span', { class: 'demo-role' }, `demo: ${role}`);
}

function demoBanner(demo: DemoInfo): HTMLElement {
  return h(
    'div',
    { class: 'demo-banner', 'data-demo': 'on' },
    h('b', {}, 'Demo market. '),
    `The buyers below are simulated in this process and seller ${demo.seller} sends a lead every ${demo.every_ms} ms, with a return now and then: what you see is made to show an exchange at work, including buyers built to fail (late, rejecting posts). `,
    'Start with ',
    h('code', {}, 'npm start -- --no-demo'),
    ' (or GAVEL_DEMO=0) for an exchange with no demo traffic.',
  );
}
