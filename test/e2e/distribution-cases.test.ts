import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Gavel } from '../../src/gavel.js';
import { ROOT } from '../../src/core/paths.js';
import { startBuyer, type Reply, type TestBuyer } from '../support/buyer-server.js';
import { call, fullLead, pingLead, readTrace, SELLER_KEY, startExchange, stopExchange, testConfig } from '../support/exchange.js';
import type { TraceSegment } from '../../src/trace/lead-trace.js';

/**
 * The distribution logic, driven by JSON cases (test/distribution-cases/*.json, each file an
 * array). A case: the campaign and buyers (each a real HTTP buyer server answering as the case
 * says, plus its Gavel config), then steps, each a call and what must come of it: the answer,
 * who was pinged and posted, and why each buyer left out was left out (Gavel's own count,
 * gavel_buyers_left_out_total, between the step's start and end, and the lead's trace: both
 * must say the same).
 */
interface BuyerCase {
  id: string;
  /** the ping reply: a bid, or "pass", or an HTTP status to fail with, optionally after a delay */
  bid?: number;
  /** its bid for a shared sale */
  shared_bid?: number;
  pass?: boolean;
  status?: number;
  delay_ms?: number;
  /** the post reply (default accept) */
  post?: 'accept' | 'reject';
  /** anything else is the buyer's Gavel config (filters, schedule, sellers, …) */
  [config: string]: unknown;
}

interface Step {
  /** default: a direct post (`leads`) */
  call?: 'leads' | 'ping' | 'ping+post';
  /** merged over a fresh full test lead (zip 90210, state CA, age 40, phone, email, name) */
  lead?: Record<string, unknown>;
  /** fields taken out of it */
  omit?: string[];
  sub_id?: string;
  test?: boolean;
  seller?: string;
  /** the wall clock (Date only; timers run on real time) before the step */
  at?: string;
  /** or moved on by this much from the last step */
  advance_ms?: number;
  /** buyers' new answers from this step on (replacing their reply fields) */
  replies?: Record<string, Omit<BuyerCase, 'id'>>;
  expect: {
    status?: string;
    reason?: string;
    price?: number;
    /** the buyer that accepted the post */
    winner?: string | null;
    /** the buyers that accepted it (a shared sale) */
    winners?: string[];
    /** how many bought it, as the answer says (a shared tier) */
    buyers?: number;
    pinged?: string[];
    posted?: string[];
    left_out?: Record<string, string>;
  };
}

interface Case {
  name: string;
  campaign?: Record<string, unknown>;
  buyers: BuyerCase[];
  sellers?: Record<string, unknown>[];
  steps: Step[];
}

const DIR = join(ROOT, 'test', 'distribution-cases');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));
const REPLY_KEYS = new Set(['id', 'bid', 'shared_bid', 'pass', 'status', 'delay_ms', 'post']);
const SECOND_SELLER_KEY = 'seller-two-key-0123456789';

let g: Gavel | undefined;
const servers: TestBuyer[] = [];
afterEach(async () => {
  vi.useRealTimers();
  if (g) await stopExchange(g);
  g = undefined;
  for (const s of servers.splice(0)) await s.close();
});

function pingReply(b: BuyerCase): Reply {
  if (b.status !== undefined) return { status: b.status, body: { error: 'down' }, delayMs: b.delay_ms };
  return { body: b.pass ? { pass: true } : { bid: b.bid ?? 0, ...(b.shared_bid !== undefined ? { shared_bid: b.shared_bid } : {}) }, delayMs: b.delay_ms };
}

function leftOutCounts(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^gavel_buyers_left_out_total\{buyer="([^"]+)",reason="([^"]+)"\} (\d+)/gm)) out.set(`${m[1]} ${m[2]}`, Number(m[3]));
  return out;
}

async function run(c: Case): Promise<void> {
  const byId = new Map<string, TestBuyer>();
  // what each buyer answers now: a step's `replies` change it from that step on
  const now = new Map(c.buyers.map((b) => [b.id, { ...b }]));
  for (const b of c.buyers) {
    const server = await startBuyer(
      () => pingReply(now.get(b.id)!),
      () => ({ body: now.get(b.id)!.post === 'reject' ? { accepted: false, reason: 'case says reject' } : { accepted: true } }),
    );
    servers.push(server);
    byId.set(b.id, server);
  }
  const config = testConfig(
    c.buyers.map((b) => ({ id: b.id, url: byId.get(b.id)!.url })),
    c.campaign ?? {},
  );
  config.buyers = config.buyers.map((b, i) => ({ ...b, ...Object.fromEntries(Object.entries(c.buyers[i]!).filter(([k]) => !REPLY_KEYS.has(k))) }));
  const sellerOver = new Map((c.sellers ?? []).map((s) => [s.id, s]));
  config.sellers = [
    { id: 'pub1', api_key: SELLER_KEY },
    { id: 'pub2', api_key: SECOND_SELLER_KEY },
  ].map((s) => ({ ...s, ...(sellerOver.get(s.id) ?? {}) }));
  // cases set the clock to fixed past dates (a weekday, an hour); traces written then would
  // already be past a 7-day retention by the real clock of Redis, and gone before they are read
  config.trace = { retention: '3650d' };
  g = await startExchange(config);
  const port = g.port;
  let clock: number | undefined;

  for (const [n, step] of c.steps.entries()) {
    const where = `${c.name}, step ${n + 1}`;
    if (step.at !== undefined || step.advance_ms !== undefined) {
      clock = step.at !== undefined ? Date.parse(step.at) : (clock ?? Date.now()) + step.advance_ms!;
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(clock);
    }
    for (const [id, over] of Object.entries(step.replies ?? {})) now.set(id, { id, ...over });
    const before = leftOutCounts(await (await fetch(`http://127.0.0.1:${g!.operatorPort}/metrics`)).text());
    const counts = new Map([...byId].map(([id, s]) => [id, { pings: s.pings.length, posts: s.posts.length }]));
    const lead = fullLead(step.lead ?? {});
    for (const f of step.omit ?? []) delete lead[f];
    const headers: Record<string, string> = step.seller === 'pub2' ? { authorization: `Bearer ${SECOND_SELLER_KEY}` } : {};
    const extra = { ...(step.sub_id !== undefined ? { sub_id: step.sub_id } : {}), ...(step.test !== undefined ? { test: step.test } : {}) };
    let answer: Record<string, unknown>;
    let leadId: string;
    if (step.call === 'ping' || step.call === 'ping+post') {
      const ping = await call(port, '/v1/ping', { campaign: 'auto', lead: pingLead(lead), ...extra }, headers);
      answer = ping.body;
      leadId = ping.body.ping_id;
      if (step.call === 'ping+post' && ping.body.status === 'bid') answer = (await call(port, '/v1/post', { ping_id: ping.body.ping_id, lead }, headers)).body;
    } else {
      answer = (await call(port, '/v1/leads', { campaign: 'auto', lead, ...extra }, headers)).body;
      leadId = answer.lead_id as string;
    }
    const trace = (await readTrace(g, leadId)).body.segments as TraceSegment[];

    const e = step.expect;
    if (e.status !== undefined) expect(answer.status, where).toBe(e.status);
    if (e.reason !== undefined) expect(answer.reason, where).toBe(e.reason);
    if (e.price !== undefined) expect(answer.price, where).toBe(e.price);
    const grew = (what: 'pings' | 'posts') => [...byId].filter(([id, s]) => s[what].length > counts.get(id)![what]).map(([id]) => id).sort();
    if (e.pinged !== undefined) {
      expect(grew('pings'), `${where}: pinged`).toEqual([...e.pinged].sort());
      expect(trace.flatMap((t) => t.pings.map((p) => p.buyer)).sort(), `${where}: pinged, in the trace`).toEqual([...e.pinged].sort());
    }
    if (e.posted !== undefined) expect(grew('posts'), `${where}: posted`).toEqual([...e.posted].sort());
    const accepted = () => grew('posts').filter((id) => now.get(id)!.post !== 'reject');
    if (e.winner !== undefined) expect(accepted(), `${where}: winner`).toEqual(e.winner === null ? [] : [e.winner]);
    if (e.winners !== undefined) expect(accepted(), `${where}: winners`).toEqual([...e.winners].sort());
    if (e.buyers !== undefined) expect(answer.buyers, `${where}: buyers`).toBe(e.buyers);
    if (e.left_out !== undefined) {
      const after = leftOutCounts(await (await fetch(`http://127.0.0.1:${g!.operatorPort}/metrics`)).text());
      const left: Record<string, string> = {};
      for (const [key, n] of after) if (n > (before.get(key) ?? 0)) left[key.split(' ')[0]!] = key.split(' ')[1]!;
      expect(left, `${where}: left out`).toEqual(e.left_out);
      // each exclusion is in the lead's trace with its reason (the last, where a buyer was left out twice)
      const traced: Record<string, string> = {};
      for (const t of trace) for (const x of t.buyers) if (x.outcome !== 'ELIGIBLE' && x.outcome !== 'HELD' && x.stage !== 'rank') traced[x.buyer] = x.outcome;
      expect(traced, `${where}: left out, in the trace`).toEqual(e.left_out);
    }
  }
}

for (const file of files) {
  const cases = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as Case[];
  describe(`distribution cases: ${file}`, () => {
    for (const c of cases) it(c.name, () => run(c));
  });
}
