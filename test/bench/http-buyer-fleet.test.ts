import { Pool } from 'undici';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BuyerBehaviour } from '../../bench/buyer-behaviour.js';
import type { BuyerCounters } from '../../bench/buyer-counters.js';
import { startBuyerFleet, type BuyerFleet } from '../../bench/buyer-fleet.js';
import { ERRING_BUYER, ERRING_SHARES } from './erring-buyer.js';
import { stopAfterAll } from '../support/stop-after.js';

/** What a client of a mock HTTP buyer sees of one call. */
interface Seen {
  kind: 'bid' | 'pass' | 'serverError' | 'garbage' | 'hung' | 'accepted' | 'rejected' | 'other';
  bid?: number;
  status?: number;
}

const HUNG_AFTER_MS = 300;
const SLOW: BuyerBehaviour = { id: 'slow', bid: 10, latency: 20 };

const stops = stopAfterAll();
let fleet: BuyerFleet;
const pools = new Map<string, Pool>();
beforeAll(async () => {
  fleet = await startBuyerFleet([ERRING_BUYER, SLOW], { seed: 7 });
  stops.push(() => fleet.close());
  stops.push(() => Promise.all([...pools.values()].map((p) => p.destroy())));
});

function poolOf(id: string): Pool {
  let pool = pools.get(id);
  if (pool === undefined) pools.set(id, (pool = new Pool(`http://127.0.0.1:${fleet.get(id).port}`, { connections: 64, pipelining: 1 })));
  return pool;
}

/** One native-protocol call, as Gavel makes it, classified by what came back; no answer in HUNG_AFTER_MS is a hung call. */
async function call(id: string, path: string, body: string | Record<string, unknown>, method: 'POST' | 'GET' = 'POST'): Promise<Seen> {
  try {
    const res = await poolOf(id).request({
      method,
      path,
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(HUNG_AFTER_MS),
    });
    const text = await res.body.text();
    if (res.statusCode >= 500) return { kind: 'serverError', status: res.statusCode };
    if (res.statusCode !== 200) return { kind: 'other', status: res.statusCode };
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return { kind: 'garbage' };
    }
    if (typeof json.bid === 'number') return { kind: 'bid', bid: json.bid };
    if (json.pass === true) return { kind: 'pass' };
    if (json.accepted === true && json.redirect_url === `https://erring.example/thanks?lead=${String(typeof body === 'object' ? body.ping_id : '')}`) return { kind: 'accepted' };
    return { kind: json.accepted === false ? 'rejected' : 'other' };
  } catch (e) {
    if ((e as Error).name === 'TimeoutError') return { kind: 'hung' };
    throw e;
  }
}

const ping = (n: number, tmaxMs = 100) => ({ ping_id: `p-${n}`, campaign: 'auto', test: false, lead: { zip: '90210', state: 'CA', age: 40 }, tmax_ms: tmaxMs });

/** Calls at most `inFlight` at a time, so the test is quick but the buyer's connections stay few. */
async function all<T>(n: number, inFlight: number, one: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < n) {
      const i = next++;
      out[i] = await one(i);
    }
  }));
  return out;
}

const tally = (seen: readonly Seen[], kind: Seen['kind']) => seen.filter((s) => s.kind === kind).length;
const delta = (after: BuyerCounters, before: BuyerCounters) => Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - before[k as keyof BuyerCounters]]));

describe('the HTTP buyer fleet (uWebSockets.js), over real sockets', () => {
  it('2,000 pings: pass, error and each error kind at their configured rates; hung pings never answer; the counters are what the client saw', async () => {
    const before = fleet.counters().erring!;
    const seen = await all(2000, 64, (i) => call('erring', '/ping', ping(i)));
    const share = (kind: Seen['kind']) => tally(seen, kind) / seen.length;
    // within about 3.5 standard deviations of the configured share, for 2,000 draws
    for (const kind of ['pass', 'serverError', 'garbage', 'hung', 'bid'] as const) {
      const p = ERRING_SHARES[kind];
      expect(Math.abs(share(kind) - p), kind).toBeLessThan(3.5 * Math.sqrt((p * (1 - p)) / 2000));
    }
    expect(tally(seen, 'other')).toBe(0);
    const bids = seen.flatMap((s) => (s.kind === 'bid' ? [s.bid!] : []));
    expect(bids.every((b) => Number(b.toFixed(2)) === b)).toBe(true);
    // a hung ping had no answer in 300 ms, against a latency of at most 3: it is held open, not slow
    expect(tally(seen, 'hung')).toBeGreaterThan(50);
    expect(delta(fleet.counters().erring!, before)).toMatchObject({
      pings: 2000,
      bids: bids.length,
      passes: tally(seen, 'pass'),
      serverErrors: tally(seen, 'serverError'),
      garbage: tally(seen, 'garbage'),
      hung: tally(seen, 'hung'),
      bidCents: bids.reduce((s, b) => s + Math.round(b * 100), 0),
      piiInPings: 0,
      badRequests: 0,
    });
    // a reply the fleet wrote past the ping's tmax is counted late, and was still the kind the client saw;
    // none on a quiet box, 23 of 2,000 with both cores kept busy (the fleet's own loop behind): a few percent at most
    expect(delta(fleet.counters().erring!, before).late).toBeLessThan(100);
  });

  it('1,000 posts: rejected at the configured rate, accepts carry the redirect naming the ping; counted as seen', async () => {
    const before = fleet.counters().erring!;
    const seen = await all(1000, 32, (i) => call('erring', '/post', { ping_id: `p-${i}`, bid_id: 'b', price: 10, test: false, tmax_ms: 3000, lead: { phone: '5550000000' } }));
    expect(Math.abs(tally(seen, 'rejected') / 1000 - ERRING_SHARES.reject)).toBeLessThan(0.05);
    expect(tally(seen, 'accepted') + tally(seen, 'rejected')).toBe(1000);
    expect(delta(fleet.counters().erring!, before)).toMatchObject({ postsAccepted: tally(seen, 'accepted'), postsRejected: tally(seen, 'rejected'), postsLate: 0, pings: 0 });
  });

  it('an answer written after the tmax_ms Gavel gave is counted late; one in time is not', async () => {
    const before = fleet.counters().slow!;
    const seen = await all(40, 40, (i) => call('slow', '/ping', ping(i, i < 20 ? 5 : 200)));
    expect(tally(seen, 'bid')).toBe(40);
    expect(delta(fleet.counters().slow!, before)).toMatchObject({ pings: 40, bids: 40, late: 20 });
  });

  it('what is not the protocol is counted as malformed, never as a ping; PII in a ping is counted', async () => {
    const before = fleet.counters().slow!;
    const seen = [
      await call('slow', '/ping', 'not json'),
      await call('slow', '/ping', { ...ping(1), tmax_ms: undefined }),
      await call('slow', '/ping', { ...ping(1), lead: 'zip=90210' }),
      await call('slow', '/post', { bid_id: 'b' }),
      await call('slow', '/elsewhere', ping(1)),
      await call('slow', '/ping', '', 'GET'),
    ];
    expect(seen.map((s) => s.status)).toEqual([400, 400, 400, 400, 404, 404]);
    expect(await call('slow', '/ping', { ...ping(2), lead: { zip: '90210', email: 'ada@example.com' } })).toEqual({ kind: 'bid', bid: 10 });
    expect(delta(fleet.counters().slow!, before)).toMatchObject({ badRequests: 6, pings: 1, bids: 1, piiInPings: 1 });
  });
});
