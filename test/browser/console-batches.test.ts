import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import { screenshot, STORES, type StoreExchange } from '../support/browser-exchange.js';
import { batchConfig, FILES_KEY } from '../support/batch-config.js';
import { launchChromium } from '../support/chromium.js';
import { ADMIN_KEY, call, fullLead, getAs } from '../support/exchange.js';
import { startSftpServer, type SftpServer } from '../support/sftp-server.js';

/**
 * Batch files in a real Chromium: the operator's console lists every buyer's batches (one
 * delivered, one whose uploads the buyer's server refuses, retrying with its last error), and a
 * buyer's portal lists its own only, each as GET /v1/batches answers.
 */
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

/** Each row's cells as the page shows them. */
async function rows(page: Page): Promise<string[][]> {
  return page.locator('table.batches tbody tr[data-batch]').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
}

describe.each(STORES)('batch files in the console and the portal, on $name', (store) => {
  let sftp: SftpServer;
  let x: StoreExchange;
  let expected: any[] = [];

  beforeAll(async () => {
    sftp = await startSftpServer();
    mkdirSync(join(sftp.dir, 'csv'));
    mkdirSync(join(sftp.dir, 'jsonl'));
    // the `lines` buyer's server refuses every upload
    sftp.onRequest = (op, path) => (op === 'OPEN' && path.startsWith('jsonl/') ? 'fail' : undefined);
    x = await store.start(batchConfig(sftp, '1s') as ConfigInput);
    for (let i = 0; i < 4; i++) expect((await call(x.g.port, '/v1/leads', { campaign: 'auto', lead: fullLead() })).body.status).toBe('sold');
    for (let i = 0; i < 100; i++) {
      expected = (await getAs(x.g.operatorPort, '/v1/batches', ADMIN_KEY)).body.batches;
      const files = expected.filter((b) => b.buyer === 'files');
      if (files.length > 0 && files.every((b) => b.state === 'delivered') && expected.some((b) => b.buyer === 'lines' && b.state === 'retrying')) break;
      await sleep(100);
    }
  });

  afterAll(async () => {
    // no more tries while the pages are gone
    await x?.stop();
    await sftp?.close();
  });

  it("the operator's console lists every buyer's batches, a failing one with its last error", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(`http://127.0.0.1:${x.g.operatorPort}/console/`);
    await page.fill('#key', ADMIN_KEY);
    await page.click('form.login button');
    await page.click('nav a[href="#/batches"]');
    await page.locator('table.batches tbody tr[data-batch]').first().waitFor();
    const shown = await rows(page);
    // the page read the list after the test did: the same batches, a retrying one perhaps tried once more
    const api = (await getAs(x.g.operatorPort, '/v1/batches', ADMIN_KEY)).body.batches;
    expect(shown.map((r) => [r[0], r[1], r[2], r[5], r[6]])).toEqual(api.map((b: any) => [b.buyer, b.file, b.channel, String(b.leads), b.state]));
    expect(shown.some((r) => r[0] === 'files' && r[6] === 'delivered')).toBe(true);
    const failing = shown.find((r) => r[0] === 'lines')!;
    expect(failing[6]).toBe('retrying');
    expect(failing[9]).toContain('refused by the test');
    expect(expected.length).toBeGreaterThan(0);
    await screenshot(store, page, 'console-batches');
    await page.close();
  });

  it("a buyer's portal lists its own batches only", async () => {
    const page = await browser.newPage({ viewport: { width: 1180, height: 640 } });
    await page.goto(`http://127.0.0.1:${x.g.port}/portal/`);
    await page.fill('#key', FILES_KEY);
    await page.click('form.login button');
    await page.click('nav a[href="#/batches"]');
    await page.locator('table.batches tbody tr[data-batch]').first().waitFor();
    const shown = await rows(page);
    const own = (await getAs(x.g.port, '/v1/batches', FILES_KEY)).body.batches;
    expect(own.length).toBeGreaterThan(0);
    expect(shown.map((r) => [r[0], r[1], r[4], r[5]])).toEqual(own.map((b: any) => [b.file, b.channel, String(b.leads), b.state]));
    expect(shown.every((r) => r[0]!.startsWith('files-'))).toBe(true);
    expect(await page.locator('table.batches').textContent()).not.toContain('lines-');
    await screenshot(store, page, 'portal-batches');
    await page.close();
  });
});
