import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gavel } from '../../src/gavel.js';
import { screenshot, STORES, type StoreExchange } from '../support/browser-exchange.js';
import { startBuyer, type TestBuyer } from '../support/buyer-server.js';
import { launchChromium } from '../support/chromium.js';
import { ADMIN_KEY, call, fullLead, pingLead, testConfig } from '../support/exchange.js';

/** one Chromium for the file; each store's run opens its own page on it */
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

it('fails, saying how to install it, when there is no Chromium (never skips)', async () => {
  await expect(launchChromium('/nonexistent/chromium')).rejects.toThrow(/No Chromium at \/nonexistent\/chromium[\s\S]*apt-get install -y chromium/);
});

describe.each(STORES)('the operator console in Chromium, on $name', (store) => {
  const buyers: TestBuyer[] = [];
  let x: StoreExchange;
  let g: Gavel;
  let page: Page;

  beforeAll(async () => {
    // three buyers, three fates on the timeline: one bids, one passes, one answers too late
    const b = {
      acme: await startBuyer(() => ({ body: { bid: 9 } })),
      nope: await startBuyer(() => ({ body: { pass: true } })),
      slow: await startBuyer(() => ({ body: { bid: 12 }, delayMs: 120 })),
    };
    buyers.push(...Object.values(b));
    const config = testConfig(
      Object.entries(b).map(([id, s]) => ({ id, url: s.url, ...(id === 'slow' ? { timeout_ms: 40 } : {}) })),
      { tmax_ms: 200 },
    );
    x = await store.start(config);
    g = x.g;
    page = await browser.newPage({ viewport: { width: 1100, height: 720 } });
  });

  afterAll(async () => {
    await page?.close();
    await x?.stop();
    for (const b of buyers) await b.close();
  });

  const consoleUrl = () => `http://127.0.0.1:${g.operatorPort}/console/`;
  const tile = (k: string) => page.locator(`[data-k="${k}"]`);

  async function ping(): Promise<string> {
    const r = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) });
    expect(r.body).toMatchObject({ status: 'bid' });
    return r.body.ping_id as string;
  }

  it('paints the login page within a second and logs in with the operator key, keeping no key in the page', async () => {
    await page.goto(consoleUrl());
    await page.locator('form.login').waitFor();
    // the paint's entry is recorded once the frame is shown, which can come after the form is laid
    // out (a loaded machine, or the second run's page): wait for it, then read when it painted
    const firstPaint = () => page.evaluate(() => performance.getEntriesByType('paint').find((e) => e.name === 'first-contentful-paint')?.startTime ?? null);
    await expect.poll(firstPaint, { timeout: 5000 }).not.toBeNull();
    expect((await firstPaint())!).toBeLessThan(1000);
    await screenshot(store, page, 'console-login');

    await page.fill('#key', 'wrong-key');
    await page.click('form.login button');
    await expect.poll(() => page.locator('form.login .error').textContent()).toContain('UNAUTHORIZED');

    await page.fill('#key', ADMIN_KEY);
    await page.click('form.login button');
    await tile('pings_total').waitFor();
    // the session is an HttpOnly cookie: script cannot read it, and the key is nowhere in the page
    expect(await page.evaluate(() => document.cookie)).toBe('');
    expect(await page.evaluate(() => localStorage.length + sessionStorage.length)).toBe(0);
    expect(await page.content()).not.toContain(ADMIN_KEY);
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'gavel_console')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
  });

  it('shows a ping live on the market page, and each buyer in the table', async () => {
    const before = Number(await tile('pings_total').textContent());
    const lead = fullLead();
    const sold = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(lead) });
    expect((await call(g.port, '/v1/post', { ping_id: sold.body.ping_id, lead })).body).toMatchObject({ status: 'sold', price: 7.2 });
    await ping();
    // pushed by the server within a second or two, no reload
    await expect.poll(async () => Number(await tile('pings_total').textContent()), { timeout: 5000 }).toBe(before + 2);
    await expect.poll(async () => await page.locator('tr[data-buyer]').count(), { timeout: 5000 }).toBe(3);
    await expect.poll(async () => await page.locator('tr[data-buyer="slow"] td').nth(5).textContent(), { timeout: 5000 }).not.toBe('0');
    // a few pings a second from here, for a moving picture, while the sale's money comes in
    const trickle = setInterval(() => void ping().catch(() => undefined), 200);
    const started = Date.now();
    try {
      // the sale's money, from the ledger (the page reads it every 5 s): acme pays its bid of 9, the seller is paid 7.2
      await expect.poll(async () => await tile('revenue').textContent(), { timeout: 8000 }).toBe('9.00');
      expect(await tile('margin').textContent()).toBe('1.80 (20%)');
      await page.waitForTimeout(Math.max(0, 2200 - (Date.now() - started)));
      await screenshot(store, page, 'console-market');
      expect(await tile('pings_per_s').textContent()).not.toBe('0.0');
    } finally {
      clearInterval(trickle);
    }
  });

  it("draws a lead's timeline: each buyer's ping a bar against the deadline, the answer and the ranking", async () => {
    const lead = fullLead();
    const pinged = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(lead) });
    const id = pinged.body.ping_id as string;
    expect((await call(g.port, '/v1/post', { ping_id: id, lead })).body).toMatchObject({ status: 'sold' });
    await page.click('nav a[href="#/leads"]');
    // the list of recent leads, filtered by outcome: the sales only, newest first
    await page.locator('tr[data-lead]').first().waitFor();
    expect(await page.locator('tr[data-lead]').count()).toBeGreaterThan(2);
    await page.fill('input[name="outcome"]', 'sold');
    await page.fill('input[name="buyer"]', 'acme');
    await page.click('form.filters button');
    await expect.poll(async () => await page.locator('tr[data-lead] td:last-child').allTextContents()).toEqual(['sold to acme', 'sold to acme']);
    expect(await page.locator('tr[data-lead]').first().getAttribute('data-lead')).toBe(id);
    await screenshot(store, page, 'console-leads');
    await page.click(`tr[data-lead="${id}"] a`);
    await page.locator('svg.timeline').nth(1).waitFor();
    // two segments: the ping's auction, then the post to its winner
    expect(await page.locator('svg.timeline').count()).toBe(2);
    const bars = page.locator('svg.timeline').first().locator('g.row');
    expect(await bars.count()).toBe(3);
    expect(await page.locator('svg.timeline').first().locator('g.row[data-buyer="acme"] rect.bar.bid').count()).toBe(1);
    expect(await page.locator('svg.timeline').first().locator('g.row[data-buyer="nope"] rect.bar.pass').count()).toBe(1);
    expect(await page.locator('svg.timeline').first().locator('g.row[data-buyer="slow"] rect.bar.timeout').count()).toBe(1);
    expect(await page.locator('svg.timeline .deadline text').first().textContent()).toBe('deadline 200 ms');
    const post = page.locator('svg.timeline').nth(1).locator('g.row');
    expect(await post.count()).toBe(1);
    expect(await post.getAttribute('data-buyer')).toBe('acme');
    expect(await post.locator('text.what').textContent()).toBe('post accepted at 9');
    expect(await page.locator('.decisions').first().textContent()).toContain('1. acme');
    expect(await page.locator('.decisions').first().textContent()).toContain('Hold: acme HELD');
    // the timed-out bar ends near its 40 ms timeout, well before the 200 ms deadline line
    const slow = await page.locator('g.row[data-buyer="slow"] rect').boundingBox();
    const deadline = await page.locator('svg.timeline .deadline line').first().boundingBox();
    expect(slow!.x + slow!.width).toBeLessThan(deadline!.x);
    await screenshot(store, page, 'console-lead-timeline', true);

    expect(await page.inputValue('#lead-id')).toBe(id);
    await page.fill('#lead-id', 'no-such-lead');
    await page.click('form.search button');
    await expect.poll(() => page.locator('.trace .error').textContent()).toContain('LEAD_NOT_FOUND');
  });

  it('logs out: the session ends and the login form comes back', async () => {
    await page.click('header button.link');
    await page.locator('form.login').waitFor();
    const r = await page.evaluate(async () => (await fetch('/v1/console/campaigns')).status);
    expect(r).toBe(401);
  });
});
