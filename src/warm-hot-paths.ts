import { setImmediate as nextTurn } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { pack } from 'msgpackr';
import { pingBody } from './auction/auction-round.js';
import { decodeState, encodeState } from './auction/auction-state.js';
import { leadDigests } from './auction/dedup-key.js';
import type { FanOutResult } from './auction/fan-out.js';
import { pinged, rankPlan, type RankBy } from './auction/rank.js';
import { readPingReply } from './buyers/buyer-replies.js';
import { ReplyReader, ReplyState } from './buyers/lean-http-reply.js';
import type { CampaignRuntime, Runtime } from './config/runtime.js';
import { fromMicros, payout } from './core/money.js';
import { decodeBody } from './front/decode-body.js';
import { PingEnvelope } from './protocol/seller-api.js';
import { exampleLead } from './spec/example-lead.js';

export interface WarmedPaths {
  /** rounds run (each: every campaign's lead once through the pure stages) */
  rounds: number;
  /** campaigns whose example lead went through (one whose example does not validate, as a ping and in full, is left out) */
  campaigns: number;
  ms: number;
}

/** One campaign's synthetic lead, made once, and what its rounds read. */
interface Sample {
  c: CampaignRuntime;
  /** a seller's ping request body, as it comes off the wire */
  request: Buffer;
  /** a buyer's HTTP reply with a bid, and one with a pass, as they come off the socket */
  replies: Buffer[];
  fixed: ReadonlySet<string>;
}

const BID_REPLY = httpReply('{"bid":12.5,"bid_id":"warm-1","shared_bid":6}');
const PASS_REPLY = httpReply('{"pass":true,"reason":"warm"}');

function httpReply(body: string): Buffer {
  return Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nkeep-alive: timeout=5\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

function sampleOf(runtime: Runtime, id: string, fields: Parameters<typeof exampleLead>[1]): Sample | null {
  const c = runtime.campaigns.get(id);
  if (c === undefined) return null;
  const full = exampleLead(id, fields);
  if (!c.schema.parseFull(full).ok) return null;
  const ping = Object.fromEntries(Object.entries(full).filter(([n]) => fields[n]!.ping));
  const request = Buffer.from(JSON.stringify({ campaign: id, lead: ping, test: true }));
  // a ping of it must pass as a seller's would, or the rounds would warm the refusal instead
  const env = PingEnvelope.safeParse(decodeBody(request, 'json'));
  if (!env.success || !c.schema.parsePing(env.data.lead).ok) return null;
  return {
    c,
    request,
    replies: [BID_REPLY, PASS_REPLY],
    fixed: new Set(c.buyers.filter((b) => !pinged(b)).map((b) => b.id)),
  };
}

/** A turn order that is the candidates' own: the store's takeTurn is not called. */
const OWN_ORDER: RankBy['turn'] = (_tier, candidates) => Promise.resolve(candidates.map(([id]) => id));

/**
 * One lead through the pure parts of a ping's path, on its campaign's compiled runtime: the
 * seller's body decoded and its envelope and lead validated, the dedup digests hashed (not
 * claimed), the buyers' ping body built, each buyer's HTTP reply read into a bid or a pass,
 * the bids ranked by the plan, the auction's state encoded and read back, and the seller's
 * answer encoded both ways. Nothing here reaches the store, a buyer, a metric or a trace.
 */
async function round(runtime: Runtime, s: Sample, n: number): Promise<unknown> {
  const { c } = s;
  const env = PingEnvelope.safeParse(decodeBody(s.request, 'json'));
  if (!env.success) return null;
  const parsed = c.schema.parsePing(env.data.lead);
  if (!parsed.ok) return null;
  const lead = parsed.lead;
  const digests = leadDigests(runtime.secret, c.dedup, lead, true);
  const id = `warm-${n}`;
  const body = pingBody(id, c, lead, true) + c.tmaxMs + '}';
  const results: FanOutResult[] = [];
  const reader = new ReplyReader(64 * 1024);
  let i = 0;
  for (const buyer of c.buyers) {
    if (!pinged(buyer)) continue;
    reader.reset();
    if (reader.feed(s.replies[i++ % s.replies.length]!) !== ReplyState.Done) continue;
    results.push({ buyer, result: readPingReply(JSON.parse(reader.text()), 3) });
  }
  const ranked = await rankPlan(c, results, runtime.data.server.max_bids, {
    floorMicros: c.floorMicros,
    grade: null,
    chance: c.rankBy === 'expected_value' ? () => 0.5 : null,
    belowGrade: () => undefined,
    fixed: s.fixed,
    turn: OWN_ORDER,
  });
  const state = decodeState(encodeState(c.id, c.schema.pingFingerprint(lead), true, ranked, null, undefined, Date.now()));
  const top = ranked[0];
  const answer =
    top === undefined
      ? { status: 'no_bid', ping_id: id, reason: 'NO_BID' }
      : { status: 'bid', ping_id: id, price: fromMicros(payout(top.priceMicros, c.margin)), expires_at: new Date().toISOString(), bids: state.bids.length };
  return [JSON.stringify(answer), pack(answer), body.length, digests.claims.length];
}

/**
 * Start-up step: run the hot pure code of a ping `rounds` times per campaign on a synthetic
 * lead made from the campaign's own field specs, so V8 has compiled it (and its shapes are
 * settled) before the first seller call rather than during the first seconds of traffic. Bounded
 * by `withinMs` as well; the event loop is given a turn every few rounds (the buyer connections
 * warm at the same time).
 */
export async function warmHotPaths(runtime: Runtime, rounds: number, withinMs: number): Promise<WarmedPaths> {
  const t0 = performance.now();
  const samples: Sample[] = [];
  for (const c of runtime.data.campaigns) {
    const s = sampleOf(runtime, c.id, c.fields);
    if (s !== null) samples.push(s);
  }
  let done = 0;
  if (samples.length > 0) {
    for (; done < rounds; done++) {
      for (const s of samples) await round(runtime, s, done);
      if (done % 64 === 63) {
        if (performance.now() - t0 > withinMs) {
          done++;
          break;
        }
        await nextTurn();
      }
    }
  }
  return { rounds: done, campaigns: samples.length, ms: performance.now() - t0 };
}
