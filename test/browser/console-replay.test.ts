import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../src/core/paths.js';
import type { Gavel } from '../../src/gavel.js';
import { admin, startEmbeddedExchange } from '../support/admin-api.js';
import { startBuyer, type TestBuyer } from '../support/buyer-server.js';
import { launchChromium } from '../support/chromium.js';
import { ADMIN_KEY, call, fullLead, pingLead, SELLER_KEY, stopExchange, testConfig } from '../support/exchange.js';

const SHOT = join(ROOT, 'docs', 'screenshots', 'console-replay.png');
const OTHER_SELLER_KEY = 'seller-pub2-key-0123456789';
const FLOOR = 6;

/** A condition the page meets once the server has answered: generous, since the machine may be busy. */
const eventually = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 10_000 });

// the figures as the page writes them (console/src/format.ts), so what is shown is compared with the API's numbers
const MONEY = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const INT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const money = (x: number) => MONEY.format(x);
const count = (x: number) => INT.format(x);
const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
/** a party's figure under both sides in one cell: `live → draft`, or the one value when they read the same */
const pair = (a: string, b: string) => (a === b ? a : `${a} → ${b}`);

/** the lead's age sets the bids, so each lead has its own best bid */
const bidOf = (age: number, k: number) => Math.round((age / 10) * k * 100) / 100;

interface Sent {
  id: string;
  age: number;
  state: string;
  seller: string;
  posted: boolean;
  best: number;
}

describe("the draft's replay step in the console, in Chromium", () => {
  const buyers: Record<string, TestBuyer> = {};
  const sent: Sent[] = [];
  let g: Gavel;
  let close: () => Promise<void>;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    // high and low bid by the lead's age, ny takes New York leads only; high is capped at 3 a day
    buyers.high = await startBuyer((c) => ({ body: { bid: bidOf(Number((c.body.lead as { age: number }).age), 1.5) } }));
    buyers.low = await startBuyer((c) => ({ body: { bid: bidOf(Number((c.body.lead as { age: number }).age), 1) } }));
    buyers.ny = await startBuyer(() => ({ body: { bid: 4 } }));
    const config = testConfig([
      { id: 'high', url: buyers.high.url, caps: { daily: 3 } },
      { id: 'low', url: buyers.low.url },
      { id: 'ny', url: buyers.ny.url },
    ]);
    config.buyers = config.buyers.map((b) => (b.id === 'ny' ? { ...b, filters: { field: 'state', equals: 'NY' } } : b));
    config.sellers = [
      { id: 'pub1', api_key: SELLER_KEY },
      { id: 'pub2', api_key: OTHER_SELLER_KEY },
    ];
    config.trace = { flush_ms: 10 };
    ({ g, close } = await startEmbeddedExchange(config));

    // real traffic: ten pings from two sellers, each posted but the last, so posted and sold differ from offered
    const ages = [20, 25, 30, 35, 40, 45, 50, 60, 70, 80];
    for (const [i, age] of ages.entries()) {
      const state = i % 3 === 0 ? 'NY' : 'CA';
      const seller = i % 2 === 0 ? 'pub1' : 'pub2';
      const key = seller === 'pub1' ? SELLER_KEY : OTHER_SELLER_KEY;
      const lead = fullLead({ age, state });
      const ping = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(lead) }, { authorization: `Bearer ${key}` });
      expect(ping.body.status).toBe('bid');
      const posted = i < ages.length - 1;
      if (posted) expect((await call(g.port, '/v1/post', { ping_id: ping.body.ping_id, lead }, { authorization: `Bearer ${key}` })).body.status).toBe('sold');
      sent.push({ id: ping.body.ping_id as string, age, state, seller, posted, best: Math.max(bidOf(age, 1.5), bidOf(age, 1), state === 'NY' ? 4 : 0) });
    }
    // the lead index is written with the trace batches: wait until a replay finds every lead
    const probe = (await admin(g, 'POST', '/v1/admin/drafts', {})).body.id as string;
    const range = { from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 1000).toISOString() };
    for (let t = Date.now(); (await admin(g, 'POST', `/v1/admin/drafts/${probe}/replay`, range)).body.pings !== sent.length; ) {
      if (Date.now() - t > 5000) throw new Error('the recorded leads did not reach the traces in 5 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    await admin(g, 'DELETE', `/v1/admin/drafts/${probe}`);

    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(8000);
    page.on('pageerror', (e) => console.error('page error:', e.message));
  });

  afterAll(async () => {
    await browser?.close();
    if (g) await stopExchange(g);
    await close?.();
    for (const b of Object.values(buyers)) await b.close();
  });

  /** the page's open draft: the only one listed */
  const draftId = async () => {
    const list = (await admin(g, 'GET', '/v1/admin/drafts')).body.drafts as { id: string }[];
    expect(list).toHaveLength(1);
    return list[0]!.id;
  };
  const cells = (sel: string) => page.locator(sel).allTextContents();

  it('replays a draft that raises the floor over the last hour beside its diff: every figure shown is the API’s for the same range, and the leads it changes link to their traces', async () => {
    await page.goto(`http://127.0.0.1:${g.operatorPort}/console/#/config/campaigns/auto`);
    await page.fill('#key', ADMIN_KEY);
    await page.click('form.login button');
    await page.fill('[data-path="floor"] input', String(FLOOR));
    await page.click('button.save');
    await eventually(() => page.locator('ul.diff li').allTextContents()).toEqual([`campaigns[id=auto].floor: 1 → ${FLOOR}`]);
    // the step sits between the diff and Publish
    expect(await page.locator('.draft-panel > *').evaluateAll((els) => els.map((e) => e.className).filter((c) => ['draft-diff', 'replay-step', 'publish-row'].includes(c)))).toEqual(['draft-diff', 'replay-step', 'publish-row']);
    expect(await page.locator('.replay-step h4').textContent()).toBe('What would this draft do?');
    expect(await page.locator('select[name="replay-range"] option').allTextContents()).toEqual(['last hour', 'last 24 h', 'last 7 days', 'from – to']);

    await page.click('button.replay');
    const summary = page.locator('.replay-summary');
    await summary.waitFor();
    const from = (await summary.getAttribute('data-from'))!;
    const to = (await summary.getAttribute('data-to'))!;
    expect(Date.parse(to) - Date.parse(from)).toBe(3_600_000);
    const r = (await admin(g, 'POST', `/v1/admin/drafts/${await draftId()}/replay`, { from, to })).body;

    // what the API says of the traffic this test sent, so the comparison below is of real figures
    expect(r).toMatchObject({ from, to, leads: sent.length, not_recorded: 0, pings: sent.length, truncated: false });
    expect(r.live).toMatchObject({ leads: sent.length, offers: sent.length, posted: sent.length - 1, sold: sent.length - 1 });
    const under = sent.filter((s) => s.best < FLOOR).map((s) => s.id);
    expect(under.length).toBeGreaterThan(0);
    expect(r.draft_totals.offers).toBeLessThan(r.live.offers);
    expect(r.changed.map((c: { lead_id: string }) => c.lead_id)).toEqual(expect.arrayContaining(under));

    expect(await summary.textContent()).toContain(`${sent.length} leads replayed of ${sent.length} leads received`);
    // live and draft side by side, each figure as the API gave it
    const figures: [string, (x: number) => string][] = [
      ['leads', count],
      ['offers', count],
      ['offer_rate', pct],
      ['offered', money],
      ['posted', count],
      ['sold', count],
      ['fill', pct],
      ['revenue', money],
      ['payout', money],
      ['margin', money],
    ];
    for (const [k, fmt] of figures) {
      expect(await page.locator(`table.replay-totals tr[data-k="${k}"] td.live`).textContent(), k).toBe(fmt(r.live[k]));
      expect(await page.locator(`table.replay-totals tr[data-k="${k}"] td.draft`).textContent(), k).toBe(fmt(r.draft_totals[k]));
    }
    // the change: fewer offers, said with its sign and its share of live's
    const lostOffers = r.live.offers - r.draft_totals.offers;
    expect(await page.locator('tr[data-k="offers"] td.change').textContent()).toBe(`−${lostOffers} (−${((lostOffers / r.live.offers) * 100).toFixed(0)}%)`);
    expect(await page.locator('tr[data-k="offers"] td.change').getAttribute('class')).toContain('down');
    expect(await page.locator('tr[data-k="leads"] td.change').textContent()).toBe('no change');
    // the estimated part, apart: its own box, its figures the API's
    const est = r.draft_totals.estimated;
    if (est.leads === 0 && est.bids === 0 && est.posts === 0 && r.live.estimated.leads === 0) {
      expect(await page.locator('.replay-estimate.none').textContent()).toContain('Nothing here rests on an estimate');
    } else {
      expect(await page.locator('.replay-estimate .pill').first().textContent()).toBe('estimate');
      for (const k of ['leads', 'sold', 'bids', 'posts']) expect(await page.locator(`table.replay-estimated tr[data-k="${k}"] td.draft`).textContent()).toBe(count(est[k]));
      for (const k of ['revenue', 'payout']) expect(await page.locator(`table.replay-estimated tr[data-k="${k}"] td.draft`).textContent()).toBe(money(est[k]));
    }

    // per buyer and per seller: each cell `live → draft` as the API gave them
    const buyerIds = [...new Set([...Object.keys(r.live.buyers), ...Object.keys(r.draft_totals.buyers)])];
    expect(buyerIds.length).toBeGreaterThan(1);
    expect((await page.locator('table.replay-buyers tbody tr').evaluateAll((rows) => rows.map((x) => x.getAttribute('data-party')))).sort()).toEqual(buyerIds.sort());
    const zeroBuyer = { eligible: 0, bids: 0, wins: 0, sold: 0, spend: 0, cap_hits: 0, win_share: 0 };
    for (const b of buyerIds) {
      const [l, d] = [r.live.buyers[b] ?? zeroBuyer, r.draft_totals.buyers[b] ?? zeroBuyer];
      const want = [b, pair(count(l.eligible), count(d.eligible)), pair(count(l.bids), count(d.bids)), pair(count(l.wins), count(d.wins)), pair(count(l.sold), count(d.sold)), pair(money(l.spend), money(d.spend)), pair(count(l.cap_hits), count(d.cap_hits)), pair(pct(l.win_share), pct(d.win_share))];
      expect(await cells(`table.replay-buyers tr[data-party="${b}"] td`), b).toEqual(want);
    }
    expect(Object.keys(r.live.sellers).sort()).toEqual(['pub1', 'pub2']);
    for (const s of ['pub1', 'pub2']) {
      const [l, d] = [r.live.sellers[s], r.draft_totals.sellers[s] ?? { leads: 0, offers: 0, sold: 0, revenue: 0, payout: 0 }];
      expect(l.leads).toBe(sent.filter((x) => x.seller === s).length);
      const want = [s, pair(count(l.leads), count(d.leads)), pair(count(l.offers), count(d.offers)), pair(count(l.sold), count(d.sold)), pair(money(l.revenue), money(d.revenue)), pair(money(l.payout), money(d.payout))];
      expect(await cells(`table.replay-sellers tr[data-party="${s}"] td`), s).toEqual(want);
    }
    // nothing skipped: both versions know the campaign and the sellers
    expect(await page.locator('table.replay-skipped').count()).toBe(0);

    // the leads whose outcome changes, oldest first, each with both paths
    expect(await page.locator('h5[data-changed]').getAttribute('data-changed')).toBe(String(r.changed_count));
    const rows = page.locator('table.changed-leads tbody tr');
    expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-lead')))).toEqual(r.changed.map((c: { lead_id: string }) => c.lead_id));
    for (const c of r.changed as { lead_id: string; seller: string; live: { winner: string | null; sold: { buyer: string; price: number }[] }; draft: { winner: string | null } }[]) {
      const row = page.locator(`table.changed-leads tr[data-lead="${c.lead_id}"]`);
      expect(await row.locator('td').nth(1).textContent()).toBe(c.seller);
      expect(await row.locator('a').getAttribute('href')).toBe(`#/leads/${encodeURIComponent(c.lead_id)}`);
      const livePath = (await row.locator('td.path.live').textContent())!;
      if (c.live.winner !== null) expect(livePath).toContain(`for ${c.live.winner}`);
      for (const s of c.live.sold) expect(livePath).toContain(`sold to ${s.buyer} at ${money(s.price)}`);
      if (c.draft.winner === null) expect(await row.locator('td.path.draft').textContent()).toContain('no offer');
    }
    // a lead under the new floor: offered and sold live, no offer under the draft
    const lost = page.locator(`table.changed-leads tr[data-lead="${under[1]}"]`);
    expect(await lost.locator('td.path.live').textContent()).toMatch(/^offer \d+\.\d\d for \w+/);
    expect(await lost.locator('td.path.draft').textContent()).toBe('no offer');

    await page.locator('.draft-panel').screenshot({ path: SHOT });

    // a changed lead's id opens its trace on the Leads page
    await lost.locator('a').click();
    expect(new URL(page.url()).hash).toBe(`#/leads/${under[1]}`);
    await eventually(() => page.locator('main h3').first().textContent()).toContain('ping · auto');
  });

  it('replays a custom range, says a backwards one before asking, drops an answer once the draft changes, and shows DRAFT_INVALID’s problems at their inputs as publish does', async () => {
    await page.goto(`http://127.0.0.1:${g.operatorPort}/console/#/config/campaigns/auto`);
    await page.locator('.replay-step').waitFor();
    await page.selectOption('select[name="replay-range"]', 'custom');
    // a range that ends before the traffic began: nothing in it
    const local = (t: number) => new Date(t - new Date(t).getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
    await page.fill('input[name="replay-from"]', local(Date.now() - 2 * 3_600_000));
    await page.fill('input[name="replay-to"]', local(Date.now() - 3_600_000));
    await page.click('button.replay');
    await eventually(() => page.locator('.replay-summary').textContent()).toContain('0 leads replayed of 0 leads received');
    expect(await page.locator('.changed-none').textContent()).toBe('No lead’s outcome changes under the draft.');

    // backwards: said on the page, no call made
    await page.fill('input[name="replay-from"]', local(Date.now()));
    await page.click('button.replay');
    await eventually(() => page.locator('.replay-out .error').textContent()).toBe('The range’s end must come after its start.');

    // a custom range around the traffic: the same leads as the last hour
    await page.fill('input[name="replay-from"]', local(Date.now() - 3_600_000));
    await page.fill('input[name="replay-to"]', local(Date.now() + 60_000));
    await page.click('button.replay');
    await eventually(() => page.locator('.replay-summary').textContent()).toContain(`${sent.length} leads replayed`);
    const from = (await page.locator('.replay-summary').getAttribute('data-from'))!;
    const to = (await page.locator('.replay-summary').getAttribute('data-to'))!;
    const r = (await admin(g, 'POST', `/v1/admin/drafts/${await draftId()}/replay`, { from, to })).body;
    expect(await page.locator('h5[data-changed]').getAttribute('data-changed')).toBe(String(r.changed_count));

    // a floor no campaign may have: saved to the draft, the answer above no longer says what it would do
    await page.fill('[data-path="floor"] input', '-1');
    await page.click('button.save');
    await eventually(() => page.locator('.replay-answer').count()).toBe(0);
    await page.click('button.replay');
    await eventually(() => page.locator('.replay-out .refusal').getAttribute('data-code')).toBe('DRAFT_INVALID');
    expect(await page.locator('.replay-out .meaning').textContent()).toBe('The draft does not validate, so it cannot be replayed. Each problem is shown at its place.');
    // the problem at its input, as publish places it
    expect(await page.locator('[data-path="floor"] .problem').count()).toBe(1);
    const problems = (await admin(g, 'POST', `/v1/admin/drafts/${await draftId()}/validate`)).body.problems as { path: string; message: string }[];
    expect(problems.map((p) => p.path)).toEqual(['campaigns[0].floor']);
    expect(await page.locator('[data-path="floor"] .problem').textContent()).toBe(problems[0]!.message);
  });
});
