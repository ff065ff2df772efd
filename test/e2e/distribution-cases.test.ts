import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Gavel } from '../../src/gavel.js';
import { startBuyer, type Reply as ServerReply, type TestBuyer } from '../support/buyer-server.js';
import { caseConfig, loadCases, pingReplyOf, SECOND_SELLER_KEY, type BuyerCase, type Case } from '../support/distribution-case.js';
import { call, fullLead, pingLead, readTrace, startExchange, stopExchange } from '../support/exchange.js';
import type { TraceSegment } from '../../src/trace/lead-trace.js';

/**
 * The distribution logic, driven by JSON cases (test/distribution-cases/*.json, each file an
 * array, in the format of test/support/distribution-case.ts). A case: the campaign and buyers
 * (each a real HTTP buyer server answering as the case says, plus its Gavel config), then steps,
 * each a call and what must come of it: the answer, who was pinged and posted, and why each
 * buyer left out was left out (Gavel's own count, gavel_buyers_left_out_total, between the
 * step's start and end, and the lead's trace: both must say the same). Every case runs here,
 * those the in-process table (test/unit/distribution-table.test.ts) runs as well.
 */

let g: Gavel | undefined;
const servers: TestBuyer[] = [];
afterEach(async () => {
  vi.useRealTimers();
  if (g) await stopExchange(g);
  g = undefined;
  for (const s of servers.splice(0)) await s.close();
});

function pingReply(b: BuyerCase): ServerReply {
  const { status, body } = pingReplyOf(b);
  return { status, body, delayMs: b.delay_ms };
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
  const config = caseConfig(c, (id) => byId.get(id)!.url);
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

for (const { file, cases } of loadCases()) {
  describe(`distribution cases: ${file}`, () => {
    for (const c of cases) it(c.name, () => run(c));
  });
}
