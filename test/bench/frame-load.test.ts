import { afterAll, describe, expect, it } from 'vitest';
import { killTinyChildren, startTinyChild, type TinyChild } from '../support/tiny-child.js';
import { fullLead, pingLead } from '../../bench/support/leads.js';
import { readDemoConfig } from '../../bench/support/demo-config.js';
import { runFrames } from '../../bench/support/frame-load.js';
import { procCpuSeconds } from '../../bench/support/proc-cpu.js';
import { ROOT } from '../../src/core/paths.js';
import { startBuyer } from '../support/buyer-server.js';
import { SELLER_KEY, startExchange, stopExchange, testConfig } from '../support/exchange.js';

const KEY = 'seller-key-for-the-test';

/**
 * A tiny real seller socket (uWebSockets.js, as Gavel's) in a process of its own, so /proc reads
 * its CPU and not the test's: it refuses a wrong key, answers every call whose lead's index ends
 * in 0 (read back from the zip) with an error answer and the rest with a bid, some over 125
 * bytes (a 16-bit length on the wire); in `wrong-id` mode it answers with an id no call has (one plus one that may be in flight on the same socket would pass as that call's). On SIGUSR2
 * it prints every message it took and how many error answers it sent.
 */
const TINY_SOCKET = `
const uws = require('uWebSockets.js');
const mode = process.argv[1];
const messages = [];
let refused = 0;
uws.App().ws('/v1/ws', {
  upgrade: (res, req, ctx) => {
    if (req.getHeader('authorization') !== 'Bearer ${KEY}') return void res.writeStatus('401 Unauthorized').end('{"error":"key"}');
    res.upgrade({}, req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-protocol'), req.getHeader('sec-websocket-extensions'), ctx);
  },
  message: (ws, message) => {
    const text = Buffer.from(message).toString('utf8');
    messages.push(text);
    const m = JSON.parse(text);
    const id = mode === 'wrong-id' ? m.id + 10000000 : m.id;
    const i = Number(m.lead.zip) - 10000;
    if (i % 10 === 0) {
      refused++;
      ws.send(JSON.stringify({ type: 'error', id, status: 503, error: { code: 'STORE_UNAVAILABLE', message: 'for the test' } }));
    } else ws.send(JSON.stringify({ type: m.type, id, status: 'bid', price: 5, note: i % 3 === 0 ? 'x'.repeat(200) : '' }));
  },
}).listen('127.0.0.1', 0, (s) => process.stdout.write(uws.us_socket_local_port(s) + '\\n'));
process.on('SIGUSR2', () => { process.stdout.write(JSON.stringify({ messages, refused }) + '\\n'); messages.length = 0; refused = 0; });`;

afterAll(killTinyChildren);

async function tinySocket(mode = 'normal'): Promise<TinyChild<{ messages: string[]; refused: number }>> {
  return startTinyChild<{ messages: string[]; refused: number }>(TINY_SOCKET, [mode], ROOT);
}

/** The message the SDK sends for call `id` (src/sdk/seller-client.ts: `{ ...{ type, campaign, lead, ...options }, id }`). */
const sdkMessage = (type: 'ping' | 'lead', lead: object, tmaxMs: number, id: number) => JSON.stringify({ ...{ type, campaign: 'auto', lead, tmax_ms: tmaxMs }, id });

describe('the seller-socket generator (frames), against a real socket', () => {
  it('sends leads.ts leads, one per call, the SDK\'s message byte for byte, matches every answer by id, and reads both sides\' CPU', async () => {
    const server = await tinySocket();
    const connections = 20;
    const run = await runFrames({ url: server.url, key: KEY, route: 'ping', tmaxMs: 120, connections, durationS: 1, firstLead: 1000, serverCpuSeconds: () => procCpuSeconds(server.pid) });
    const { messages, refused } = await server.took();
    expect(run.output.requests).toBeGreaterThan(1000);
    // the server took every call answered, and at most the calls in flight as the run stopped besides
    expect(messages.length).toBeGreaterThanOrEqual(run.output.requests);
    expect(messages.length).toBeLessThanOrEqual(run.output.requests + connections);
    // error answers are counted as such: a tenth of the leads
    expect(run.output.non2xx).toBeGreaterThan(run.output.requests / 20);
    expect(refused - run.output.non2xx).toBeGreaterThanOrEqual(0);
    expect(refused - run.output.non2xx).toBeLessThanOrEqual(connections);
    expect(run.okPerSecond).toBeCloseTo((run.output.requests - run.output.non2xx) / run.output.durationS, 6);
    // every call a different lead: the k-th from firstLead, all distinct; the last ones written as the run stopped may not have arrived
    const known = new Set(Array.from({ length: messages.length + connections }, (_, k) => sdkMessage('ping', pingLead(1000 + k), 120, 1000 + k)));
    expect(new Set(messages).size).toBe(messages.length);
    expect(messages.filter((m) => !known.has(m))).toEqual([]);
    expect(run.output.socketErrors.read).toBe(0);
    expect(run.generatorCpuS).toBeGreaterThan(0);
    expect(run.generatorCoreShare).toBeGreaterThan(0);
    expect(run.generatorCoreShare).toBeLessThan(1.5);
    expect(run.generatorMicrosPerRequest).toBeCloseTo((run.generatorCpuS * 1e6) / run.output.requests, 6);
    expect(run.serverCpuS).toBeGreaterThan(0);
    expect(run.output.latency.p99).toBeGreaterThan(0);
    expect(run.output.latency.p50).toBeLessThanOrEqual(run.output.latency.p99!);
  });

  it('splits the calls over several processes without two sending one lead', async () => {
    const server = await tinySocket();
    const run = await runFrames({ url: server.url, key: KEY, route: 'leads', tmaxMs: 500, connections: 9, durationS: 1, firstLead: 4_500_000, processes: 2, serverCpuSeconds: () => procCpuSeconds(server.pid) });
    const { messages } = await server.took();
    expect(run.output.requests).toBeGreaterThan(500);
    // each process goes at its own pace through its own leads (even, odd): each message the lead of its id, no id twice, both processes heard
    const ids = messages.map((m) => (JSON.parse(m) as { id: number }).id);
    expect(messages.filter((m, k) => m !== sdkMessage('lead', fullLead(ids[k]!), 500, ids[k]!))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(Math.min(...ids)).toBe(4_500_000);
    expect(new Set(ids.map((id) => id % 2))).toEqual(new Set([0, 1]));
    // within one process, its leads are a prefix of its own sequence (the last few written as it stopped may be missing)
    for (const parity of [0, 1]) {
      const own = ids.filter((id) => id % 2 === parity);
      expect(Math.max(...own) - Math.min(...own)).toBeLessThan(2 * (own.length + 5));
    }
  });

  it('gives no figure when the answers do not carry the ids of the calls', async () => {
    const server = await tinySocket('wrong-id');
    await expect(runFrames({ url: server.url, key: KEY, route: 'ping', tmaxMs: 120, connections: 4, durationS: 1, firstLead: 0, serverCpuSeconds: () => procCpuSeconds(server.pid) })).rejects.toThrow(/answers carried an id no call in flight had/);
  });

  it('stops with the server\'s answer when the upgrade is refused', async () => {
    const server = await tinySocket();
    await expect(runFrames({ url: server.url, key: 'not-the-key', route: 'ping', tmaxMs: 120, connections: 4, durationS: 1, firstLead: 0, serverCpuSeconds: () => 0 })).rejects.toThrow(/did not open.*401/);
  });
});

describe('the seller-socket generator against Gavel', () => {
  it('drives pings to a bid from a real buyer, every one answered', async () => {
    const buyer = await startBuyer(() => ({ body: { bid: 7 } }));
    const demo = readDemoConfig().campaigns.find((c) => c.id === 'auto')!;
    const g = await startExchange(testConfig([{ id: 'b', url: buyer.url }], { fields: demo.fields, dedup: undefined }));
    try {
      const cpu = process.cpuUsage();
      const run = await runFrames({ url: `http://127.0.0.1:${g.port}`, key: SELLER_KEY, route: 'ping', tmaxMs: 150, connections: 8, durationS: 1, firstLead: 0, serverCpuSeconds: () => {
        // Gavel runs in this process here: its CPU is the test's
        const { user, system } = process.cpuUsage(cpu);
        return (user + system) / 1e6;
      } });
      expect(run.output.requests).toBeGreaterThan(50);
      expect(run.output.non2xx).toBe(0);
      expect(run.okPerSecond).toBeGreaterThan(50);
      expect(buyer.pings.length).toBeGreaterThanOrEqual(run.output.requests);
      // the buyer saw a different lead in every ping: pingLead(i)'s zip differs for every i under 90,000
      const zips = buyer.pings.map((p) => /"zip":"(\d{5})"/.exec(p.text)?.[1]);
      expect(zips.filter((z) => z === undefined)).toEqual([]);
      expect(new Set(zips).size).toBe(buyer.pings.length);
      expect(run.generatorCpuS).toBeGreaterThan(0);
    } finally {
      await stopExchange(g);
      await buyer.close();
    }
  });
});
