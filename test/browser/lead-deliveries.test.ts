import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gavel } from '../../src/gavel.js';
import { screenshot, STORES, type StoreExchange } from '../support/browser-exchange.js';
import { startBuyer, type TestBuyer } from '../support/buyer-server.js';
import { launchChromium } from '../support/chromium.js';
import { ADMIN_KEY, call, fullLead, testConfig } from '../support/exchange.js';
import { startRelay, type TestRelay } from '../support/smtp-relay.js';

const BUYER_KEY = 'buyer-acme-key-0123456789';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe.each(STORES)('deliveries beside the post in Chromium, on $name', (store) => {
  let relay: TestRelay;
  let buyer: TestBuyer;
  let x: StoreExchange;
  let g: Gavel;
  let page: Page;
  let leadId: string;

  beforeAll(async () => {
    relay = await startRelay();
    buyer = await startBuyer(() => ({ body: { bid: 9 } }));
    const config = testConfig([{ id: 'acme', url: buyer.url }]);
    Object.assign(config.buyers[0]!, { key: BUYER_KEY, email: { to: ['leads@acme.test'], subject: 'Lead {{lead_id}}' } });
    x = await store.start({ ...config, smtp: { host: relay.host, port: relay.port, user: relay.user, password: relay.password, from: 'leads@gavel.test', tls_ca: relay.ca } } as never);
    g = x.g;
    page = await browser.newPage({ viewport: { width: 1100, height: 720 } });
    const sold = await call(g.port, '/v1/leads', { campaign: 'auto', lead: fullLead() });
    expect(sold.body.status).toBe('sold');
    leadId = sold.body.lead_id as string;
    await relay.waitFor(1);
  });

  afterAll(async () => {
    await page?.close();
    await x?.stop();
    await buyer?.close();
    await relay?.close();
  });

  it("shows the operator a lead's e-mail among its deliveries, with its state and tries", async () => {
    await page.goto(`http://127.0.0.1:${g.operatorPort}/console/`);
    await page.fill('#key', ADMIN_KEY);
    await page.click('form.login button');
    await page.locator('nav').waitFor();
    await page.goto(`http://127.0.0.1:${g.operatorPort}/console/#/leads/${leadId}`);
    const row = page.locator('table.deliveries tr[data-buyer="acme"][data-channel="email"]');
    await expect.poll(async () => { await page.reload(); return row.locator('td.state').textContent(); }, { timeout: 10_000 }).toBe('delivered');
    expect(await row.locator('td.num').textContent()).toBe('1');
    await screenshot(store, page, 'console-lead-deliveries', true);
  });

  it('shows the buyer its e-mail among its deliveries in its portal', async () => {
    await page.goto(`http://127.0.0.1:${g.port}/portal/`);
    await page.fill('#key', BUYER_KEY);
    await page.click('form.login button');
    await page.locator('header .who').waitFor();
    await page.click('nav a[href="#/notices"]');
    expect(await page.locator('h2').textContent()).toBe('Deliveries');
    const row = page.locator(`table.notices tr[data-lead="${leadId}"]`);
    await expect.poll(() => row.locator('td').first().textContent(), { timeout: 10_000 }).toBe('lead.email');
    expect(await row.locator('td.state').textContent()).toBe('delivered');
    await screenshot(store, page, 'portal-deliveries');
    // and on the lead's own page, beside its part of the auction
    await page.goto(`http://127.0.0.1:${g.port}/portal/#/leads/${leadId}`);
    await expect.poll(() => page.locator('[data-k="delivery-email"]').textContent(), { timeout: 10_000 }).toBe('delivered after 1 try');
    expect(await page.locator('[data-k="outcome"]').textContent()).toBe('won at 9.00');
  });
});
