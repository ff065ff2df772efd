import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { armOf } from '../../src/config/experiment-arm.js';
import type { Gavel } from '../../src/gavel.js';
import { admin } from '../support/admin-api.js';
import { screenshot, STORES, type StoreExchange } from '../support/browser-exchange.js';
import { startBuyer, type TestBuyer } from '../support/buyer-server.js';
import { launchChromium } from '../support/chromium.js';
import { ADMIN_KEY, call, fullLead, pingLead, testConfig } from '../support/exchange.js';

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

/** arm `high`'s floor: the bids of leads aged under 50 fall under it */
const HIGH_FLOOR = 5;

describe.each(STORES)("the console's experiments in Chromium, on $name", (store) => {
  let buyer: TestBuyer;
  let x: StoreExchange;
  let g: Gavel;
  let page: Page;
  /** a lead posted under arm `high` */
  let highLead = '';
  /** what Chromium refused under the console's CSP */
  const violations: string[] = [];

  beforeAll(async () => {
    // the bid is the lead's age over ten: 2 to 7.9; every post is taken
    buyer = await startBuyer((c) => ({ body: { bid: Number((c.body.lead as { age: number }).age) / 10 } }));
    const config = testConfig([{ id: 'acme', url: buyer.url, timeout_ms: 800 }], {
      tmax_ms: 1000,
      floor: 0,
      experiment: { id: 'floor-test', arms: [{ name: 'control', share: 50 }, { name: 'high', share: 50, floor: HIGH_FLOOR }] },
    });
    x = await store.start(config);
    g = x.g;
    for (let i = 0; i < 60; i++) {
      const lead = fullLead({ age: 20 + ((i * 7) % 60) });
      const ping = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(lead) });
      if (ping.body.status === 'bid') expect((await call(g.port, '/v1/post', { ping_id: ping.body.ping_id, lead })).body.status).toBe('sold');
      if (ping.body.status === 'bid' && highLead === '' && armOf(g.runtime.campaigns.get('auto')!, ping.body.ping_id) === 'high') highLead = ping.body.ping_id;
    }
    await g.stats.flush();
    await g.ledgerWriter.drain(5000);
  });

  afterAll(async () => {
    await page?.close();
    await x?.stop();
    await buyer?.close();
  });

  it("shows each arm's figures as the API reports them, and whether the difference is significant", async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/.test(m.text())) violations.push(m.text());
    });
    await page.goto(`http://127.0.0.1:${g.operatorPort}/console/`);
    await page.fill('#key', ADMIN_KEY);
    await page.click('form.login button');
    await page.locator('[data-k="pings_total"]').waitFor();
    await page.click('nav a[href="#/reports"]');
    const card = page.locator('section.experiment[data-campaign="auto"]');
    await card.waitFor();
    const report = (await admin(g, 'GET', '/v1/admin/experiments/auto')).body;
    expect(await card.locator('h4').textContent()).toBe('auto: test floor-test');
    expect(await card.locator('p.muted').textContent()).toContain(`running since version ${report.running_since.version}`);
    for (const arm of report.arms) {
      const row = card.locator(`tr[data-arm="${arm.name}"]`);
      expect(await row.locator('td[data-col="leads"]').textContent()).toBe(String(arm.leads));
      expect(await row.locator('td[data-col="sold"]').textContent()).toBe(String(arm.sold));
      expect(await row.locator('td[data-col="revenue"]').textContent()).toBe(arm.revenue.toFixed(2));
      expect(await row.locator('td[data-col="margin / lead (95% CI)"]').textContent()).toBe(
        `${arm.margin_per_lead.toFixed(3)} (${arm.margin_per_lead_ci.low.toFixed(3)} – ${arm.margin_per_lead_ci.high.toFixed(3)})`,
      );
      expect(await row.locator('td[data-col="fill (95% CI)"]').textContent()).toMatch(/^\d+% \(\d+% – \d+%\)$/);
    }
    // the first arm is the baseline the others are compared with
    expect(await card.locator('tr[data-arm="control"] td[data-col="arm"] .pill').textContent()).toBe('baseline');
    expect(await card.locator('tr[data-arm="high"] td[data-col="arm"] .pill').count()).toBe(0);
    expect(await card.locator('tr[data-arm="high"] td[data-col="sets"]').textContent()).toBe(`floor ${HIGH_FLOOR}`);
    expect(await card.locator('tr[data-arm="control"] td[data-col="fill (95% CI)"]').textContent()).toMatch(/^100% /);
    // the line says whether the difference is significant, as the API judged it
    const verdict = card.locator('[data-k="verdict"]');
    expect(await verdict.getAttribute('class')).toContain(report.significant ? 'significant' : 'not-significant');
    expect(await verdict.locator('p').textContent()).toContain(report.significant ? 'is significant at 0.05' : 'No difference is significant');
    expect(await verdict.locator('li[data-arm="high"]').textContent()).toContain('high against control: fill −');
    await card.scrollIntoViewIfNeeded();
    await screenshot(store, page, 'console-experiments', true);
  });

  it("a lead's trace names its arm, on the ping and on the post", async () => {
    await page.goto(`http://127.0.0.1:${g.operatorPort}/console/#/leads/${highLead}`);
    const arms = page.locator('[data-k="arm"]');
    await arms.first().waitFor();
    expect(await arms.allTextContents()).toEqual(['A/B arm: high (test floor-test)', 'A/B arm: high (test floor-test)']);
    await page.goto(`http://127.0.0.1:${g.operatorPort}/console/#/reports`);
    await page.locator('section.experiment[data-campaign="auto"]').waitFor();
  });

  it('ending the test publishes the chosen arm after a confirm: the campaign takes its floor and loses the test', async () => {
    const card = page.locator('section.experiment[data-campaign="auto"]');
    const before = (await admin(g, 'GET', '/v1/admin/config')).body.version as number;
    await card.locator('button[data-action="end"][data-arm="high"]').click();
    // nothing is published before the confirm; cancel goes back
    expect(await card.locator('.confirm').textContent()).toContain('End test floor-test and publish arm high (floor 5)');
    await card.locator('.confirm button.secondary').click();
    expect(await card.locator('.confirm').count()).toBe(0);
    expect((await admin(g, 'GET', '/v1/admin/config')).body.version).toBe(before);
    await card.locator('button[data-action="end"][data-arm="high"]').click();
    await card.locator('button[data-action="end-confirm"]').click();
    const notice = page.locator('.experiments-notice .notice.ok');
    await notice.waitFor();
    expect(await notice.textContent()).toBe(`Version ${before + 1} published: campaign auto now runs arm high's settings (floor 5), and test floor-test has ended.`);
    await page.locator('[data-k="no-experiments"]').waitFor();
    const live = (await admin(g, 'GET', '/v1/admin/config')).body;
    expect(live.version).toBe(before + 1);
    expect(live.document.campaigns[0].floor).toBe(HIGH_FLOOR);
    expect(live.document.campaigns[0]).not.toHaveProperty('experiment');
    expect(violations).toEqual([]);
  });
});
