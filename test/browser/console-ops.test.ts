import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gavel } from '../../src/gavel.js';
import { admin } from '../support/admin-api.js';
import { screenshot, STORES, type StoreExchange } from '../support/browser-exchange.js';
import { startBuyer, type TestBuyer } from '../support/buyer-server.js';
import { launchChromium } from '../support/chromium.js';
import { ADMIN_KEY, call, fullLead, pingLead, startExchange, stopExchange, testConfig } from '../support/exchange.js';

const BUYER_KEY = 'buyer-acme-key-0123456789';
/** one Chromium for the file; each run opens its own pages on it */
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

/** a page logged in as the operator on an exchange's console; what Chromium refuses under the CSP goes to `violations` */
async function operatorPage(x: Gavel, violations: string[], key = ADMIN_KEY): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1180, height: 820 } });
  // no page may break the CSP: a violation would mean an inline style or script slipped in
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/.test(m.text())) violations.push(m.text());
  });
  await page.goto(`http://127.0.0.1:${x.operatorPort}/console/`);
  await page.fill('#key', key);
  await page.click('form.login button');
  await page.locator('[data-k="pings_total"]').waitFor();
  return page;
}

/**
 * The keys page on a configuration that is really read-only: a file, on an exchange started
 * without versions (the embedded default and Redis + PostgreSQL both keep writable versions).
 */
describe('the keys page on a read-only configuration', () => {
  let g: Gavel;
  let page: Page;
  const violations: string[] = [];

  beforeAll(async () => {
    // no call reaches a buyer here: the page is only asked to issue a key
    g = await startExchange(testConfig([{ id: 'acme', url: 'http://127.0.0.1:9' }]), 'memory');
    page = await operatorPage(g, violations);
  });

  afterAll(async () => {
    if (g) await stopExchange(g);
  });

  it('says what CONFIG_READ_ONLY means when the configuration is a file', async () => {
    await page.click('nav a[href="#/keys"]');
    await page.locator('tr[data-key-id]').first().waitFor();
    await page.selectOption('select[name="party"]', 'seller');
    await page.click('form.issue button[type="submit"]');
    const notice = page.locator('.notice[data-code="CONFIG_READ_ONLY"]');
    await notice.waitFor();
    expect(await notice.textContent()).toContain('reads its configuration from a file');
    expect(await notice.textContent()).toContain('PostgreSQL');
    expect(await page.locator('code.new-key').count()).toBe(0);
    await page.close();
    expect(violations).toEqual([]);
  });
});

describe.each(STORES)("the console's returns, reports and keys in Chromium, on $name", (store) => {
  let acme: TestBuyer;
  let bolt: TestBuyer;
  /** one exchange for the returns, the reports and the keys: on both stores its configuration's versions are writable */
  let x: StoreExchange;
  let g: Gavel;
  /** what Chromium refused under the console's CSP: an inline style or script would land here */
  const violations: string[] = [];
  /** the operator's page of the returns and the reports */
  let page: Page;
  /** acme's purchases, returned in turn */
  const sold: string[] = [];

  beforeAll(async () => {
    // acme bids 9 and takes every post; bolt bids 6, so acme wins each lead
    acme = await startBuyer(() => ({ body: { bid: 9 } }));
    bolt = await startBuyer(() => ({ body: { bid: 6 } }));
    const config = testConfig([
      { id: 'acme', url: acme.url },
      { id: 'bolt', url: bolt.url },
    ]);
    (config.buyers[0] as Record<string, unknown>).key = BUYER_KEY;
    x = await store.start(config);
    g = x.g;
  });

  afterAll(async () => {
    await page?.close();
    await x?.stop();
    await acme?.close();
    await bolt?.close();
  });

  const operatorPageOf = (on: Gavel, key = ADMIN_KEY) => operatorPage(on, violations, key);

  /** a lead sold the seller's way, ping then post: acme buys it at its bid of 9 */
  async function sell(): Promise<string> {
    const lead = fullLead();
    const pinged = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(lead) });
    expect(pinged.body).toMatchObject({ status: 'bid' });
    const posted = await call(g.port, '/v1/post', { ping_id: pinged.body.ping_id, lead });
    expect(posted.body).toMatchObject({ status: 'sold' });
    return posted.body.lead_id as string;
  }

  /** acme files a return with its own key, on the public listener */
  async function fileReturn(leadId: string, reason: string): Promise<{ id: string; status: string }> {
    const r = await call(g.port, '/v1/returns', { lead_id: leadId, reason }, { authorization: `Bearer ${BUYER_KEY}` });
    expect(r.status).toBe(201);
    return r.body;
  }

  async function returnStatus(id: string): Promise<string | undefined> {
    const res = await fetch(`http://127.0.0.1:${g.operatorPort}/v1/returns`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    const list = ((await res.json()) as { returns: { id: string; status: string }[] }).returns;
    return list.find((r) => r.id === id)?.status;
  }

  it('approves a return and denies another from the queue; the API then says approved and denied', async () => {
    sold.push(await sell(), await sell(), await sell());
    await g.ledgerWriter.drain(5000);
    const first = await fileReturn(sold[0]!, 'wrong number');
    const second = await fileReturn(sold[1]!, 'duplicate of an earlier lead');
    expect([first.status, second.status]).toEqual(['pending', 'pending']);
    // the buyer sees its own return without the seller's side of the money
    const own = await fetch(`http://127.0.0.1:${g.port}/v1/returns`, { headers: { authorization: `Bearer ${BUYER_KEY}` } });
    expect(((await own.json()) as { returns: Record<string, unknown>[] }).returns.every((r) => r.payout === undefined && r.seller === undefined)).toBe(true);

    page = await operatorPageOf(g);
    await page.click('nav a[href="#/returns"]');
    const row = (id: string) => page.locator(`tr[data-return="${id}"]`);
    await row(first.id).waitFor();
    expect(await page.locator('tr[data-return]').count()).toBe(2);
    expect(await row(first.id).locator('td').nth(1).textContent()).toBe('acme');
    expect(await row(first.id).locator('td.reason').textContent()).toBe('wrong number');
    expect(await row(first.id).locator('td.num').first().textContent()).toBe('9.00');
    expect(await page.locator('[data-k="returns-summary"]').textContent()).toBe('2 pending returns, 18.00 in price');

    await row(first.id).locator('button[data-action="approve"]').click();
    await expect.poll(() => row(first.id).getAttribute('data-status')).toBe('approved');
    // the queue as the operator sees it mid-way: one just approved, one still to decide
    await screenshot(store, page, 'console-returns', true);
    expect(await row(first.id).locator('[data-k="status"]').textContent()).toBe('approved');
    expect(await row(first.id).locator('button').count()).toBe(0);
    expect(await page.locator('[data-k="returns-summary"]').textContent()).toBe('1 pending return, 9.00 in price · 1 decided just now');
    expect(await returnStatus(first.id)).toBe('approved');

    await row(second.id).locator('button[data-action="deny"]').click();
    await expect.poll(() => row(second.id).getAttribute('data-status')).toBe('denied');
    expect(await returnStatus(second.id)).toBe('denied');

    // the queue is empty now; the approved tab lists the first, the denied one the second
    await page.click('.tabs a[data-status="pending"]');
    await page.locator('td.empty').waitFor();
    await page.click('.tabs a[data-status="approved"]');
    await row(first.id).waitFor();
    expect(await page.locator('tr[data-return]').count()).toBe(1);
    await page.click('.tabs a[data-status="denied"]');
    await row(second.id).waitFor();
    expect(await page.locator('tr[data-return]').count()).toBe(1);
  });

  it('shows a refused decision in its row with its code', async () => {
    const third = await fileReturn(sold[2]!, 'not interested');
    await page.click('.tabs a[data-status="pending"]');
    const row = page.locator(`tr[data-return="${third.id}"]`);
    await row.waitFor();
    // decided behind the page's back: the page's Approve then meets RETURN_DECIDED
    const res = await fetch(`http://127.0.0.1:${g.operatorPort}/v1/returns/${third.id}/deny`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(res.status).toBe(200);
    await row.locator('button[data-action="approve"]').click();
    await expect.poll(() => row.locator('.error').textContent()).toContain('RETURN_DECIDED');
    expect(await returnStatus(third.id)).toBe('denied');
  });

  it("draws the sales' revenue, payout and margin by buyer and by day, in the charts and the table", async () => {
    await g.stats.flush();
    await g.ledgerWriter.drain(5000);
    await page.click('nav a[href="#/reports"]');
    // the default: the last 7 days, by campaign
    await page.locator('table.report-table tr[data-key="auto"]').waitFor();
    const today = new Date().toISOString().slice(0, 10);
    expect(await page.inputValue('input[name="to"]')).toBe(today);
    expect(await page.inputValue('input[name="from"]')).toBe(new Date(Date.now() - 6 * 86_400_000).toISOString().slice(0, 10));
    // three sales at 9; one return approved credits 9 back: revenue stays the sales', credits beside it
    expect(await page.locator('[data-k="revenue"]').textContent()).toBe('27.00');
    expect(await page.locator('[data-k="payout"]').textContent()).toBe('21.60');
    expect(await page.locator('[data-k="fill"]').textContent()).toBe('100%');
    expect(await page.locator('[data-k="returns"]').textContent()).toBe('1 · 9.00');
    expect(await page.locator('[data-k="span"]').textContent()).toMatch(/ – \d+ \w+ \d{4} \(UTC days\)$/);

    await page.selectOption('select[name="group_by"]', 'buyer');
    await page.click('form.report-range button[type="submit"]');
    const acmeRow = page.locator('table.report-table tr[data-key="acme"]');
    await acmeRow.waitFor();
    // by buyer, fill is still of the leads received: each lead reached both buyers, and counts once
    expect(await page.locator('[data-k="fill"]').textContent()).toBe('100%');
    expect(await acmeRow.locator('td[data-col="revenue"]').textContent()).toBe('27.00');
    expect(await acmeRow.locator('td[data-col="margin"]').textContent()).toBe('5.40');
    expect(await acmeRow.locator('td[data-col="sold"]').textContent()).toBe('3');
    // bolt bid on every lead and bought none: in the table and the fill chart at 0%
    expect(await page.locator('table.report-table tr[data-key="bolt"] td[data-col="revenue"]').textContent()).toBe('0.00');
    const bars = page.locator('svg.chart.bars g.group[data-key="acme"]');
    expect(await bars.locator('rect[data-series="revenue"]').getAttribute('data-value')).toBe('27');
    expect(await bars.locator('rect[data-series="margin"]').getAttribute('data-value')).toBe('5.4');
    expect(await bars.locator('text.value').first().textContent()).toBe('27.00');
    // the revenue bar is drawn to scale: taller than the margin bar by the ratio of the two
    const rev = (await bars.locator('rect[data-series="revenue"]').boundingBox())!;
    const mar = (await bars.locator('rect[data-series="margin"]').boundingBox())!;
    expect(rev.height / mar.height).toBeCloseTo(27 / 5.4, 1);
    expect(await page.locator('svg.chart.shares g.row[data-key="acme"] text.value').textContent()).toBe('100%');
    expect(await page.locator('svg.chart.shares g.row[data-key="bolt"] text.value').textContent()).toBe('0%');
    // the day line: seven days, today's point the sales' revenue, the others zero
    const points = page.locator('svg.chart.line g.point');
    expect(await points.count()).toBe(7);
    expect(await page.locator(`svg.chart.line g.point[data-key="${today}"] circle`).getAttribute('data-value')).toBe('27');
    expect(await page.locator('svg.chart.line .axis-title').allTextContents()).toEqual(['day (UTC)', 'revenue']);
    expect(await page.locator('svg.chart.bars .axis-title').allTextContents()).toEqual(['buyer', 'money']);
    await screenshot(store, page, 'console-reports', true);

    // a range the API refuses comes back with its code
    await page.fill('input[name="from"]', '2020-01-01');
    await page.click('form.report-range button[type="submit"]');
    await expect.poll(() => page.locator('.report .error').textContent()).toContain('INVALID_REQUEST');
    expect(await page.locator('.report .error').textContent()).toContain('at most 366 days');
  });

  it('issues a seller key shown once, which then works for a ping, and revokes it after a confirm', async () => {
    const keysPage = await operatorPageOf(g);
    await keysPage.click('nav a[href="#/keys"]');
    await keysPage.locator('tr[data-key-id]').first().waitFor();
    const before = await keysPage.locator('tr[data-key-id]').count();
    await keysPage.selectOption('select[name="party"]', 'seller');
    await keysPage.selectOption('select[name="id"]', 'pub1');
    await keysPage.fill('input[name="name"]', 'pub1 tracker');
    await keysPage.click('form.issue button[type="submit"]');
    const shown = keysPage.locator('code.new-key');
    await shown.waitFor();
    const key = (await shown.textContent())!;
    expect(key).toMatch(/^gvl_/);
    expect(await keysPage.locator('.issued').textContent()).toContain('it will not be shown again');
    await expect.poll(() => keysPage.locator('tr[data-key-id]').count()).toBe(before + 1);
    const keyId = (await admin(g, 'GET', '/v1/admin/keys')).body.keys.find((k: { name: string | null }) => k.name === 'pub1 tracker').key_id as string;
    const row = keysPage.locator(`tr[data-key-id="${keyId}"]`);
    expect(await row.locator('td').nth(0).textContent()).toBe('seller');
    expect(await row.locator('td').nth(1).textContent()).toBe('pub1');
    expect(await row.locator('td').nth(5).textContent()).toBe('never');
    await screenshot(store, keysPage, 'console-keys', true);

    // the new key is a seller's key now, in this process within the publish
    const ping = () => call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) }, { authorization: `Bearer ${key}` });
    expect((await ping()).body).toMatchObject({ status: 'bid' });
    // shown once: closing the panel drops it, and neither the page nor the list holds it again
    await keysPage.click('.issued button:has-text("I have copied it")');
    expect(await keysPage.content()).not.toContain(key);
    await keysPage.reload();
    await keysPage.locator(`tr[data-key-id="${keyId}"]`).waitFor();
    expect(await keysPage.content()).not.toContain(key);

    // revoke asks first: Cancel leaves the key alone
    await row.locator('button[data-action="revoke"]').click();
    expect(await row.locator('.confirm').textContent()).toContain(`Revoke ${keyId}?`);
    await row.locator('.confirm button:has-text("Cancel")').click();
    expect(await row.locator('button[data-action="revoke"]').count()).toBe(1);
    await row.locator('button[data-action="revoke"]').click();
    await row.locator('button[data-action="revoke-confirm"]').click();
    await keysPage.locator('.notice.ok').waitFor();
    expect(await keysPage.locator('.notice.ok').textContent()).toContain(`Key ${keyId} (seller pub1) revoked`);
    await expect.poll(() => keysPage.locator(`tr[data-key-id="${keyId}"]`).count()).toBe(0);
    const refused = await ping();
    expect([refused.status, refused.body.error.code]).toEqual([401, 'UNAUTHORIZED']);
  });

  it('rotates a key with an overlap, the old one listed with its end; the last operator key is kept, with its code', async () => {
    const keysPage = await operatorPageOf(g);
    await keysPage.click('nav a[href="#/keys"]');
    const pub1 = keysPage.locator('tr[data-party="seller"]').first();
    await pub1.waitFor();
    const oldId = (await pub1.getAttribute('data-key-id'))!;
    await pub1.locator('button[data-action="rotate"]').click();
    await pub1.locator('select[name="overlap"]').selectOption('1h');
    await pub1.locator('button[data-action="rotate-confirm"]').click();
    await keysPage.locator('code.new-key').waitFor();
    expect(await keysPage.locator('.notice.ok').textContent()).toContain(`Key ${oldId} rotated`);
    const old = keysPage.locator(`tr[data-key-id="${oldId}"]`);
    await expect.poll(() => old.locator('td').nth(5).textContent()).toMatch(/\(in (59|60) min\)$/);
    const rotated = (await keysPage.locator('code.new-key').textContent())!;
    expect((await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) }, { authorization: `Bearer ${rotated}` })).body).toMatchObject({ status: 'bid' });

    // the operator's one key: revoking it is refused, the row stays, the code is shown
    const op = keysPage.locator('tr[data-party="operator"]');
    expect(await op.count()).toBe(1);
    await op.locator('button[data-action="revoke"]').click();
    await op.locator('button[data-action="revoke-confirm"]').click();
    const notice = keysPage.locator('.notice[data-code="LAST_OPERATOR_KEY"]');
    await notice.waitFor();
    expect(await notice.textContent()).toContain('LAST_OPERATOR_KEY: This is the only operator key left');
    expect(await op.count()).toBe(1);
    await keysPage.close();
  });

  it("issues a named operator key; revoking the key a page is logged in with sends that page back to the login", async () => {
    const alice = await operatorPageOf(g);
    await alice.click('nav a[href="#/keys"]');
    await alice.locator('tr[data-key-id]').first().waitFor();
    await alice.selectOption('select[name="party"]', 'operator');
    // an operator key needs a name (the audit log says who by it): the form asks for one first
    expect(await alice.locator('label.party-id').isVisible()).toBe(false);
    expect(await alice.locator('input[name="name"]').getAttribute('required')).not.toBeNull();
    await alice.fill('input[name="name"]', 'bob');
    await alice.click('form.issue button[type="submit"]');
    await alice.locator('code.new-key').waitFor();
    const bobKey = (await alice.locator('code.new-key').textContent())!;
    await alice.close();

    const bob = await operatorPageOf(g, bobKey);
    await bob.click('nav a[href="#/keys"]');
    const own = bob.locator('tr[data-party="operator"]', { hasText: 'bob' });
    await own.waitFor();
    await own.locator('button[data-action="revoke"]').click();
    await own.locator('button[data-action="revoke-confirm"]').click();
    // the revoke went through on bob's session; the list read after it is refused: the login is back
    await bob.locator('form.login').waitFor();
    expect((await admin(g, 'GET', '/v1/admin/keys')).body.keys.some((k: { name: string | null }) => k.name === 'bob')).toBe(false);
    await bob.close();
  });

  it('no page broke the Content-Security-Policy (no inline style or script)', () => {
    expect(violations).toEqual([]);
  });
});
