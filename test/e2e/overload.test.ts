import { describe, expect, it } from 'vitest';
import { startBuyer } from '../support/buyer-server.js';
import { call, fullLead, metricsOf, pingLead, startExchange, stopExchange, testConfig } from '../support/exchange.js';
import { stopAfterEach } from '../support/stop-after.js';

const stops = stopAfterEach();

/** Busy the event loop of this process (the exchange runs in it) for `ms`, as a long task or a CPU-starved process would. */
function block(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* the loop is held */
  }
}

describe('admission control: overload is said, not hidden', () => {
  it('refuses new leads past max_calls_in_flight with 503 OVERLOADED, never a post, and counts why', async () => {
    // the buyer takes 300 ms: two auctions fill the process
    const b = await startBuyer(() => ({ body: { bid: 8 }, delayMs: 300 }));
    stops.push(() => b.close());
    const config = testConfig([{ id: 'slow', url: b.url, timeout_ms: 600 }], { tmax_ms: 900 });
    const g = await startExchange({ ...config, server: { overload: { max_calls_in_flight: 2, max_loop_lag_ms: 10_000 } } }, 'memory');
    stops.push(() => stopExchange(g));

    const answers = await Promise.all(Array.from({ length: 5 }, () => call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) })));
    const bids = answers.filter((a) => a.body.status === 'bid');
    const shed = answers.filter((a) => a.status === 503);
    expect(bids).toHaveLength(2);
    expect(shed).toHaveLength(3);
    for (const a of shed) expect(a.body.error).toMatchObject({ code: 'OVERLOADED', message: expect.stringMatching(/max_calls_in_flight/) });
    // refused quickly, not after the buyer's 300 ms
    for (const a of shed) expect(a.ms).toBeLessThan(250);

    // while two auctions run, a post of an earlier ping still runs: it finishes a held sale
    const lead = fullLead();
    const first = bids[0]!;
    const busy = [call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) }), call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) })];
    await new Promise((r) => setTimeout(r, 50));
    const post = await call(g.port, '/v1/post', { ping_id: first.body.ping_id, lead: { ...lead, phone: undefined } });
    expect(post.body.error?.code).not.toBe('OVERLOADED');
    await Promise.all(busy);
    expect(await metricsOf(g)).toMatch(/gavel_calls_shed_total\{route="ping",why="in_flight"\} 3/);
  });

  it('refuses new leads while the event loop is behind, and takes them again once it catches up', async () => {
    const b = await startBuyer(() => ({ body: { bid: 8 } }));
    stops.push(() => b.close());
    const g = await startExchange({ ...testConfig([{ id: 'quick', url: b.url }]), server: { overload: { max_calls_in_flight: 2000, max_loop_lag_ms: 40 } } }, 'memory');
    stops.push(() => stopExchange(g));
    const ping = () => call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) });
    expect((await ping()).body).toMatchObject({ status: 'bid' });

    // the loop is held 400 ms before the ping's request is even written: the loop's next sample
    // sees the delay (smoothed: a quarter of it, 100 ms) before the request is read, and the ping is refused
    const late = ping();
    block(400);
    const refused = await late;
    expect([refused.status, refused.body.error?.code]).toEqual([503, 'OVERLOADED']);
    expect(refused.body.error.message).toMatch(/ms behind \(server\.overload\.max_loop_lag_ms 40\)/);

    // caught up: the delay read decays within a few samples
    await expect.poll(async () => (await ping()).body.status, { timeout: 3000, interval: 50 }).toBe('bid');
    expect(await metricsOf(g)).toMatch(/gavel_calls_shed_total\{route="ping",why="loop_lag"\} [1-9]/);
  });

  it('refuses a lead that waited past max_loop_lag_ms for its turn to start: a burst read in one turn', async () => {
    const b = await startBuyer(() => ({ body: { bid: 8 } }));
    stops.push(() => b.close());
    // 1 ms: the limit every call after the first few of a burst passes while the turn starts the ones before it
    const g = await startExchange({ ...testConfig([{ id: 'quick', url: b.url }]), server: { overload: { max_calls_in_flight: 2000, max_loop_lag_ms: 1 } } }, 'memory');
    stops.push(() => stopExchange(g));
    // 200 pings on their own connections, written in one turn of this process (the exchange's
    // too): its next poll reads them all, and it starts them one after another in the turn after
    const answers = await Promise.all(Array.from({ length: 200 }, () => call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) })));
    const shed = answers.filter((a) => a.status === 503);
    // every call is answered: a bid (started in time), or refused before it started
    for (const a of answers) expect(a.status === 200 ? a.body.status : a.body.error.code).toMatch(/^(bid|OVERLOADED)$/);
    expect(shed.length).toBeGreaterThan(0);
    expect(shed.some((a) => /waited \d+ ms for its turn to start \(server\.overload\.max_loop_lag_ms 1\)/.test(a.body.error.message))).toBe(true);
    expect(await metricsOf(g)).toMatch(/gavel_calls_shed_total\{route="ping",why="queued"\} [1-9]/);
  });

  it('refuses new leads while too many recent answers left late, and takes them again as the share fades', async () => {
    // the buyer answers at 60 ms of a 100 ms deadline: in time, unless this process is held
    const b = await startBuyer(() => ({ body: { bid: 8 }, delayMs: 60 }));
    stops.push(() => b.close());
    const config = testConfig([{ id: 'steady', url: b.url, timeout_ms: 90 }], { tmax_ms: 100 });
    const g = await startExchange({ ...config, server: { overload: { max_calls_in_flight: 2000, max_loop_lag_ms: 60_000, max_late_share: 0.05 } } }, 'memory');
    stops.push(() => stopExchange(g));
    const ping = () => call(g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) });
    expect((await ping()).body).toMatchObject({ status: 'bid' });

    // ten auctions waiting on the buyer when the process is held for 300 ms: each answer leaves
    // past its 100 ms (the loop-delay limit is out of the way, so only lateness can refuse)
    const held = Array.from({ length: 10 }, ping);
    await new Promise((r) => setTimeout(r, 20));
    block(300);
    const answers = await Promise.all(held);
    for (const a of answers) expect(a.status).toBe(200);
    expect(await metricsOf(g)).toMatch(/gavel_late_answers_total\{campaign="auto"\} 10/);

    const refused = await ping();
    expect([refused.status, refused.body.error?.code]).toEqual([503, 'OVERLOADED']);
    expect(refused.body.error.message).toMatch(/recent answers left after their deadline \(server\.overload\.max_late_share 0\.05\)/);
    expect(await metricsOf(g)).toMatch(/gavel_calls_shed_total\{route="ping",why="late_answers"\} 1/);
    // the share fades with time (by e each second): leads are taken again within a few seconds
    await expect.poll(async () => (await ping()).body.status, { timeout: 5000, interval: 200 }).toBe('bid');
  });
});
