import { describe, expect, it } from 'vitest';
import { PingReply, readPingReply } from '../../src/buyers/buyer-replies.js';
import { toMicros } from '../../src/core/money.js';

/** What the schema alone makes of a reply: the reference the hand-read fast path must agree with. */
function bySchema(reply: unknown): unknown {
  const r = PingReply.safeParse(reply);
  if (!r.success) return { pass: 'BAD_REPLY' };
  if ('pass' in r.data) return { pass: 'NO_BID', reason: r.data.reason };
  const bidMicros = toMicros(r.data.bid);
  if (bidMicros <= 0) return { pass: 'NO_BID', reason: undefined };
  return { bidMicros, bidId: r.data.bid_id, sharedBidMicros: r.data.shared_bid === undefined ? undefined : toMicros(r.data.shared_bid) };
}

function byReader(reply: unknown): unknown {
  const r = readPingReply(reply, 1);
  return r.kind === 'pass' ? { pass: r.pass, reason: r.reason } : { bidMicros: r.bidMicros, bidId: r.bidId, sharedBidMicros: r.sharedBidMicros };
}

describe('a ping reply read', () => {
  const replies: unknown[] = [
    { bid: 7.25 },
    { bid: 0 },
    { bid: 0.000001 },
    { bid: 0.0000001 },
    { bid: 1_000_000 },
    { bid: 1_000_000.01 },
    { bid: -1 },
    { bid: Number.NaN },
    { bid: Number.POSITIVE_INFINITY },
    { bid: '7' },
    { bid: 7, bid_id: 'b-1' },
    { bid: 7, bid_id: 'x'.repeat(129) },
    { bid: 7, bid_id: 'x'.repeat(128) },
    { bid: 7, bid_id: 12 },
    { bid: 7, bid_id: null },
    { bid: 7, bid_id: 'b-2', shared_bid: 4.5, type: 'bid', id: 3 },
    { bid: 0, bid_id: 'b-3' },
    { bid: 7, shared_bid: 3 },
    { bid: 7, shared_bid: 0 },
    { bid: 7, shared_bid: '3' },
    { bid: 7, shared_bid: 1_000_001 },
    { bid: 7, shared_bid: -3 },
    { bid: 7, pass: true },
    { bid: 7, type: 'bid', id: 12, extra: [1, 2] },
    { pass: true },
    { pass: true, reason: 'no budget' },
    { pass: false },
    { pass: true, reason: 'r'.repeat(257) },
    { pass: true, reason: 'r'.repeat(256) },
    { pass: true, reason: 7 },
    { pass: true, reason: null },
    { pass: true, bid: -1 },
    { pass: true, bid: 'x' },
    { pass: 'true' },
    { type: 'pass', id: 4, pass: true, reason: 'capped' },
    {},
    null,
    'bid',
    7,
    [7],
  ];
  it('agrees with the schema on every shape, the common plain bid included', () => {
    for (const r of replies) expect(byReader(r), JSON.stringify(r)).toEqual(bySchema(r));
  });
});
