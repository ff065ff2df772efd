import type { StoredPing, StoredSegment } from '../../src/trace/lead-trace.js';
import { pingLead } from './leads.js';

const BUYERS = ['acme', 'bolt', 'cove', 'dune', 'echo', 'fern'];
const GRADES = ['A', 'B', 'C', 'D'];

/**
 * Lead i's recorded segments, as the recorder stores them: a ping of the demo campaign with every
 * buyer's answer (a bid 70% of the time) and a grade, and for four offers in five a post to the
 * best bidder, one in seven rejected. Deterministic in i.
 */
export function recordedSegments(i: number, at: number): StoredSegment[] {
  const id = `r-${i.toString(36)}-${(i * 2654435761) >>> 0}`;
  const pings: StoredPing[] = BUYERS.map((b, k) => {
    const bids = (i * (k + 3) + k * 7) % 10 < 7;
    return [b, 1, 20 + ((i + k) % 40), bids ? 'bid' : 'NO_BID', bids ? 1 + ((i * (k + 1) * 37) % 900) / 100 : null, null];
  });
  const grade = GRADES[i % 4]!;
  const best = Math.max(...pings.map((p) => p[4] ?? 0));
  const base = {
    lead_id: id,
    at: new Date(at).toISOString(),
    seller: 'demo-seller',
    campaign: 'auto',
    sub_id: null,
    test: false,
    bytes: 180,
    invalid: null,
    dedup: 'ok',
    buyers: [],
    score: { score: 0.5, grade },
    ranking: [],
    total_ms: 60,
  };
  const ping: StoredSegment = { ...base, phase: 'ping', pings, posts: [], sold: [], result: best >= 1 ? { status: 'bid', price: best * 0.8 } : { status: 'no_bid', reason: 'NO_BID' }, fields: pingLead(i) as unknown as Record<string, unknown> };
  if (best < 1 || i % 5 === 0) return [ping];
  const winner = pings.reduce((a, b) => ((b[4] ?? 0) > (a[4] ?? 0) ? b : a))[0];
  const accepted = i % 7 !== 0;
  const post: StoredSegment = {
    ...base,
    at: new Date(at + 2000).toISOString(),
    phase: 'post',
    pings: [],
    posts: [{ buyer: winner, price: best, sent_ms: 1, ms: 80, accepted }],
    sold: accepted ? [{ buyer: winner, price: best, payout: best * 0.8 }] : [],
    result: accepted ? { status: 'sold', price: best * 0.8 } : { status: 'rejected', reason: 'POST_REJECTED' },
    fields: { ...(pingLead(i) as unknown as Record<string, unknown>) },
  };
  return [ping, post];
}

