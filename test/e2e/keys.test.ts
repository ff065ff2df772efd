import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { hashKey } from '../../src/config/keys.js';
import type { ConfigInput } from '../../src/config/schema.js';
import type { Gavel } from '../../src/gavel.js';
import { ROOT } from '../../src/core/paths.js';
import { startBuyer } from '../support/buyer-server.js';
import { ADMIN_KEY, cleanPrefix, fullLead, pingLead, SELLER_KEY, startExchange, stopExchange, testConfig, testPrefix } from '../support/exchange.js';
import { spawnGavel, writeConfig } from '../support/process.js';
import { stopAfterEach } from '../support/stop-after.js';

const OPERATOR = 'operator-key-0123456789abcdef';
const PUB1_OLD = 'pub1-old-key-0123456789';
const PUB1_NEW = 'pub1-new-key-0123456789';
const PUB2 = 'pub2-clear-key-0123456789';
const A_KEY = 'buyer-a-key-0123456789';
const B_KEY = 'buyer-b-key-0123456789';
const IDLE_KEY = 'buyer-idle-key-0123456789';
const SOCK_KEY = 'buyer-sock-key-0123456789';

const cleanups = stopAfterEach();

interface Reply {
  status: number;
  body: any;
}

async function req(port: number, method: 'GET' | 'POST', path: string, key?: string, body?: unknown): Promise<Reply> {
  const headers: Record<string, string> = key === undefined ? {} : { authorization: `Bearer ${key}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* Prometheus text stays text */
  }
  return { status: res.status, body: parsed };
}

const lead = (key: string, port: number, path = '/v1/leads', body: unknown = { campaign: 'auto', lead: fullLead() }) => req(port, 'POST', path, key, body);

/**
 * Every key hashed but pub2's (kept in clear, as older configs have it): the operator, pub1 with
 * two keys, pub2; buyer a bids 10 and accepts, b bids 6, idle is inactive, sock is a socket buyer.
 */
function keyedConfig(pub1Keys = [PUB1_OLD, PUB1_NEW], urls: { a: string; b: string }): ConfigInput {
  const c = testConfig([{ id: 'a', url: urls.a }, { id: 'b', url: urls.b }, { id: 'idle', url: urls.b }], {}, testPrefix());
  delete c.admin_key;
  c.admin_keys = [hashKey(OPERATOR)];
  c.sellers = [
    { id: 'pub1', api_keys: pub1Keys.map(hashKey) },
    { id: 'pub2', api_key: PUB2 },
  ];
  Object.assign(c.buyers[0]!, { keys: [hashKey(A_KEY)] });
  Object.assign(c.buyers[1]!, { keys: [hashKey(B_KEY)] });
  Object.assign(c.buyers[2]!, { keys: [hashKey(IDLE_KEY)], active: false });
  c.buyers.push({ id: 'sock', campaigns: ['auto'], transport: 'websocket', keys: [hashKey(SOCK_KEY)], timeout_ms: 50 });
  return c;
}

async function exchange(pub1Keys?: string[]): Promise<{ g: Gavel; restart(keys: string[]): Promise<Gavel> }> {
  const a = await startBuyer(() => ({ body: { bid: 10 } }));
  const b = await startBuyer(() => ({ body: { bid: 6 } }));
  cleanups.push(() => a.close(), () => b.close());
  const urls = { a: a.url, b: b.url };
  let g = await startExchange(keyedConfig(pub1Keys, urls));
  cleanups.push(() => stopExchange(g));
  return {
    g,
    async restart(keys) {
      await stopExchange(g);
      g = await startExchange(keyedConfig(keys, urls));
      return g;
    },
  };
}

function socket(port: number, path: string, key: string): Promise<{ open: true; ws: WebSocket } | { open: false; status: number }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${key}` } });
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      cleanups.push(() => ws.close());
      resolve({ open: true, ws });
    });
    ws.once('unexpected-response', (_, res) => resolve({ open: false, status: res.statusCode ?? 0 }));
    ws.once('error', reject);
  });
}

describe('two listeners', () => {
  it("a seller's key reads no metrics and reaches no operator route, on either listener", async () => {
    const { g } = await exchange();
    const sold = await lead(PUB1_NEW, g.port);
    expect(sold.body.status).toBe('sold');
    const id = sold.body.lead_id as string;

    // the public listener has no /metrics at all
    expect(await req(g.port, 'GET', '/metrics')).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(await req(g.port, 'GET', '/metrics', PUB1_NEW)).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    // the operator's: served to its network, but refused to a party's key
    const metrics = await req(g.operatorPort, 'GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/gavel_bids_total\{buyer="a"\} 1/);
    for (const key of [PUB1_NEW, PUB2, A_KEY]) {
      expect(await req(g.operatorPort, 'GET', '/metrics', key)).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    }
    expect(await req(g.operatorPort, 'GET', '/metrics', 'no-such-key-0123456789')).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED' } } });

    const span = 'from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z';
    for (const port of [g.port, g.operatorPort]) {
      for (const [method, path] of [
        ['GET', '/v1/reports?' + span],
        ['GET', '/v1/returns'],
        ['POST', '/v1/returns/ret:x:a/approve'],
        ['POST', '/v1/returns/ret:x:a/deny'],
      ] as const) {
        expect(await req(port, method, path, PUB1_NEW), `${method} ${path} on ${port === g.port ? 'public' : 'operator'}`).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
      }
    }
    // its own lead: on the public listener only
    expect((await req(g.port, 'GET', `/v1/leads/${id}`, PUB1_NEW)).status).toBe(200);
    expect(await req(g.operatorPort, 'GET', `/v1/leads/${id}`, PUB1_NEW)).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN', message: expect.stringMatching(/operator's key only/) } } });
    // and the seller calls are not on the operator listener (GET /v1/leads is, the operator's list: a POST there is 405)
    expect(await lead(PUB1_NEW, g.operatorPort)).toMatchObject({ status: 405, body: { error: { code: 'METHOD_NOT_ALLOWED' } } });
  });

  it("the operator's key works on the operator listener only; health and readiness answer on both; shutdown closes both", async () => {
    const { g } = await exchange();
    const id = (await lead(PUB1_NEW, g.port)).body.lead_id as string;
    const span = 'from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z';

    const whole = await req(g.operatorPort, 'GET', `/v1/leads/${id}`, OPERATOR);
    expect(whole.status).toBe(200);
    // the whole trace: every buyer's ping, bids and all
    expect(whole.body.segments[0]).toMatchObject({ seller: 'pub1', result: { status: 'sold' } });
    expect(whole.body.segments[0].pings.map((p: { buyer: string }) => p.buyer).sort()).toEqual(['a', 'b', 'sock']);
    expect((await req(g.operatorPort, 'GET', `/v1/reports?${span}`, OPERATOR)).status).toBe(200);
    expect(await req(g.operatorPort, 'GET', '/v1/returns', OPERATOR)).toMatchObject({ status: 200, body: { returns: [] } });
    expect(await req(g.operatorPort, 'POST', '/v1/returns/ret:x:a/approve', OPERATOR)).toMatchObject({ status: 404, body: { error: { code: 'RETURN_NOT_FOUND' } } });
    expect((await req(g.operatorPort, 'GET', '/metrics', OPERATOR)).status).toBe(200);

    for (const [method, path] of [
      ['GET', `/v1/leads/${id}`],
      ['GET', `/v1/reports?${span}`],
      ['GET', '/v1/returns'],
      ['POST', '/v1/returns/ret:x:a/approve'],
    ] as const) {
      const refused = await req(g.port, method, path, OPERATOR);
      expect(refused, `${method} ${path}`).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN', message: expect.stringMatching(/operator listener/) } } });
    }
    // it is no seller's key either
    expect(await lead(OPERATOR, g.port)).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED' } } });

    for (const port of [g.port, g.operatorPort]) {
      expect(await req(port, 'GET', '/health')).toMatchObject({ status: 200, body: { status: 'ok' } });
      expect(await req(port, 'GET', '/ready')).toMatchObject({ status: 200, body: { ready: true } });
    }
    await g.shutdown();
    for (const port of [g.port, g.operatorPort]) await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  });
});

describe('each party sees its own', () => {
  it('a seller reads its own leads, not another seller\'s; a buyer its part and its returns, not another buyer\'s', async () => {
    const { g } = await exchange();
    const mine = await lead(PUB1_OLD, g.port);
    expect(mine.body).toMatchObject({ status: 'sold', price: 8 });
    const id = mine.body.lead_id as string;

    // either of pub1's keys is pub1; pub2 cannot tell the lead from an unknown one
    for (const key of [PUB1_OLD, PUB1_NEW]) expect(await req(g.port, 'GET', `/v1/leads/${id}`, key)).toMatchObject({ status: 200, body: { lead_id: id } });
    expect(await req(g.port, 'GET', `/v1/leads/${id}`, PUB2)).toMatchObject({ status: 404, body: { error: { code: 'LEAD_NOT_FOUND' } } });
    // the winner and the loser each see their part; a buyer that had no part sees nothing
    expect(await req(g.port, 'GET', `/v1/leads/${id}`, A_KEY)).toMatchObject({ status: 200, body: { outcome: 'won' } });
    const lost = await req(g.port, 'GET', `/v1/leads/${id}`, B_KEY);
    expect(lost).toMatchObject({ status: 200, body: { outcome: 'lost', reason: 'OUTBID' } });
    expect(JSON.stringify(lost.body)).not.toMatch(/"a"|pub1/);
    expect(await req(g.port, 'GET', `/v1/leads/${id}`, IDLE_KEY)).toMatchObject({ status: 404, body: { error: { code: 'LEAD_NOT_FOUND' } } });

    // returns: a buyer files and lists its own; another buyer neither sees nor returns them
    await g.ledgerWriter.drain(5000);
    expect(await req(g.port, 'POST', '/v1/returns', B_KEY, { lead_id: id, reason: 'not mine' })).toMatchObject({ status: 404, body: { error: { code: 'SALE_NOT_FOUND' } } });
    expect(await req(g.port, 'POST', '/v1/returns', B_KEY, { lead_id: id, reason: 'x', buyer: 'a' })).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    expect(await req(g.port, 'POST', '/v1/returns', A_KEY, { lead_id: id, reason: 'wrong number' })).toMatchObject({ status: 201, body: { buyer: 'a', status: 'pending' } });
    expect(await req(g.port, 'GET', '/v1/returns', A_KEY)).toMatchObject({ status: 200, body: { returns: [{ lead_id: id }] } });
    expect(await req(g.port, 'GET', '/v1/returns', B_KEY)).toMatchObject({ status: 200, body: { returns: [] } });
    expect(await req(g.port, 'GET', '/v1/returns?buyer=a', B_KEY)).toMatchObject({ status: 200, body: { returns: [] } });
  });
});

describe('keys', () => {
  it('two keys of one seller both work, over HTTP and the socket; a key removed from the config no longer does', async () => {
    const ex = await exchange();
    let g = ex.g;
    for (const key of [PUB1_OLD, PUB1_NEW]) {
      expect((await lead(key, g.port, '/v1/ping', { campaign: 'auto', lead: pingLead(fullLead()) })).body).toMatchObject({ status: 'bid' });
      expect(await socket(g.port, '/v1/ws', key)).toMatchObject({ open: true });
    }
    // the clear key of an older config still works
    expect((await lead(PUB2, g.port)).body.status).toBe('sold');

    g = await ex.restart([PUB1_NEW]);
    expect(await lead(PUB1_OLD, g.port)).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED', message: 'Unknown API key' } } });
    expect(await socket(g.port, '/v1/ws', PUB1_OLD)).toEqual({ open: false, status: 401 });
    expect((await lead(PUB1_NEW, g.port)).body.status).toBe('sold');
  });

  it("a buyer's hashed key opens the buyer socket; no other party's key does", async () => {
    const { g } = await exchange();
    expect(await socket(g.port, '/v1/bidders/ws', SOCK_KEY)).toMatchObject({ open: true });
    for (const key of [PUB1_NEW, OPERATOR, A_KEY, hashKey(SOCK_KEY)]) expect(await socket(g.port, '/v1/bidders/ws', key)).toEqual({ open: false, status: 401 });
    expect(await socket(g.port, '/v1/ws', SOCK_KEY)).toEqual({ open: false, status: 401 });
  });

  it("a key in clear for one party and its hash for another is refused at start, with the path", async () => {
    const c = testConfig([]);
    c.sellers = [{ id: 'pub1', api_keys: [hashKey(ADMIN_KEY)] }];
    await expect(startExchange(c)).rejects.toThrow(/sellers\[0\]\.api_keys\[0\]: the same key as the operator's/);
  });

  it('a clear key is warned about at start, naming its party and never the key; the listening line gives both ports', async () => {
    const prefix = testPrefix();
    const g = await spawnGavel(writeConfig(testConfig([], {}, prefix)));
    try {
      const warned = g.logs.filter((l) => l.level === 40 && typeof l.party === 'string').map((l) => l.party);
      expect(warned).toEqual(['the operator (admin_key)', 'seller pub1 (api_key)']);
      const text = g.logs.map((l) => JSON.stringify(l)).join('\n');
      expect(text).not.toContain(ADMIN_KEY);
      expect(text).not.toContain(SELLER_KEY);
      expect(g.operatorPort).toBeGreaterThan(0);
      expect(g.operatorPort).not.toBe(g.port);
      expect((await req(g.operatorPort, 'GET', '/metrics')).status).toBe(200);
      expect((await req(g.port, 'GET', '/metrics')).status).toBe(404);
    } finally {
      g.child.kill('SIGTERM');
      await g.exited;
      await cleanPrefix(prefix);
    }
  });

  it('hash-key reads a key on stdin and prints the form a config stores; a short key is refused without being printed', async () => {
    const run = (input: string) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const child = spawn(process.execPath, [join(ROOT, 'dist/src/main.js'), 'hash-key'], { stdio: ['pipe', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.once('exit', (code) => resolve({ code, out, err }));
        child.stdin.end(input);
      });
    expect(await run(`${OPERATOR}\n`)).toEqual({ code: 0, out: `${hashKey(OPERATOR)}\n`, err: '' });
    const short = await run('tiny-key\n');
    expect(short.code).toBe(1);
    expect(short.out).toBe('');
    expect(short.err).toMatch(/at least 16 characters/);
    expect(short.err).not.toContain('tiny-key');
  });
});
