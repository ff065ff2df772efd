import { describe, expect, it } from 'vitest';
import { startSocketBuyerFleet } from '../../bench/socket-buyer-fleet.js';
import { scrapeMetrics, sumOf } from '../../bench/support/prom-text.js';
import { call, fullLead, pingLead, startExchange, testConfig } from '../support/exchange.js';
import { ERRING_BUYER, ERRING_SHARES } from './erring-buyer.js';
import { stopAfterAll } from '../support/stop-after.js';

const KEY = 'fleet-socket-buyer-key-0123456789';
const PINGS = 400;
const stops = stopAfterAll();

describe('a socket buyer of the fleet against a real Gavel', () => {
  it("with errors and passes: Gavel's answers and metrics match what the buyer says it said", async () => {
    // the two accounts are compared, not the buyer's speed: with both cores busy, bids the buyer sent
    // in time reached Gavel past a 60 ms timeout (183 sold of 185 bids); 300 ms of a 400 ms tmax here
    const config = testConfig([], { tmax_ms: 400 });
    config.buyers.push({ id: ERRING_BUYER.id, campaigns: ['auto'], transport: 'websocket', key: KEY, timeout_ms: 300, post_timeout_ms: 500 });
    const gavel = await startExchange(config, 'memory');
    stops.push(() => gavel.shutdown());
    const base = `http://127.0.0.1:${gavel.port}`;
    const fleet = await startSocketBuyerFleet([ERRING_BUYER], { url: base, keys: { [ERRING_BUYER.id]: KEY }, seed: 11 });
    stops.push(() => fleet.close());
    const answers: { status: string; price?: number; ping_id: string }[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next++ < PINGS) answers.push((await call(gavel.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) })).body);
      }),
    );
    const sold = answers.filter((a) => a.status === 'bid');
    const posts = await Promise.all(sold.slice(0, 100).map(async (a) => (await call(gavel.port, '/v1/post', { ping_id: a.ping_id, lead: fullLead() })).body as { status: string }));
    const c = fleet.counters()[ERRING_BUYER.id]!;
    const m = await scrapeMetrics(`http://127.0.0.1:${gavel.operatorPort}`);
    const passes = (kind: string) => sumOf(m, 'gavel_buyer_passes_total', { buyer: ERRING_BUYER.id, kind });

    // every auction pinged the buyer once, and each ping is exactly one of its answers
    expect(c.pings).toBe(PINGS);
    expect(c.bids + c.passes + c.serverErrors + c.garbage + c.hung).toBe(PINGS);
    expect(c.late).toBe(0);
    // at about the configured rates
    const near = (n: number, share: number) => expect(Math.abs(n / PINGS - share)).toBeLessThan(3.5 * Math.sqrt((share * (1 - share)) / PINGS));
    near(c.passes, ERRING_SHARES.pass);
    near(c.serverErrors, ERRING_SHARES.serverError);
    near(c.garbage, ERRING_SHARES.garbage);
    near(c.hung, ERRING_SHARES.hung);
    // Gavel's account: a bid per buyer bid, at the bid less the 20% margin
    expect(sold.length).toBe(c.bids);
    expect(answers.filter((a) => a.status === 'no_bid').length).toBe(PINGS - c.bids);
    expect(sumOf(m, 'gavel_bids_total', { buyer: ERRING_BUYER.id })).toBe(c.bids);
    expect(Math.abs(sold.reduce((s, a) => s + a.price!, 0) - (c.bidCents / 100) * 0.8)).toBeLessThan(0.01 * c.bids);
    // the SDK's failure answer is a pass to Gavel; garbage is a reply it cannot read; a hung ping times out
    expect(passes('NO_BID')).toBe(c.passes + c.serverErrors);
    expect(passes('BAD_REPLY')).toBe(c.garbage);
    expect(passes('TIMEOUT')).toBe(c.hung);
    expect(sumOf(m, 'gavel_buyer_timeouts_total', { buyer: ERRING_BUYER.id })).toBe(c.hung);
    // posts: what the buyer accepted Gavel sold, what it rejected Gavel did not
    expect(posts.filter((p) => p.status === 'sold').length).toBe(c.postsAccepted);
    expect(c.postsAccepted + c.postsRejected).toBe(posts.length);
    expect(Math.min(c.postsAccepted, c.postsRejected)).toBeGreaterThan(20);
    expect(c.postsLate).toBe(0);
    expect(c).toMatchObject({ piiInPings: 0, badRequests: 0, connections: 1 });
  });
});
