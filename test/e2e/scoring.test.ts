import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import type { Gavel } from '../../src/gavel.js';
import { startBuyer, type TestBuyer } from '../support/buyer-server.js';
import { call, fullLead, pingLead, readTrace, startExchange, stopExchange, testConfig, TEST_FIELDS } from '../support/exchange.js';

const open: TestBuyer[] = [];
let g: Gavel | undefined;
afterEach(async () => {
  if (g) await stopExchange(g);
  g = undefined;
  for (const b of open.splice(0)) await b.close();
});

async function buyer(bid: number, accept = true): Promise<TestBuyer> {
  const b = await startBuyer(() => ({ body: { bid } }), () => ({ body: accept ? { accepted: true } : { accepted: false, reason: 'not today' } }));
  open.push(b);
  return b;
}

async function metrics(operatorPort: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${operatorPort}/metrics`)).text();
}

/** 20 points for age 30–50, 20 for CA: a 40-year-old Californian is an A (1.0), a 20-year-old Texan a D (0). */
const RULES = { rules: [{ field: 'age', min: 30, max: 50, points: 20 }, { field: 'state', equals: 'CA', points: 20 }] };

describe('lead scoring', () => {
  it('a buyer with min_grade A takes only A leads: the grade changes the winner; the winner is told the score', async () => {
    const picky = await buyer(9);
    const plain = await buyer(5);
    const config = testConfig([{ id: 'picky', url: picky.url }, { id: 'plain', url: plain.url }], { scoring: RULES });
    (config.buyers[0] as { min_grade?: string }).min_grade = 'A';
    g = await startExchange(config);

    const good = await call(g.port, '/v1/leads', { campaign: 'auto', lead: fullLead({ age: 40, state: 'CA' }) });
    expect(good.body).toMatchObject({ status: 'sold', price: 7.2 });
    expect(picky.posts[0]!.body).toMatchObject({ score: 1, grade: 'A' });

    const poor = await call(g.port, '/v1/leads', { campaign: 'auto', lead: fullLead({ age: 20, state: 'TX' }) });
    expect(poor.body).toMatchObject({ status: 'sold', price: 4 });
    expect(plain.posts[0]!.body).toMatchObject({ score: 0, grade: 'D' });
    expect(picky.pings).toHaveLength(2); // pinged both times: the grade is not known before the fan-out
    // the score and the grade are in each lead's trace, and so is the buyer the grade left out
    expect((await readTrace(g, good.body.lead_id)).body.segments[0]).toMatchObject({ score: { score: 1, grade: 'A' } });
    const poorTrace = (await readTrace(g, poor.body.lead_id)).body.segments[0];
    expect(poorTrace).toMatchObject({ score: { score: 0, grade: 'D' } });
    expect(poorTrace.buyers).toContainEqual({ buyer: 'picky', stage: 'rank', outcome: 'BELOW_GRADE' });

    // ping then post: the grade travels with the auction to the post
    const lead = fullLead({ age: 45, state: 'CA' });
    const ping = await call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(lead) });
    expect(ping.body).toMatchObject({ status: 'bid', price: 7.2 });
    expect((await call(g.port, '/v1/post', { ping_id: ping.body.ping_id, lead })).body).toMatchObject({ status: 'sold' });
    expect(picky.posts[1]!.body).toMatchObject({ score: 1, grade: 'A' });

    const text = await metrics(g.operatorPort);
    expect(text).toMatch(/gavel_buyer_passes_total\{buyer="picky",kind="BELOW_GRADE"\} 1/);
    expect(text).toMatch(/gavel_scores_total\{campaign="auto",outcome="A"\} 2/);
    expect(text).toMatch(/gavel_scores_total\{campaign="auto",outcome="D"\} 1/);
  });

  it('ranking by expected value learns from posts: a reliable lower bid overtakes a higher one that rejects', async () => {
    const flaky = await buyer(10, false);
    const steady = await buyer(8, true);
    const config = testConfig([{ id: 'flaky', url: flaky.url }, { id: 'steady', url: steady.url }], { scoring: RULES, rank_by: 'expected_value' });
    config.accept_rate = { prior: 0.8, prior_weight: 5 };
    g = await startExchange(config);

    const ping = (lead = fullLead({ age: 40, state: 'CA' })) => call(g!.port, '/v1/ping', { campaign: 'auto', lead: pingLead(lead) });
    const sell = () => call(g!.port, '/v1/leads', { campaign: 'auto', lead: fullLead({ age: 40, state: 'CA' }) });
    // no outcome yet: both at the prior 0.8, so 10 × 0.8 beats 8 × 0.8 and flaky's bid is the answer
    expect((await ping()).body).toMatchObject({ status: 'bid', price: 8, bids: 2 });
    // flaky is posted first, rejects, and the lead falls to steady, which accepts
    expect((await sell()).body).toMatchObject({ status: 'sold', price: 6.4 });
    expect([flaky.posts.length, steady.posts.length]).toEqual([1, 1]);
    // one reject and one accept later, for an A lead: flaky 5 × (4/6) / 6 ≈ 0.56, so 10 × 0.56 = 5.6;
    // steady (1 + 5 × 5/6) / 6 ≈ 0.86, so 8 × 0.86 = 6.9: the lower bid ranks first
    expect((await ping()).body).toMatchObject({ status: 'bid', price: 6.4, bids: 2 });
    expect((await sell()).body).toMatchObject({ status: 'sold', price: 6.4 });
    expect([flaky.posts.length, steady.posts.length]).toEqual([1, 2]); // flaky, the higher bid, was not even tried

    // what was learned is in the store for every process: a new process ranks the same way
    const prefix = config.redis!.prefix;
    await g.shutdown();
    g = await startExchange({ ...config, redis: { url: config.redis!.url!, prefix } });
    await new Promise((r) => setTimeout(r, 200)); // its first read of the store
    expect((await ping()).body).toMatchObject({ status: 'bid', price: 6.4 });
  });

  it('a saturated pool makes no answer late: leads go unscored, counted, and are sold on bids alone', async () => {
    const b = await buyer(5);
    // each lead costs the one thread over a second (a backtracking rule), so the queue of one fills at once.
    // The buyer has 300 ms of a 400 ms tmax: 24 pings at once, a busy worker thread and a loaded CI
    // machine must not turn its answers into timeouts, since this test is about the scoring, not the buyer.
    const config: ConfigInput = testConfig([{ id: 'b', url: b.url, timeout_ms: 300 }], {
      tmax_ms: 400,
      fields: { ...TEST_FIELDS, note: { type: 'string', ping: true } },
      scoring: { rules: [{ field: 'note', matches: '^(a|a)*$', points: 1 }] },
    });
    config.scoring_pool = { threads: 1, max_queue: 1, batch_size: 1 };
    g = await startExchange(config);
    const gv = g;
    const answers = await Promise.all(
      Array.from({ length: 24 }, () => call(gv.port, '/v1/ping', { campaign: 'auto', lead: { ...pingLead(fullLead()), note: `${'a'.repeat(24)}b` } })),
    );
    for (const a of answers) expect(a.body).toMatchObject({ status: 'bid', price: 4 });
    const text = await metrics(gv.operatorPort);
    expect(Number(/gavel_late_answers_total\{campaign="auto"\} (\d+)/.exec(text)?.[1] ?? 0)).toBe(0);
    const count = (outcome: string) => Number(new RegExp(`gavel_scores_total\\{campaign="auto",outcome="${outcome}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
    expect(count('saturated')).toBeGreaterThanOrEqual(20);
    expect(count('late')).toBeGreaterThanOrEqual(1);
    expect(count('saturated') + count('late')).toBe(24);
    const slow = answers.filter((a) => a.ms > 400 + 50);
    expect(slow).toEqual([]);
    // each unscored lead is traced with why, and the traces count what the metric counts
    const why = await Promise.all(answers.map(async (a) => (await readTrace(gv, a.body.ping_id)).body.segments[0].score.unscored as string));
    expect(why.filter((w) => w === 'SATURATED')).toHaveLength(count('saturated'));
    expect(why.filter((w) => w === 'LATE')).toHaveLength(count('late'));
  });
});
