import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import { ROOT } from '../../src/core/paths.js';
import type { Gavel } from '../../src/gavel.js';
import { admin, startEmbeddedExchange, startVersionedExchange } from '../support/admin-api.js';
import { startBuyer, type TestBuyer } from '../support/buyer-server.js';
import { launchChromium } from '../support/chromium.js';
import { ADMIN_KEY, call, dropSchema, fullLead, pingLead, readTrace, startExchange, stopExchange, testConfig, testSchema } from '../support/exchange.js';

const SHOTS = join(ROOT, 'docs', 'screenshots');

/** An exchange whose configuration can be edited, and how to stop it with what it left behind. */
type ExchangeFactory = (config: ConfigInput) => Promise<{ g: Gavel; stop: () => Promise<void> }>;

/** Versions in PostgreSQL, in a schema of the test's own, dropped after. */
const onPostgres: ExchangeFactory = async (config) => {
  const schema = testSchema();
  const { g } = await startVersionedExchange(config, schema);
  return {
    g,
    stop: async () => {
      await stopExchange(g);
      await dropSchema(schema);
    },
  };
};

/** The embedded default, as `npm start` runs it: versions in the process's memory. */
const onEmbedded: ExchangeFactory = async (config) => {
  const { g, close } = await startEmbeddedExchange(config);
  return {
    g,
    stop: async () => {
      await stopExchange(g);
      await close();
    },
  };
};

/** A condition the page meets once the server has answered: generous, since the machine may be busy (a publish writes to PostgreSQL). */
const eventually = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 10_000 });

/** The filter the test builds, exactly as the config grammar writes it (src/rules/filter.ts). */
const BUILT = { all: [{ field: 'state', in: ['CA'] }, { any: [{ field: 'age', min: 30 }, { field: 'zip', within: { miles: 25, of: '90210' } }] }] };

/** The same pages on each store of versions; `shots`: this run writes the screenshots (one run does, so they stay as the README shows them). */
function configPages(store: string, start: ExchangeFactory, shots: boolean): void {
  describe(`the console's Configuration and Versions pages in Chromium (versions in ${store})`, () => {
    const buyers: Record<string, TestBuyer> = {};
    let g: Gavel;
    let stop: (() => Promise<void>) | undefined;
    let browser: Browser;
    let page: Page;

    beforeAll(async () => {
      browser = await launchChromium();
      // three buyers that always bid, so who is pinged is decided by the configuration alone
      buyers.acme = await startBuyer(() => ({ body: { bid: 9 } }));
      buyers.beta = await startBuyer(() => ({ body: { bid: 8 } }));
      buyers.gamma = await startBuyer(() => ({ body: { bid: 7 } }));
      ({ g, stop } = await start(testConfig(Object.entries(buyers).map(([id, b]) => ({ id, url: b.url })))));
      page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      // a step that cannot happen fails at its own line, well inside the test's time
      page.setDefaultTimeout(8000);
      page.on('pageerror', (e) => console.error('page error:', e.message));
    });

    afterAll(async () => {
      await browser?.close();
      await stop?.();
      for (const b of Object.values(buyers)) await b.close();
    });

    const live = async () => (await admin(g, 'GET', '/v1/admin/config')).body as { version: number; document: { buyers: Record<string, unknown>[]; sellers: Record<string, unknown>[] } };
    const buyerOf = async (id: string) => (await live()).document.buyers.find((b) => b.id === id)!;
    /** a ping of a fresh lead, and which buyers were pinged and left out, from its trace on the operator listener */
    const ping = async (over: Record<string, unknown>) => {
      const r = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead(over)) });
      expect(r.status).toBe(200);
      const trace = await readTrace(g, r.body.ping_id as string);
      const seg = trace.body.segments[0] as { pings: { buyer: string }[]; buyers: { buyer: string; stage: string; outcome: string }[] };
      return { id: r.body.ping_id as string, pinged: seg.pings.map((p) => p.buyer).sort(), leftOut: seg.buyers.filter((b) => b.outcome !== 'ELIGIBLE') };
    };
    const row = (item: string) => page.locator(`tr[data-item="${item}"]`);
    const screenshot = async (name: string) => {
      if (shots) await page.screenshot({ path: join(SHOTS, name), fullPage: true });
    };

    it('lists the live campaigns, buyers and sellers with their state, and pauses and resumes a buyer', async () => {
      await page.goto(`http://127.0.0.1:${g.operatorPort}/console/#/config`);
      await page.fill('#key', ADMIN_KEY);
      await page.click('form.login button');
      await row('buyers/gamma').waitFor();
      expect(await page.locator('[data-section="buyers"] tr[data-item]').count()).toBe(3);
      expect(await row('campaigns/auto').count()).toBe(1);
      expect(await row('sellers/pub1').count()).toBe(1);
      expect(await page.locator('.item-state.active').count()).toBe(5);
      expect(await page.locator('[data-live-version]').getAttribute('data-live-version')).toBe('1');

      await row('buyers/gamma').locator('button[data-action="pause"]').click();
      await eventually(() => row('buyers/gamma').locator('.item-state').textContent()).toBe('paused');
      expect(await page.locator('.flash').textContent()).toBe('Paused buyer gamma: version 2, live.');
      expect((await buyerOf('gamma')).active).toBe(false);
      // paused: pinged no more
      expect((await ping({})).pinged).toEqual(['acme', 'beta']);
      await screenshot('console-config.png');

      await row('buyers/gamma').locator('button[data-action="resume"]').click();
      await eventually(() => row('buyers/gamma').locator('.item-state').textContent()).toBe('active');
      expect((await buyerOf('gamma')).active).toBeUndefined();
      expect((await ping({})).pinged).toEqual(['acme', 'beta', 'gamma']);
    });

    it("builds a buyer's filter with the condition builder, shows a bad value at its path, shows the diff and publishes it", async () => {
      await row('buyers/beta').locator('a').click();
      await page.locator('button.add-filter').click();
      // the first condition: state is one of CA
      const first = page.locator('[data-path="filters.all[0]"]');
      await first.locator('select.cond-field').selectOption('state');
      await first.locator('select.cond-op').selectOption('in');
      await first.locator('[data-path="filters.all[0].in"] input').fill('CA');
      // a nested group: any of age from 30, or a ZIP within 25 miles of one that does not exist
      await page.locator('[data-path="filters"] > .cond-group-head button.add-group').click();
      const nested = page.locator('[data-path="filters.all[1]"]');
      await nested.locator('[data-path="filters.all[1].any[0]"] select.cond-field').selectOption('age');
      // an integer field: its operators are the numeric ones, no regex and no radius
      expect(await nested.locator('[data-path="filters.all[1].any[0]"] select.cond-op option').allTextContents()).toEqual(['is', 'is between', 'is one of', 'is none of', 'is present']);
      await nested.locator('[data-path="filters.all[1].any[0]"] select.cond-op').selectOption('range');
      await nested.locator('[data-path="filters.all[1].any[0].min"] input').fill('30');
      await page.locator('[data-path="filters.all[1]"] > .cond-group-head button.add-cond').click();
      const zip = page.locator('[data-path="filters.all[1].any[1]"]');
      await zip.locator('select.cond-field').selectOption('zip');
      expect(await zip.locator('select.cond-op option').allTextContents()).toContain('is within miles of ZIP');
      await zip.locator('select.cond-op').selectOption('within');
      await zip.locator('[data-path="filters.all[1].any[1].within.of"] input').fill('00000');
      await page.click('button.save');

      // the server's problem, beside the input it is about; nothing else marked
      const bad = page.locator('[data-path="filters.all[1].any[1].within.of"] .problem');
      await eventually(() => bad.textContent()).toBe('unknown ZIP code "00000"');
      expect(await page.locator('form.item-form .problem:visible').allTextContents()).toEqual(['unknown ZIP code "00000"']);
      expect(await page.locator('.draft-problems').textContent()).toContain('1 problem, shown beside their inputs');
      await screenshot('console-condition-builder.png');
      // an invalid draft is not published: DRAFT_INVALID, its problem still at its input
      await page.click('button.publish');
      await eventually(() => page.locator('.draft-panel .refusal').getAttribute('data-code')).toBe('DRAFT_INVALID');
      expect((await buyerOf('beta')).filters).toBeUndefined();

      await zip.locator('[data-path="filters.all[1].any[1].within.of"] input').fill('90210');
      await page.click('button.save');
      await eventually(() => page.locator('.draft-problems').textContent()).toBe('✓ The draft validates.');
      expect(await page.locator('form.item-form .problem:visible').count()).toBe(0);
      // the diff against the live version: one path, the filter added
      const diff = page.locator('ul.diff li');
      expect(await diff.count()).toBe(1);
      expect(await diff.getAttribute('data-path')).toBe('buyers[id=beta].filters');
      expect(await diff.textContent()).toMatch(/^buyers\[id=beta\]\.filters: added → \{"all":\[/);

      await page.fill('#publish-comment', 'beta: California, 30 and over or near 90210');
      await page.click('button.publish');
      await eventually(() => page.locator('.flash').textContent()).toBe('Version 4 published, live.');
      // what the builder wrote is the grammar, exactly
      expect((await buyerOf('beta')).filters).toEqual(BUILT);
      const v = await live();
      expect(v).toMatchObject({ version: 4, comment: 'beta: California, 30 and over or near 90210' });
    });

    it('judges the next lead by the published filter: one that fails leaves the buyer out as FILTERED, one that passes is pinged to it', async () => {
      const pingsBefore = buyers.beta!.pings.length;
      const fails = await ping({ state: 'TX', age: 25, zip: '10001' });
      expect(fails.pinged).toEqual(['acme', 'gamma']);
      expect(fails.leftOut).toContainEqual({ buyer: 'beta', stage: 'eligibility', outcome: 'FILTERED' });
      expect(buyers.beta!.pings.length).toBe(pingsBefore);
      const passes = await ping({ state: 'CA', age: 40, zip: '90210' });
      expect(passes.pinged).toEqual(['acme', 'beta', 'gamma']);
      expect(buyers.beta!.pings.length).toBe(pingsBefore + 1);
      // and the console's trace of the filtered lead says so
      await page.goto(`http://127.0.0.1:${g.operatorPort}/console/#/leads/${fails.id}`);
      await eventually(() => page.locator('.decisions').first().textContent()).toContain('beta eligibility FILTERED');
    });

    it('loads a filter into the builder unchanged, and shows a stale draft refused with DRAFT_STALE', async () => {
      await page.goto(`http://127.0.0.1:${g.operatorPort}/console/#/config/buyers/beta`);
      await page.locator('[data-path="filters.all[1].any[1]"]').waitFor();
      expect(await page.locator('[data-path="filters.all[0]"] select.cond-field').inputValue()).toBe('state');
      expect(await page.locator('[data-path="filters.all[0]"] select.cond-op').inputValue()).toBe('in');
      expect(await page.locator('[data-path="filters.all[0].in"] input').inputValue()).toBe('CA');
      expect(await page.locator('[data-path="filters.all[1]"] select.group-mode').inputValue()).toBe('any');
      expect(await page.locator('[data-path="filters.all[1].any[0].min"] input').inputValue()).toBe('30');
      expect(await page.locator('[data-path="filters.all[1].any[0].max"] input').inputValue()).toBe('');
      expect(await page.locator('[data-path="filters.all[1].any[1].within.of"] input').inputValue()).toBe('90210');
      // saved untouched: the draft is the live version, key for key
      await page.click('button.save');
      await eventually(() => page.locator('.diff-empty').textContent()).toBe('No changes against the live version.');

      // another version goes live meanwhile: the draft's publish is refused, saying why
      expect((await admin(g, 'POST', '/v1/admin/buyers/acme/pause')).status).toBe(200);
      await page.click('button.publish');
      await eventually(() => page.locator('.draft-panel .refusal').getAttribute('data-code')).toBe('DRAFT_STALE');
      expect(await page.locator('.publish-error').textContent()).toBe('DRAFT_STALE The draft was made from version 4; version 5 is live now');
      expect(await page.locator('.draft-panel .meaning').textContent()).toContain('Another version went live after this draft was made');
      expect(await page.locator('button.warn').textContent()).toBe('Publish anyway over the newer version');
      expect((await live()).version).toBe(5);
      await page.click('button.discard');
      await eventually(() => page.locator('.draft-panel').textContent()).toContain('No draft open');
      expect((await admin(g, 'POST', '/v1/admin/buyers/acme/resume')).body.version).toBe(6);
    });

    it('rolls back to the version before the filter from the Versions page, with its diff and a comment, and lists it in the audit log', async () => {
      await page.click('nav a[href="#/versions"]');
      await page.locator('tr[data-version="6"]').waitFor();
      expect(await page.locator('tr[data-version]').count()).toBe(6);
      await page.locator('tr[data-version="3"] button.pick').click();
      // what publishing version 3 again would change: beta's filter goes
      await eventually(() => page.locator('.version-detail ul.diff li').getAttribute('data-path')).toBe('buyers[id=beta].filters');
      expect(await page.locator('.version-detail ul.diff li').textContent()).toContain('→ removed');
      await page.fill('#rollback-comment', 'beta takes every state again');
      await screenshot('console-versions.png');
      await page.click('button.rollback');
      await eventually(() => page.locator('.flash').textContent()).toBe('Version 3 published again as version 7, live.');
      expect(await page.locator('tr[data-version]').count()).toBe(7);
      expect(await page.locator('tr[data-version="7"] td').nth(3).textContent()).toBe('beta takes every state again');
      expect(await page.locator('table.audit tbody tr').first().locator('td').nth(2).textContent()).toBe('rollback');

      expect((await buyerOf('beta')).filters).toBeUndefined();
      expect((await ping({ state: 'TX', age: 25, zip: '10001' })).pinged).toEqual(['acme', 'beta', 'gamma']);
    });

    it("edits a campaign's plan and a buyer's schedule and caps in one draft, each problem at its input, and publishes them together", async () => {
      await page.goto(`http://127.0.0.1:${g.operatorPort}/console/#/config/campaigns/auto`);
      await page.locator('button.add-tier').click();
      await page.locator('[data-path="distribution[0].method"] select').selectOption('weighted');
      await page.fill('[data-path="distribution[0]"] input.tier-buyers', 'acme, beta');
      await page.locator('[data-path="distribution[0]"] input.tier-buyers').blur();
      await page.fill('[data-path="distribution[0].weights.acme"] input', '3');
      // a second tier without a list takes every other buyer (gamma)
      await page.locator('button.add-tier').click();
      await page.click('button.save');
      // beta is listed in a weighted tier with no weight: said at the weights, beside the inputs
      await eventually(() => page.locator('form.item-form .problem:visible').allTextContents()).toEqual(['no weight for "beta"']);
      expect(await page.locator('[data-path="distribution[0].weights"] > .problem').count()).toBe(1);
      await page.fill('[data-path="distribution[0].weights.beta"] input', '1');
      await page.click('button.save');
      await eventually(() => page.locator('.draft-problems').textContent()).toBe('✓ The draft validates.');
      await screenshot('console-plan-editor.png');

      // the same draft, another item: gamma's schedule and caps
      await page.goto(`http://127.0.0.1:${g.operatorPort}/console/#/config/buyers/gamma`);
      await page.locator('button.add-schedule').click();
      await page.fill('[data-path="schedule.hours.mon"] input', '8-18');
      await page.fill('[data-path="caps.daily"] input', '50');
      await page.click('button.save');
      await eventually(() => page.locator('[data-path="schedule.hours.mon"] .problem:visible').count()).toBe(1);
      await page.fill('[data-path="schedule.hours.mon"] input', '08:00-12:00, 13:00-18:00');
      await page.click('button.save');
      await eventually(() => page.locator('.draft-problems').textContent()).toBe('✓ The draft validates.');
      expect(await page.locator('ul.diff li').evaluateAll((els) => els.map((e) => e.getAttribute('data-path')))).toEqual(['buyers[id=gamma].caps', 'buyers[id=gamma].schedule', 'campaigns[id=auto].distribution']);
      await page.fill('#publish-comment', 'auto: acme and beta 3:1 first; gamma on weekdays, 50 a day');
      await page.click('button.publish');
      await eventually(() => page.locator('.flash').textContent()).toBe('Version 8 published, live.');

      const doc = (await live()).document as unknown as { campaigns: Record<string, unknown>[]; buyers: Record<string, unknown>[] };
      expect(doc.campaigns[0]!.distribution).toEqual([
        { name: 'tier1', method: 'weighted', buyers: ['acme', 'beta'], weights: { acme: 3, beta: 1 } },
        { name: 'tier2', method: 'highest_bid' },
      ]);
      const gamma = doc.buyers.find((b) => b.id === 'gamma')!;
      expect(gamma.caps).toEqual({ daily: 50 });
      expect(gamma.schedule).toEqual({ hours: { mon: ['08:00-12:00', '13:00-18:00'], tue: '08:00-18:00', wed: '08:00-18:00', thu: '08:00-18:00', fri: '08:00-18:00' } });
    });

    it('adds a buyer through its form, problems first, publishes it so it is pinged, then removes it', async () => {
      buyers.delta = await startBuyer(() => ({ body: { bid: 6 } }));
      await page.goto(`http://127.0.0.1:${g.operatorPort}/console/#/config`);
      await page.fill('input[name="new-buyers"]', 'delta');
      await page.click('[data-section="buyers"] form.add-item button');
      await page.locator('.item-state.new').waitFor();
      expect(await page.locator('button.remove-item').isVisible()).toBe(false);
      expect(await page.locator('[data-path="campaigns"] input').inputValue()).toBe('auto');
      await page.fill('[data-path="ping_url"] input', `${buyers.delta.url}/ping`);
      await page.click('button.save');
      await eventually(() => page.locator('form.item-form .problem:visible').allTextContents()).toEqual(['required for an http buyer (but a batch-only one: batch and a price; or an e-mail-only one: email and a price)']);
      expect(await page.locator('button.remove-item').isVisible()).toBe(true);
      expect(await page.locator('[data-path="post_url"] .problem').count()).toBe(1);
      await page.fill('[data-path="post_url"] input', `${buyers.delta.url}/post`);
      await page.click('button.save');
      await eventually(() => page.locator('.draft-problems').textContent()).toBe('✓ The draft validates.');
      expect(await page.locator('ul.diff li').evaluateAll((els) => els.map((e) => [e.getAttribute('data-path'), e.className]))).toEqual([['buyers[id=delta]', 'added']]);
      await page.click('button.publish');
      await eventually(() => page.locator('.flash').textContent()).toBe('Version 9 published, live.');
      expect((await buyerOf('delta')).ping_url).toBe(`${buyers.delta.url}/ping`);
      expect((await ping({})).pinged).toContain('delta');

      await page.click('button.remove-item');
      await eventually(() => page.locator('.flash').textContent()).toContain('Buyer delta taken out of the draft');
      await eventually(() => page.locator('ul.diff li').evaluateAll((els) => els.map((e) => [e.getAttribute('data-path'), e.className]))).toEqual([['buyers[id=delta]', 'removed']]);
      await page.click('button.publish');
      await eventually(() => page.locator('.flash').textContent()).toBe('Version 10 published, live.');
      expect(await row('buyers/delta').count()).toBe(0);
      expect((await ping({})).pinged).not.toContain('delta');
    });

    it('adds a seller with no key, publishes it, and issues its first key on the Keys page: the seller then sells', async () => {
      await page.goto(`http://127.0.0.1:${g.operatorPort}/console/#/config`);
      await page.fill('input[name="new-sellers"]', 'pub9');
      await page.click('[data-section="sellers"] form.add-item button');
      await page.locator('.item-state.new').waitFor();
      expect(await page.locator('[data-k="no-key"]').textContent()).toContain('no key yet');
      await page.click('button.save');
      await eventually(() => page.locator('.draft-problems').textContent()).toBe('✓ The draft validates.');
      await page.click('button.publish');
      await eventually(() => page.locator('.flash').textContent()).toMatch(/^Version \d+ published, live\.$/);
      expect((await live()).document.sellers).toContainEqual(expect.objectContaining({ id: 'pub9', api_keys: [] }));

      await page.goto(`http://127.0.0.1:${g.operatorPort}/console/#/keys`);
      await page.selectOption('select[name="party"]', 'seller');
      await page.selectOption('select[name="id"]', 'pub9');
      await page.click('form.issue button[type="submit"]');
      const shown = page.locator('code.new-key');
      await shown.waitFor();
      const key = (await shown.textContent())!;
      const r = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) }, { authorization: `Bearer ${key}` });
      expect(r.body).toMatchObject({ status: 'bid' });
    });

    it('loads every operator of the grammar into the builder and writes back only the key an edit is about', async () => {
      // a filter written by hand, published through the admin API: NOT at the top, nesting, each operator
      const written = {
        not: {
          any: [
            { field: 'state', not_in: ['NY', 'NJ'] },
            { field: 'zip', matches: '^9[0-9]{4}$' },
            { all: [{ field: 'age', max: 65 }, { field: 'age', equals: 40 }, { field: 'email', present: false }] },
            { not: { field: 'zip', within: { miles: 10, of: '10001' } } },
          ],
        },
      };
      const draft = (await admin(g, 'POST', '/v1/admin/drafts')).body.id as string;
      const acme = structuredClone(await buyerOf('acme'));
      expect((await admin(g, 'PUT', `/v1/admin/drafts/${draft}/buyers/acme`, { ...acme, filters: written })).status).toBe(200);
      expect((await admin(g, 'POST', `/v1/admin/drafts/${draft}/publish`, { comment: 'acme: a hand-written filter' })).status).toBe(200);

      await page.goto(`http://127.0.0.1:${g.operatorPort}/console/#/config/buyers/acme`);
      await page.locator('[data-path="filters.not.any[3].not"]').waitFor();
      expect(await page.locator('.builder .cond').count()).toBe(6);
      expect(await page.locator('.builder .not').count()).toBe(2);
      expect(await page.locator('[data-path="filters.not.any[0]"] select.cond-op').inputValue()).toBe('not_in');
      expect(await page.locator('[data-path="filters.not.any[0].not_in"] input').inputValue()).toBe('NY, NJ');
      expect(await page.locator('[data-path="filters.not.any[1].matches"] input').inputValue()).toBe('^9[0-9]{4}$');
      expect(await page.locator('[data-path="filters.not.any[2].all[0].min"] input').inputValue()).toBe('');
      expect(await page.locator('[data-path="filters.not.any[2].all[1].equals"] input').inputValue()).toBe('40');
      expect(await page.locator('[data-path="filters.not.any[2].all[2].present"] select').inputValue()).toBe('false');
      expect(await page.locator('[data-path="filters.not.any[3].not.within.miles"] input').inputValue()).toBe('10');
      expect(await page.locator('button.wrap').count()).toBe(1);
      await page.click('button.save');
      await eventually(() => page.locator('.diff-empty').textContent()).toBe('No changes against the live version.');

      await page.fill('[data-path="filters.not.any[2].all[0].max"] input', '70');
      await page.click('button.save');
      await eventually(() => page.locator('ul.diff li').allTextContents()).toEqual(['buyers[id=acme].filters.not.any[2].all[0].max: 65 → 70']);
      await page.click('button.discard');
      await eventually(() => page.locator('.draft-panel').textContent()).toContain('No draft open');
      expect((await buyerOf('acme')).filters).toEqual(written);
    });
  });
}

configPages('PostgreSQL', onPostgres, true);
configPages("the embedded default's memory", onEmbedded, false);

describe("the console's Configuration pages where the configuration is a file (read-only)", () => {
  let g: Gavel;
  let buyer: TestBuyer;
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
    buyer = await startBuyer(() => ({ body: { bid: 9 } }));
    // no versions store given: the file is the only version, and every write is refused
    g = await startExchange(testConfig([{ id: 'acme', url: buyer.url }]), 'memory');
  });

  afterAll(async () => {
    await browser?.close();
    if (g) await stopExchange(g);
    await buyer?.close();
  });

  it('shows the file as version 1 and says what CONFIG_READ_ONLY means when a pause or a save is refused', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.setDefaultTimeout(8000);
    await page.goto(`http://127.0.0.1:${g.operatorPort}/console/#/config`);
    await page.fill('#key', ADMIN_KEY);
    await page.click('form.login button');
    await page.locator('tr[data-item="buyers/acme"]').waitFor();
    expect(await page.locator('[data-live-version]').getAttribute('data-live-version')).toBe('1');
    await page.click('tr[data-item="buyers/acme"] button[data-action="pause"]');
    const refused = page.locator('.note .refusal[data-code="CONFIG_READ_ONLY"]');
    await refused.waitFor();
    expect(await refused.locator('.meaning').textContent()).toContain('reads its configuration from a file');
    expect(await page.locator('tr[data-item="buyers/acme"] .item-state').textContent()).toBe('active');

    await page.click('tr[data-item="buyers/acme"] a');
    await page.locator('button.add-filter').click();
    await page.click('button.save');
    await page.locator('.save-refused .refusal[data-code="CONFIG_READ_ONLY"]').waitFor();
    expect((await admin(g, 'GET', '/v1/admin/config')).body.document.buyers[0].filters).toBeUndefined();
    await page.close();
  });
});
