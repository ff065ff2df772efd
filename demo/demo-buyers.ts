import { hashKey } from '../src/config/keys.js';
import type { ConfigInput } from '../src/config/schema.js';
import type { BuyerBehaviour } from '../bench/buyer-behaviour.js';
import type { MockBuyer } from '../bench/buyer-fleet.js';
import { readDemoConfig } from '../bench/support/demo-config.js';

/**
 * The six buyers of src/config/demo.yaml, each with a character: two steady bidders (caps of
 * 1000 and 500 a day), one that mostly passes, one that always answers after its deadline,
 * one that bids high and rejects half its posts, one that bids highest until its cap of 20
 * (its min_grade in demo.yaml keeps it to the better leads).
 */
export const DEMO_BUYERS: BuyerBehaviour[] = [
  { id: 'acme', bid: { min: 8, max: 14 }, latencyMs: 8, jitterMs: 4, redirectUrl: 'https://acme.example/thanks' },
  { id: 'bolt', bid: { min: 6, max: 12 }, latencyMs: 12, jitterMs: 6 },
  { id: 'cove', bid: { min: 9, max: 16 }, latencyMs: 5, jitterMs: 3, passProbability: 0.75 },
  { id: 'dune', bid: { min: 18, max: 22 }, lateByMs: 25 },
  { id: 'echo', bid: { min: 12, max: 20 }, latencyMs: 10, jitterMs: 5, postRejectProbability: 0.5 },
  { id: 'fern', bid: { min: 16, max: 21 }, latencyMs: 6, jitterMs: 2 },
];

/**
 * What each of the six is made to do, in a line: the first-run summary prints these so a
 * newcomer reads a designed failure (dune always late, echo rejecting posts) as one.
 */
export const DEMO_BUYER_ROLES: Record<string, string> = {
  acme: 'steady bidder, $8-14, answers in about 8 ms; cap 1000 a day; takes test leads',
  bolt: 'steady bidder, $6-12, answers in about 12 ms; cap 500 a day; takes test leads',
  cove: 'passes 3 pings in 4 (NO_BID), bids $9-16 on the rest',
  dune: 'bids high ($18-22) but always answers 25 ms after its deadline: every ping a TIMEOUT, by design',
  echo: 'bids $12-20 and rejects half the posts it wins, by design (the lead goes to the next bidder)',
  fern: 'bids highest ($16-21), takes grade B leads or better only (BELOW_GRADE otherwise); cap 20 a day',
};

/**
 * A seventh buyer, on the buyer socket through the SDK rather than called over HTTP: a quick,
 * steady bidder a little above acme, so it wins where echo is outbid or rejects its post, and
 * often once fern's cap is full. Not in demo.yaml: `npm run demo` adds it, `npm start`'s first run has the six alone.
 */
export const DEMO_SOCKET_BUYERS: BuyerBehaviour[] = [{ id: 'gale', bid: { min: 9, max: 15 }, latencyMs: 4, jitterMs: 2, redirectUrl: 'https://gale.example/welcome' }];

/** The socket buyers' keys: Gavel's config and the socket fleet must agree on them. */
export const DEMO_SOCKET_BUYER_KEYS: Record<string, string> = { gale: 'demo-gale-buyer-key-0123456789' };

/**
 * demo.yaml with each buyer's URLs pointed at the fleet, the socket buyers added as websocket
 * buyers with their keys; a Redis block when one is given.
 */
export function demoConfig(buyers: readonly MockBuyer[], redis?: { url: string; prefix: string }): ConfigInput {
  const config = readDemoConfig();
  const byId = new Map(buyers.map((b) => [b.id, b]));
  config.buyers = config.buyers.map((b) => {
    const mock = byId.get(b.id);
    if (mock === undefined) throw new Error(`demo.yaml buyer "${b.id}" has no mock in the fleet`);
    return { ...b, ping_url: mock.pingUrl, post_url: mock.postUrl };
  });
  for (const b of DEMO_SOCKET_BUYERS) {
    config.buyers.push({ id: b.id, campaigns: ['auto'], transport: 'websocket', keys: [hashKey(DEMO_SOCKET_BUYER_KEYS[b.id]!)], timeout_ms: 100 });
  }
  if (redis !== undefined) config.redis = redis;
  return config;
}
