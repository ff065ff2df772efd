import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ROOT } from '../../src/core/paths.js';
import { call, fullLead, pingLead, SELLER_KEY } from '../support/exchange.js';
import { sharedExchange } from '../support/shared-exchange.js';

const BURSTER_KEY = 'burster-key-0123456789';
const BUYER_KEY = 'ws-buyer-key-limits-0123456789';
const MAX_BODY = 4096;
const shared = sharedExchange(
  // a buyer that takes 10 ms: a burst's calls stay in flight long enough to meet the bound
  () => ({ body: { bid: 7 }, delayMs: 10 }),
  (config) => {
    config.sellers.push({ id: 'burster', api_key: BURSTER_KEY });
    config.buyers.push({ id: 'sock', campaigns: ['auto'], transport: 'websocket', key: BUYER_KEY, timeout_ms: 100 });
    return { ...config, server: { max_body_bytes: MAX_BODY } };
  },
);

function open(path: string, key: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${shared.gavel.port}${path}`, { headers: { authorization: `Bearer ${key}` } });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}
const closeCode = (ws: WebSocket) => new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));

describe('a frame over server.max_body_bytes gets a close frame with 1009', () => {
  it('on the seller socket, in text and binary frames', async () => {
    for (const binary of [false, true]) {
      const ws = await open('/v1/ws', SELLER_KEY);
      const closed = closeCode(ws);
      ws.send(Buffer.alloc(MAX_BODY + 1, 0x20), { binary });
      expect(await closed).toBe(1009);
    }
    // a frame at the limit is read (and refused as what it is, not by its size)
    const ws = await open('/v1/ws', SELLER_KEY);
    const answer = new Promise<any>((resolve) => ws.once('message', (d) => resolve(JSON.parse(d.toString()))));
    ws.send(`{"type":"ping","id":1,"pad":"${'x'.repeat(MAX_BODY - 32)}"}`.padEnd(MAX_BODY, ' '));
    expect((await answer).error.code).toBe('INVALID_REQUEST');
    ws.close();
  });

  it('on the buyer socket', async () => {
    const ws = await open('/v1/bidders/ws', BUYER_KEY);
    const closed = closeCode(ws);
    ws.send(Buffer.alloc(MAX_BODY + 1, 0x20), { binary: true });
    expect(await closed).toBe(1009);
  });

  it('past four times the limit uWS cuts the connection at the frame header, with no close frame (README says so)', async () => {
    const ws = await open('/v1/ws', SELLER_KEY);
    const closed = closeCode(ws);
    ws.send(Buffer.alloc(4 * MAX_BODY + 1, 0x20));
    expect(await closed).toBe(1006);
  });
});

/** The burster's lines on stdout, parsed, as they come. */
function burster(count: number): { lines: AsyncGenerator<any>; child: ChildProcess } {
  const child = spawn(process.execPath, [join(ROOT, 'test/support/socket-burster.mjs'), `ws://127.0.0.1:${shared.gavel.port}/v1/ws`, BURSTER_KEY, String(count)], { stdio: ['ignore', 'pipe', 'inherit'] });
  async function* lines() {
    for await (const line of createInterface({ input: child.stdout! })) yield JSON.parse(line);
  }
  return { lines: lines(), child };
}

describe('server.socket_max_in_flight bounds one seller socket', () => {
  it('a burst of 5,000 frames gets TOO_MANY_IN_FLIGHT past 64, the socket lives, and another seller\'s ping is answered on time', async () => {
    const N = 5000;
    const { lines } = burster(N);
    expect((await lines.next()).value).toEqual({ sent: true });
    // the other seller's ping lands while the burst is being read
    const other = await call(shared.gavel.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) });
    const { tally, after } = (await lines.next()).value;
    const refused = tally['429:TOO_MANY_IN_FLIGHT'] ?? 0;
    // every frame got one answer: refused at once, or run
    expect(refused + (tally.ping ?? 0)).toBe(N);
    // a 10 ms buyer lets some hundreds through while the frames arrive; at 64 in flight, most are refused
    expect(tally.ping).toBeGreaterThanOrEqual(64);
    expect(refused).toBeGreaterThan(N / 2);
    // answered, whatever the answer: the test's buyer shares this process's loop with Gavel and may be late
    expect(after).toMatchObject({ type: 'ping', id: 'after' });
    expect(other.status).toBe(200);
    expect(['bid', 'no_bid']).toContain(other.body.status);
    // Measured on this 2-core box at load 6-8 (five engineers' tests): before the bound 2.4 and 4.9 s
    // (every frame ran an auction); after it 0.3 to 0.5 s, once 2.1 s. What is left is the refusals
    // themselves (about 390 ms of handler time for 5,000 frames at that load) and the test's buyer
    // and client sharing this loop. 1.5 s keeps the unbounded case failing on such a box.
    expect(other.ms).toBeLessThan(1500);
    const metrics = await (await fetch(`http://127.0.0.1:${shared.gavel.operatorPort}/metrics`)).text();
    expect(Number(/^gavel_call_wait_seconds_count (\d+)/m.exec(metrics)?.[1])).toBeGreaterThan(0);
  }, 30_000);
});
