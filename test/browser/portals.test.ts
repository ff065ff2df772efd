import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gavel } from '../../src/gavel.js';
import { screenshot, STORES, type StoreExchange } from '../support/browser-exchange.js';
import { startBuyer, type TestBuyer } from '../support/buyer-server.js';
import { launchChromium } from '../support/chromium.js';
import { ADMIN_KEY, call, fullLead, pingLead, SELLER_KEY, testConfig, TEST_FIELDS } from '../support/exchange.js';

/**
 * The buyers' and sellers' portal in a real Chromium, on the public listener of an exchange with
 * two sellers and two buyers kept apart by campaign: seller pub1 sends campaign auto, which
 * buyer north buys (and rival, when the consumer is 60 or over); seller pub2 sends auto2, which
 * buyer south buys. Each party's portal must show its own leads and nothing of the other side's.
 */
const OTHER_SELLER_KEY = 'seller-pub2-key-0123456789';
const buyerKey = (id: string) => `buyer-${id}-key-0123456789`;
/** one Chromium for the file; each store's run opens its own page on it */
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

/** Every answer the page's session can get from the public listener, asking for its own data and for the other side's. */
async function everyAnswer(p: Page, others: string[]): Promise<string> {
  const paths = [
    '/v1/session',
    '/v1/sales?limit=1000',
    '/v1/sales?buyer=south&seller=pub2&limit=1000',
    '/v1/caps',
    '/v1/caps?buyer=south',
    '/v1/returns',
    '/v1/returns?buyer=south',
    '/v1/postbacks',
    '/v1/postbacks?party=buyer:south',
    '/v1/postbacks?party=seller:pub2',
    '/v1/leads?limit=1000',
    '/v1/leads?buyer=south&seller=pub2&limit=1000',
    '/v1/spec',
    `/v1/reports?from=${new Date(Date.now() - 86_400_000).toISOString()}&to=${new Date(Date.now() + 3_600_000).toISOString()}&group_by=buyer`,
    ...others.map((id) => `/v1/leads/${id}`),
  ];
  const answers = await p.evaluate(
    async (list) =>
      Promise.all(
        list.map(async (path) => {
          const res = await fetch(path);
          return { path, status: res.status, text: await res.text() };
        }),
      ),
    paths,
  );
  // the other side's leads, by id, do not exist for this session
  for (const a of answers) if (a.path.startsWith('/v1/leads/')) expect(a.status, a.path).toBe(404);
  // the answers only: the paths asked name the other side themselves
  return answers.map((a) => a.text).join('\n');
}

describe.each(STORES)("the buyers' and sellers' portal in Chromium, on $name", (store) => {
  const servers: TestBuyer[] = [];
  let x: StoreExchange;
  let g: Gavel;
  let page: Page;
  let postbackTries = 0;
  /** what each side sold: north's and south's lead ids, and the lead north lost to rival */
  const north: string[] = [];
  const south: string[] = [];
  let lost = '';

  const portal = () => `http://127.0.0.1:${g.port}/portal/`;
  const pub = (path: string) => `http://127.0.0.1:${g.port}${path}`;

  async function sell(key: string, campaign: string, age: number): Promise<string> {
    const lead = fullLead({ age });
    const auth = { authorization: `Bearer ${key}` };
    const ping = await call(g.port, '/v1/ping', { campaign, lead: pingLead(lead) }, auth);
    expect(ping.body).toMatchObject({ status: 'bid' });
    expect((await call(g.port, '/v1/post', { ping_id: ping.body.ping_id, lead }, auth)).body).toMatchObject({ status: 'sold' });
    return ping.body.ping_id as string;
  }

  /** The ledger's sales of a buyer, read with its key: sales reach the ledger a moment after the answer. */
  async function salesOf(buyer: string): Promise<string[]> {
    const res = await fetch(pub('/v1/sales?limit=1000'), { headers: { authorization: `Bearer ${buyerKey(buyer)}` } });
    return ((await res.json()) as { sales: { lead_id: string }[] }).sales.map((s) => s.lead_id);
  }

  /** Wait (10 s at most) until the ledger holds exactly these sales of the buyer. */
  async function ledgerHas(buyer: string, ids: string[]): Promise<void> {
    const want = JSON.stringify([...ids].sort());
    for (let t = Date.now(); Date.now() - t < 10_000; await new Promise((r) => setTimeout(r, 50))) if (JSON.stringify((await salesOf(buyer)).sort()) === want) return;
    throw new Error(`the ledger does not hold ${buyer}'s sales ${want}: ${JSON.stringify(await salesOf(buyer))}`);
  }

  beforeAll(async () => {
    const b = {
      north: await startBuyer(() => ({ body: { bid: 9 } })),
      south: await startBuyer(() => ({ body: { bid: 6 } })),
      rival: await startBuyer((c) => ({ body: Number((c.body.lead as { age?: number } | undefined)?.age) >= 60 ? { bid: 12 } : { pass: true } })),
    };
    // where pub1's postbacks and north's loss notices go: the first postback is refused once, so a retry shows
    const receiver = await startBuyer(
      () => ({ body: {} }),
      () => (++postbackTries === 1 ? { status: 500, body: { error: 'busy' } } : { body: { ok: true } }),
    );
    servers.push(...Object.values(b), receiver);
    const config = testConfig([
      { id: 'north', url: b.north.url, caps: { daily: 50, daily_budget: 500, rolling: [{ window: '60m', max: 5 }] }, campaign_caps: { auto: { daily: 20 } } },
      { id: 'south', url: b.south.url },
      { id: 'rival', url: b.rival.url },
    ]);
    config.campaigns = [...config.campaigns, { id: 'auto2', tmax_ms: 150, margin: 0.2, floor: 1.0, fields: TEST_FIELDS }];
    config.sellers = [
      { id: 'pub1', api_key: SELLER_KEY, campaigns: ['auto'], postback: { url: `${receiver.url}/postback`, secret: 'postback-secret-0123456789' } },
      { id: 'pub2', api_key: OTHER_SELLER_KEY, campaigns: ['auto2'] },
    ];
    config.buyers = config.buyers.map((buyer) =>
      buyer.id === 'north'
        ? { ...buyer, key: buyerKey('north'), accepts_test: true, loss_notices: { url: `${receiver.url}/lost`, secret: 'loss-secret-0123456789' } }
        : buyer.id === 'south'
          ? { ...buyer, key: buyerKey('south'), campaigns: ['auto2'] }
          : buyer,
    );
    config.trace = { flush_ms: 10 };
    x = await store.start(config);
    g = x.g;
    for (let i = 0; i < 3; i++) north.push(await sell(SELLER_KEY, 'auto', 40));
    lost = await sell(SELLER_KEY, 'auto', 70);
    for (let i = 0; i < 2; i++) south.push(await sell(OTHER_SELLER_KEY, 'auto2', 40));
    await ledgerHas('north', north);
    await ledgerHas('south', south);
    page = await browser.newPage({ viewport: { width: 1180, height: 760 } });
  });

  afterAll(async () => {
    await page?.close();
    await x?.stop();
    for (const s of servers) await s.close();
  });

  it('is served on the public listener only, with the strict CSP, paints within a second, and tells the operator key where the console is', async () => {
    const res = await fetch(portal());
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect((await fetch(`http://127.0.0.1:${g.operatorPort}/portal/`)).status).toBe(404);
    expect((await fetch(pub('/console/'))).status).toBe(404);

    await page.goto(portal());
    await page.locator('form.login').waitFor();
    // pages stay fast: first paint on localhost under a second (recorded once the frame is shown)
    const firstPaint = () => page.evaluate(() => performance.getEntriesByType('paint').find((e) => e.name === 'first-contentful-paint')?.startTime ?? null);
    await expect.poll(firstPaint, { timeout: 5000 }).not.toBeNull();
    expect((await firstPaint())!).toBeLessThan(1000);
    await page.fill('#key', 'not-a-key');
    await page.click('form.login button');
    await expect.poll(() => page.locator('form.login .error').textContent()).toContain('UNAUTHORIZED');
    await page.fill('#key', ADMIN_KEY);
    await page.click('form.login button');
    await expect.poll(() => page.locator('form.login .error').textContent()).toContain('operator listener');
    expect(await page.locator('form.login .error').textContent()).toContain('/console/');
    await screenshot(store, page, 'portal-login');
  });

  it("shows a buyer its own leads only, its part of a lead's trace, its caps and its spend", async () => {
    await page.fill('#key', buyerKey('north'));
    await page.click('form.login button');
    await page.locator('header .who').waitFor();
    expect(await page.locator('header .who').textContent()).toBe('buyer north');
    // the key is nowhere in the page, the session cookie out of script's reach
    expect(await page.evaluate(() => document.cookie)).toBe('');
    expect(await page.content()).not.toContain(buyerKey('north'));
    expect((await page.context().cookies()).find((c) => c.name === 'gavel_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });

    await page.locator('tr[data-lead]').first().waitFor();
    const listed = await page.locator('tr[data-lead]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-lead')!));
    for (const id of north) expect(listed).toContain(id);
    for (const id of south) expect(listed).not.toContain(id);
    for (const id of south) expect(await page.content()).not.toContain(id);
    await screenshot(store, page, 'portal-buyer');

    // a lead it bought: its own ping drawn, won at its bid
    await page.click(`tr[data-lead="${north[0]}"] a`);
    await expect.poll(() => page.locator('[data-k="outcome"]').textContent()).toBe('won at 9.00');
    expect(await page.locator('svg.timeline g.row rect.bar.bid').count()).toBe(1);
    // a lead it lost: why, and what it took to win, never who won
    await page.goto(`${portal()}#/leads/${lost}`);
    await expect.poll(() => page.locator('[data-k="outcome"]').textContent()).toBe('lost: OUTBID');
    expect(await page.locator('[data-k="clearing"]').textContent()).toBe('12.00');
    expect(await page.content()).not.toContain('rival');
    await screenshot(store, page, 'portal-buyer-lead');

    await page.click('nav a[href="#/caps"]');
    await page.locator('tr[data-window]').first().waitFor();
    const day = page.locator('tr[data-window^="d:"]');
    expect(await day.locator('td').nth(2).textContent()).toBe('3 of 50');
    expect(await day.locator('td').nth(4).textContent()).toBe('27.00 of 500.00');
    expect(await day.locator('svg.cap-bar').count()).toBe(2);
    // its caps in one campaign, and a rolling window, each against its own limit
    expect(await page.locator('tr[data-window^="c:auto:d:"] td').nth(2).textContent()).toBe('3 of 20');
    expect(await page.locator('tr[data-window="r:60m"] td').nth(2).textContent()).toBe('3 of 5');
    await screenshot(store, page, 'portal-caps');

    await page.click('nav a[href="#/spend"]');
    await expect.poll(() => page.locator('[data-k="spend_today"]').textContent()).toBe('27.00');
    expect(await page.locator('[data-k="sold_30d"]').textContent()).toBe('3');
    expect((await page.locator('table.sales tr[data-lead]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-lead')))).sort()).toEqual([...north].sort());
    for (const id of south) expect(await page.content()).not.toContain(id);
    await screenshot(store, page, 'portal-spend', true);
  });

  it('files a return for a lead the buyer bought and shows it pending', async () => {
    await page.click('nav a[href="#/returns"]');
    await page.locator(`#return-lead option[value="${north[1]}"]`).waitFor({ state: 'attached' });
    // only its own purchases are offered
    const offered = await page.locator('#return-lead option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value).filter((v) => v !== ''));
    expect(offered.sort()).toEqual([...north].sort());
    await page.selectOption('#return-lead', north[1]!);
    await page.fill('#return-reason', 'WRONG_NUMBER');
    await page.click('form.return-form button');
    await expect.poll(() => page.locator('form.return-form [role="status"]').textContent()).toContain('pending');
    await expect.poll(() => page.locator(`table.returns tr[data-lead="${north[1]}"] td.status`).textContent()).toBe('pending');
    // returned once: not offered again
    expect(await page.locator(`#return-lead option[value="${north[1]}"]`).count()).toBe(0);
    await screenshot(store, page, 'portal-returns');
  });

  it('shows the buyer its loss notices, and no answer its session can get names the other side', async () => {
    await page.click('nav a[href="#/notices"]');
    await expect.poll(() => page.locator(`tr[data-lead="${lost}"] td`).first().textContent(), { timeout: 10_000 }).toBe('lead.lost');
    await expect.poll(async () => { await page.reload(); return page.locator(`tr[data-lead="${lost}"] td.state`).textContent(); }, { timeout: 10_000 }).toBe('delivered');
    await screenshot(store, page, 'portal-loss-notices');

    const all = await everyAnswer(page, south);
    for (const id of south) expect(all).not.toContain(id);
    expect(all).not.toContain('south');
    expect(all).not.toContain('pub2');
  });

  it('refuses a seller call made with the session cookie from another site, and takes it from the same origin', async () => {
    const login = await fetch(pub('/v1/session'), { method: 'POST', headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' }, body: JSON.stringify({ key: SELLER_KEY }) });
    const cookie = /^(gavel_session=[^;]+);/.exec(login.headers.get('set-cookie')!)![1]!;
    const ping = (headers: Record<string, string>) =>
      fetch(pub('/v1/ping'), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ campaign: 'auto', lead: pingLead(fullLead({ age: 30 })) }) });
    const sites: Record<string, string>[] = [{ 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, { origin: 'http://evil.example' }, {}];
    for (const site of sites) {
      const r = await ping({ cookie, ...site });
      expect(r.status, JSON.stringify(site)).toBe(403);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
    }
    const same = await ping({ cookie, 'sec-fetch-site': 'same-origin' });
    expect(same.status).toBe(200);
    expect(await same.json()).toMatchObject({ status: 'bid' });
    // an ended session, and no credential at all: 401
    expect((await ping({ cookie: 'gavel_session=made-up', 'sec-fetch-site': 'same-origin' })).status).toBe(401);
    expect((await ping({ 'sec-fetch-site': 'same-origin' })).status).toBe(401);
    // a buyer's session is no seller
    const buyer = await fetch(pub('/v1/session'), { method: 'POST', headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' }, body: JSON.stringify({ key: buyerKey('north') }) });
    expect((await ping({ cookie: /^(gavel_session=[^;]+);/.exec(buyer.headers.get('set-cookie')!)![1]!, 'sec-fetch-site': 'same-origin' })).status).toBe(401);
  });

  it('shows a seller its own leads and its postbacks, and sends a test lead from its spec page', async () => {
    await page.click('header button.link');
    await page.locator('form.login').waitFor();
    await page.fill('#key', SELLER_KEY);
    await page.click('form.login button');
    await page.locator('header .who').waitFor();
    expect(await page.locator('header .who').textContent()).toBe('seller pub1');
    await page.locator('tr[data-lead]').first().waitFor();
    const listed = await page.locator('tr[data-lead]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-lead')!));
    for (const id of [...north, lost]) expect(listed).toContain(id);
    for (const id of south) expect(listed).not.toContain(id);
    for (const id of south) expect(await page.content()).not.toContain(id);
    await screenshot(store, page, 'portal-seller-leads');

    await page.click('nav a[href="#/postbacks"]');
    await page.locator('table.notices tr[data-lead]').first().waitFor({ timeout: 10_000 });
    await expect.poll(async () => { await page.reload(); return page.locator('table.notices td.state.delivered').count(); }, { timeout: 10_000 }).toBe(4);
    // the first try was refused and retried: its attempts say so
    expect(await page.locator('table.notices td.num').evaluateAll((cells) => cells.map((c) => Number(c.textContent)))).toContain(2);
    await screenshot(store, page, 'portal-seller-postbacks');

    await page.click('nav a[href="#/spec"]');
    await page.locator('section.campaign').first().waitFor();
    // its own campaign only, with which fields go in the ping and which are personal
    expect(await page.locator('section.campaign').evaluateAll((s) => s.map((x) => x.getAttribute('data-campaign')))).toEqual(['auto']);
    expect(await page.locator('tr[data-field="zip"] .tag.ping').count()).toBe(1);
    expect(await page.locator('tr[data-field="phone"] .tag.pii').count()).toBe(1);
    expect(await page.locator('[data-k="tmax_auto"]').textContent()).toBe('150 ms');
    // the form is the spec's example
    expect(await page.inputValue('#lead-phone')).toBe('5550102000');
    expect(await page.inputValue('#lead-state')).toBe('CA');
    await page.click('form.test-lead button[type="submit"]');
    await expect.poll(() => page.locator('[data-k="ping_status"]').textContent()).toBe('bid');
    await expect.poll(() => page.locator('[data-k="post_status"]').textContent()).toBe('sold');
    expect(await page.locator('.answer[data-step="post"] pre').textContent()).toContain('"price"');
    await screenshot(store, page, 'portal-seller-spec', true);

    // the test lead is the seller's: its trace opens from the answer
    await page.click('.answers a');
    await expect.poll(() => page.locator('[data-k="outcome"]').textContent()).toMatch(/^sold at /);
    expect(await page.locator('section.call').count()).toBe(2);
    await screenshot(store, page, 'portal-seller-lead', true);

    const all = await everyAnswer(page, south);
    for (const id of south) expect(all).not.toContain(id);
    expect(all).not.toContain('pub2');
  });
});
