import { unpack } from 'msgpackr';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ConfigInput } from '../../src/config/schema.js';
import type { Gavel } from '../../src/gavel.js';
import { connectBuyer, connectSeller, GavelCallError, type SocketStatus } from '../../src/sdk/index.js';
import { startBuyer } from '../support/buyer-server.js';
import { cleanPrefix, fullLead, pingLead, SELLER_KEY, startExchange, stopExchange, testConfig, TEST_FIELDS } from '../support/exchange.js';
import { freePort, spawnGavel, writeConfig } from '../support/process.js';

const BUYER_KEY = 'sdk-buyer-key-0123456789';
const cleanups: (() => Promise<unknown> | unknown)[] = [];
let g: Gavel | undefined;
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  if (g) await stopExchange(g);
  g = undefined;
});

/** Campaigns `auto` and `home`; an HTTP buyer bidding 4 on `auto`; the socket buyer `sock` on both. */
async function exchange(server: Record<string, unknown> = {}, socketTimeoutMs = 100): Promise<{ config: ConfigInput; g: Gavel }> {
  const http = await startBuyer(() => ({ body: { bid: 4 } }));
  cleanups.push(() => http.close());
  const config = { ...testConfig([{ id: 'http', url: http.url }]), server };
  config.campaigns.push({ ...config.campaigns[0]!, id: 'home', fields: TEST_FIELDS });
  config.buyers.push({ id: 'sock', campaigns: ['auto', 'home'], transport: 'websocket', key: BUYER_KEY, timeout_ms: socketTimeoutMs, post_timeout_ms: 500 });
  g = await startExchange(config);
  return { config, g };
}

function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (check()) return resolve();
      if (Date.now() - t0 > ms) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(poll, 10);
    };
    poll();
  });
}

async function metrics(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

describe('the SDK', () => {
  it('is what the package exports as gavel/sdk', async () => {
    const specifier = 'gavel/sdk'; // resolved at run time through package.json "exports", as a user's import is
    const sdk = (await import(specifier)) as Record<string, unknown>;
    expect(Object.keys(sdk).sort()).toEqual(['GavelCallError', 'connectBuyer', 'connectSeller']);
  });

  it('a buyer bids, wins and accepts; when Gavel restarts, buyer and seller reconnect by themselves and trade again', async () => {
    const http = await startBuyer(() => ({ body: { bid: 4 } }));
    cleanups.push(() => http.close());
    const config = testConfig([{ id: 'http', url: http.url }]);
    config.buyers.push({ id: 'sock', campaigns: ['auto'], transport: 'websocket', key: BUYER_KEY, timeout_ms: 100, post_timeout_ms: 500 });
    const path = writeConfig(config);
    cleanups.push(() => cleanPrefix(config.redis!.prefix!));
    const port = await freePort();
    let gavel = await spawnGavel(path, {}, port);
    cleanups.push(() => gavel.child.kill('SIGKILL'));

    const statuses: SocketStatus[] = [];
    const buyer = connectBuyer({
      url: `ws://127.0.0.1:${port}`,
      key: BUYER_KEY,
      reconnect: { minMs: 20, maxMs: 200 },
      onStatus: (s) => statuses.push(s),
      onPing: (p) => ({ bid: 9, bid_id: `b-${p.ping_id}` }),
      onPost: (p) => ({ accept: true, redirect_url: `https://sock.example/${p.bid_id}` }),
    });
    cleanups.push(() => buyer.close());
    const seller = connectSeller({ url: `http://127.0.0.1:${port}`, key: SELLER_KEY, reconnect: { minMs: 20, maxMs: 200 } });
    cleanups.push(() => seller.close());
    await Promise.all([buyer.ready, seller.ready]);

    const lead = fullLead();
    const ping = await seller.ping('auto', pingLead(lead));
    expect(ping).toMatchObject({ status: 'bid', price: 7.2, bids: 2 });
    if (ping.status !== 'bid') throw new Error('unreachable');
    expect(await seller.post(ping.ping_id, lead)).toMatchObject({ status: 'sold', price: 7.2, redirect_url: `https://sock.example/b-${ping.ping_id}` });

    // a deploy: the process drains and exits, a new one takes the port; both clients come back on their own
    gavel.child.kill('SIGTERM');
    expect(await gavel.exited).toBe(0);
    await until(() => !buyer.connected && !seller.connected, 'the clients to see the drop');
    gavel = await spawnGavel(path, {}, port);
    await until(() => buyer.connected && seller.connected, 'the clients to reconnect');
    expect(statuses.map((s) => s.state)).toEqual(['open', 'closed', ...statuses.slice(2).map(() => expect.any(String))]);
    expect(statuses.at(-1)).toEqual({ state: 'open' });
    expect(statuses[1]).toMatchObject({ state: 'closed', retryInMs: expect.any(Number) });

    const sold = await seller.lead('auto', fullLead());
    expect(sold).toMatchObject({ status: 'sold', price: 7.2, redirect_url: expect.stringMatching(/^https:\/\/sock\.example\/b-/) });
  });

  it('a socket can bid for some of its campaigns only; an unknown campaign is refused at the upgrade', async () => {
    const { g: gv } = await exchange();
    const pinged: string[] = [];
    const buyer = connectBuyer({
      url: `ws://127.0.0.1:${gv.port}`,
      key: BUYER_KEY,
      campaigns: ['home'],
      onPing: (p) => (pinged.push(p.campaign), { bid: 9 }),
      onPost: () => ({ accept: true }),
    });
    cleanups.push(() => buyer.close());
    const seller = connectSeller({ url: `ws://127.0.0.1:${gv.port}`, key: SELLER_KEY });
    cleanups.push(() => seller.close());
    await Promise.all([buyer.ready, seller.ready]);

    expect(await seller.ping('auto', pingLead(fullLead()))).toMatchObject({ status: 'bid', price: 3.2, bids: 1 });
    expect(await seller.ping('home', pingLead(fullLead()))).toMatchObject({ status: 'bid', price: 7.2, bids: 1 });
    expect(pinged).toEqual(['home']);
    expect(await metrics(gv.operatorPort)).toMatch(/gavel_buyer_passes_total\{buyer="sock",kind="CONNECT_ERROR"\} 1/);

    const refused = await new Promise<{ status: number; body: string }>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${gv.port}/v1/bidders/ws?campaigns=home,boats`, { headers: { authorization: `Bearer ${BUYER_KEY}` } });
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      ws.once('error', () => undefined);
    });
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.body)).toMatchObject({ error: { code: 'UNKNOWN_CAMPAIGN', message: expect.stringContaining('boats') } });
  });

  it('msgpack both ways: 40 concurrent seller calls on one socket, each answer matched to its call', async () => {
    // the matching is tested, not the buyer's speed: 40 pings at once on a machine with both cores
    // busy took the socket buyer past 100 ms (no_bid), so it has 400 of the calls' 500
    const { g: gv } = await exchange({}, 400);
    // the bid tells which lead it was for
    const buyer = connectBuyer({
      url: `ws://127.0.0.1:${gv.port}`,
      key: BUYER_KEY,
      format: 'msgpack',
      onPing: async (p) => {
        await new Promise((r) => setTimeout(r, Math.random() * 20));
        return { bid: 5 + Number(p.lead.zip) / 100_000 };
      },
      onPost: () => ({ accept: true }),
    });
    cleanups.push(() => buyer.close());
    const seller = connectSeller({ url: `ws://127.0.0.1:${gv.port}`, key: SELLER_KEY, format: 'msgpack' });
    cleanups.push(() => seller.close());
    await Promise.all([buyer.ready, seller.ready]);

    const zips = Array.from({ length: 40 }, (_, i) => String(10_000 + i * 1111).padStart(5, '0'));
    const answers = await Promise.all(zips.map((zip) => seller.ping('auto', pingLead(fullLead({ zip })), { tmax_ms: 500 })));
    answers.forEach((a, i) => {
      expect(a.status).toBe('bid');
      // neighbouring leads' prices differ by ~0.009: 4 places tell each answer's lead apart
      expect(a.status === 'bid' && a.price).toBeCloseTo((5 + Number(zips[i]) / 100_000) * 0.8, 4);
    });

    // what Gavel sends a msgpack buyer is binary msgpack (the raw socket the buyer's only one now)
    await buyer.close();
    const raw = new WebSocket(`ws://127.0.0.1:${gv.port}/v1/bidders/ws?format=msgpack&campaigns=home`, { headers: { authorization: `Bearer ${BUYER_KEY}` } });
    cleanups.push(() => raw.terminate());
    await new Promise((r) => raw.once('open', r));
    const frame = new Promise<{ data: Buffer; isBinary: boolean }>((resolve) => raw.once('message', (data: Buffer, isBinary) => resolve({ data, isBinary })));
    await seller.ping('home', pingLead(fullLead()));
    const got = await frame;
    expect(got.isBinary).toBe(true);
    expect(unpack(got.data)).toMatchObject({ type: 'ping', id: expect.any(Number), campaign: 'home', tmax_ms: expect.any(Number) });
  });

  it('seller calls: an error answer rejects with its code; no answer in time is CALL_TIMEOUT; a call cut by close is SOCKET_CLOSED', async () => {
    const { g: gv } = await exchange();
    const buyer = connectBuyer({
      url: `ws://127.0.0.1:${gv.port}`,
      key: BUYER_KEY,
      onPing: async () => {
        await new Promise((r) => setTimeout(r, 300));
        return { pass: true, reason: 'slow' };
      },
      onPost: () => ({ reject: true, reason: 'no' }),
    });
    cleanups.push(() => buyer.close());
    const seller = connectSeller({ url: `ws://127.0.0.1:${gv.port}`, key: SELLER_KEY, callTimeoutMs: 100 });
    cleanups.push(() => seller.close());
    await Promise.all([buyer.ready, seller.ready]);

    const invalid = await seller.ping('auto', { zip: 'nope', state: 'IL' }).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(GavelCallError);
    expect(invalid).toMatchObject({ code: 'INVALID_LEAD', status: 400, details: expect.arrayContaining([expect.objectContaining({ path: 'lead.zip' })]) });

    const slow = await seller.ping('auto', pingLead(fullLead()), { tmax_ms: 1000 }).catch((e: unknown) => e);
    expect(slow).toMatchObject({ code: 'CALL_TIMEOUT', status: 504 });

    const cut = seller.ping('home', pingLead(fullLead()), { tmax_ms: 1000 }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 20));
    await seller.close();
    expect(await cut).toMatchObject({ code: 'SOCKET_CLOSED', status: 503 });
    expect(seller.inFlight).toBe(0);
    // closed for good: a call fails at once, it does not wait out callTimeoutMs
    const t0 = Date.now();
    expect(await seller.ping('auto', pingLead(fullLead())).catch((e: unknown) => e)).toMatchObject({ code: 'SOCKET_CLOSED' });
    expect(Date.now() - t0).toBeLessThan(50);
    // a refused key with no reconnect: ready rejects rather than hanging
    const refused = connectSeller({ url: `ws://127.0.0.1:${gv.port}`, key: 'not-a-key-0123456789', reconnect: false });
    await expect(refused.ready).rejects.toThrow(/before it ever opened/);
    expect(await refused.ping('auto', pingLead(fullLead())).catch((e: unknown) => e)).toMatchObject({ code: 'SOCKET_CLOSED' });
  });

  it('a seller that stops reading its answers is cut off (1008) rather than growing Gavel memory; others are served', async () => {
    const { g: gv } = await exchange({ socket_max_buffered_bytes: 16 * 1024 });
    const ws = new WebSocket(`ws://127.0.0.1:${gv.port}/v1/ws`, { headers: { authorization: `Bearer ${SELLER_KEY}` } });
    cleanups.push(() => ws.terminate());
    await new Promise((r) => ws.once('open', r));
    let answers = 0;
    ws.on('message', () => answers++);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.pause(); // reads nothing from here on
    // frames Gavel answers at once with an error that echoes a long id: answers pile up unread
    const frame = JSON.stringify({ type: 'nope', id: 'x'.repeat(128) });
    let sent = 0;
    const cutOffs = () => Number(/gavel_socket_cutoffs_total\{side="seller",id="pub1"\} (\d+)/.exec(txt)?.[1] ?? 0);
    let txt = '';
    while (sent < 200_000) {
      for (let i = 0; i < 2000; i++) ws.send(frame);
      sent += 2000;
      await new Promise((r) => setTimeout(r, 20));
      txt = await metrics(gv.operatorPort);
      if (cutOffs() > 0) break;
    }
    expect(cutOffs()).toBe(1);
    ws.resume();
    expect([1008, 1006]).toContain(await closed);
    expect(answers).toBeLessThan(sent);

    const other = connectSeller({ url: `ws://127.0.0.1:${gv.port}`, key: SELLER_KEY });
    cleanups.push(() => other.close());
    expect(await other.ping('auto', pingLead(fullLead()))).toMatchObject({ status: 'bid' });
  });
});
