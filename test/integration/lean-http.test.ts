import { spawn } from 'node:child_process';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from 'vitest';
import { HttpBuyerTransport } from '../../src/buyers/http-transport.js';
import { CallFail, LeanHttpPool } from '../../src/buyers/lean-http-pool.js';
import { ReplyReader, ReplyState } from '../../src/buyers/lean-http-reply.js';
import type { Bid, Pass } from '../../src/buyers/transport.js';
import { startBuyer } from '../support/buyer-server.js';

/**
 * The lean ping path (lean-http-pool.ts, lean-http-reply.ts) against the library's (undici), on
 * real buyer servers: every reply below gets the same answer from both, and the answer the
 * transport's rules give (so both being wrong the same way fails too).
 */

/** What a raw buyer does with one request: bytes to write (in pieces, with pauses), then perhaps a reset. */
interface Act {
  pieces: (string | Buffer)[];
  /** ms between pieces */
  gapMs?: number;
  /** ms before the first piece */
  delayMs?: number;
  /** reset the connection after the pieces */
  destroy?: boolean;
  /** end the connection (FIN) after the pieces */
  end?: boolean;
}

interface RawBuyer {
  url: string;
  readonly connections: number;
  readonly requests: number;
  close(): Promise<void>;
}

/** A buyer speaking HTTP by hand over TCP: answers each request it reads whole with `act`. */
async function rawBuyer(act: () => Act): Promise<RawBuyer> {
  let connections = 0;
  let requests = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buf = '';
    socket.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      for (;;) {
        const headEnd = buf.indexOf('\r\n\r\n');
        if (headEnd < 0) return;
        const m = /content-length: (\d+)/i.exec(buf.slice(0, headEnd));
        const total = headEnd + 4 + (m ? Number(m[1]) : 0);
        if (buf.length < total) return;
        buf = buf.slice(total);
        requests++;
        void play(socket, act());
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get connections() {
      return connections;
    },
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function play(socket: Socket, a: Act): Promise<void> {
  if (a.delayMs) await sleep(a.delayMs);
  for (let i = 0; i < a.pieces.length; i++) {
    if (i > 0 && a.gapMs) await sleep(a.gapMs);
    if (socket.destroyed) return;
    socket.write(a.pieces[i]!);
  }
  if (a.destroy) {
    await sleep(5);
    socket.resetAndDestroy();
  } else if (a.end) socket.end();
}

const json = (body: string, extra = '') => `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;
const chunked = (parts: string[], trailer = '') => `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n${parts.map((p) => `${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`).join('')}0\r\n${trailer}\r\n`;
const big = JSON.stringify({ bid: 3, bid_id: 'x', pad: 'y'.repeat(70 * 1024) });

/** the cases: a raw reply, and the answer the transport's rules give it */
const CASES: { name: string; act: Act; want: string; budgetMs?: number }[] = [
  { name: 'a bid, content-length', act: { pieces: [json('{"bid":7.5,"bid_id":"b1"}')] }, want: 'bid 7500000' },
  { name: 'a pass with a reason', act: { pieces: [json('{"pass":true,"reason":"no"}')] }, want: 'NO_BID' },
  { name: 'a bid of 0', act: { pieces: [json('{"bid":0}')] }, want: 'NO_BID' },
  { name: 'a 500', act: { pieces: [json('{"error":1}').replace('200 OK', '500 Internal Server Error')] }, want: 'HTTP_ERROR' },
  { name: 'a 302 without a body', act: { pieces: ['HTTP/1.1 302 Found\r\nlocation: /x\r\ncontent-length: 0\r\n\r\n'] }, want: 'HTTP_ERROR' },
  { name: 'a 204', act: { pieces: ['HTTP/1.1 204 No Content\r\n\r\n'] }, want: 'BAD_REPLY' },
  { name: 'a 200 that is not JSON', act: { pieces: [json('<bid>5</bid>')] }, want: 'BAD_REPLY' },
  { name: 'a 200 that is JSON but not the protocol', act: { pieces: [json('{"price":5}')] }, want: 'BAD_REPLY' },
  { name: 'a status line without a reason', act: { pieces: ['HTTP/1.1 200\r\ncontent-length: 9\r\n\r\n{"bid":2}'] }, want: 'bid 2000000' },
  { name: 'a reply in pieces (head split mid-line, body split)', act: { pieces: ['HTTP/1.1 200 OK\r\ncontent-le', 'ngth: 12\r\n\r', '\n{"bid"', ':3.25}'], gapMs: 3 }, want: 'bid 3250000' },
  { name: 'chunked, several chunks', act: { pieces: [chunked(['{"bid"', ':4', '}'])] }, want: 'bid 4000000' },
  { name: 'chunked, split across writes, with an extension and a trailer', act: { pieces: [chunked(['{"bid":', '6}']).replace('\r\n{"bid"', ';ext=1\r\n{"bid"').slice(0, 70), chunked(['{"bid":', '6}']).replace('\r\n{"bid"', ';ext=1\r\n{"bid"').slice(70, -2) + 'x-trailer: 1\r\n\r\n'], gapMs: 3 }, want: 'bid 6000000' },
  { name: 'a body over 64 KB by content-length', act: { pieces: [json(big)] }, want: 'BAD_REPLY' },
  { name: 'a body over 64 KB chunked', act: { pieces: [chunked(Array.from({ length: 9 }, () => 'z'.repeat(8 * 1024)))] }, want: 'BAD_REPLY' },
  { name: 'a head over 16 KB', act: { pieces: [json('{"bid":1}', `x-pad: ${'p'.repeat(17 * 1024)}\r\n`)] }, want: 'BAD_REPLY' },
  { name: 'a malformed status line', act: { pieces: ['HTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\n{"bid":1}'] }, want: 'BAD_REPLY' },
  { name: 'a status that is not a number', act: { pieces: ['HTTP/1.1 2x0 OK\r\ncontent-length: 9\r\n\r\n{"bid":1}'] }, want: 'BAD_REPLY' },
  { name: 'a header line without a colon', act: { pieces: ['HTTP/1.1 200 OK\r\nthis is not a header\r\ncontent-length: 9\r\n\r\n{"bid":1}'] }, want: 'BAD_REPLY' },
  { name: 'a content-length that is not a number', act: { pieces: ['HTTP/1.1 200 OK\r\ncontent-length: nine\r\n\r\n{"bid":1}'] }, want: 'BAD_REPLY' },
  { name: 'a chunk size that is not hex', act: { pieces: ['HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n{"bid":1}\r\n0\r\n\r\n'] }, want: 'BAD_REPLY' },
  { name: 'a reply past the deadline', act: { pieces: [json('{"bid":9}')], delayMs: 120 }, want: 'TIMEOUT', budgetMs: 40 },
  { name: 'the connection reset before any reply', act: { pieces: [], destroy: true }, want: 'CONNECT_ERROR' },
  { name: 'the connection closed mid-body', act: { pieces: ['HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{"bid":1'], end: true }, want: 'CONNECT_ERROR' },
  { name: 'the connection closed mid-head', act: { pieces: ['HTTP/1.1 200 OK\r\ncontent-len'], end: true }, want: 'CONNECT_ERROR' },
  { name: 'connection: close, then a bid', act: { pieces: [json('{"bid":5}', 'connection: close\r\n')], end: true }, want: 'bid 5000000' },
  { name: 'a body read to the end of the connection', act: { pieces: ['HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n{"bid":', '8}'], gapMs: 3, end: true }, want: 'bid 8000000' },
];

function said(r: Bid | Pass): string {
  return r.kind === 'bid' ? `bid ${r.bidMicros}` : r.pass;
}

/** One ping as an auction makes it: its signal aborted when its time is up, as the fan-out does. */
function ping(t: HttpBuyerTransport, budgetMs: number): Promise<Bid | Pass> {
  const ac = new AbortController();
  const until = performance.now() + budgetMs;
  const timer = setTimeout(() => ac.abort(), budgetMs);
  return new Promise<Bid | Pass>((resolve) => t.ping('auto', '{"lead":{},"tmax_ms":', budgetMs, until, ac.signal, { answer: (_i, r) => resolve(r) }, 0)).finally(() => clearTimeout(timer));
}

function transport(url: string, pingClient: 'lean' | 'undici', connections = 4): HttpBuyerTransport {
  return new HttpBuyerTransport({ pingUrl: `${url}/ping`, postUrl: `${url}/post`, connections, headers: { 'x-key': 'k' }, pingClient });
}

const closing: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closing.splice(0)) await c();
});

describe('lean ping path against the library, the same answers', () => {
  it.each(CASES)('$name', async ({ act, want, budgetMs }) => {
    const buyer = await rawBuyer(() => act);
    closing.push(() => buyer.close());
    const answers: string[] = [];
    for (const client of ['undici', 'lean'] as const) {
      const t = transport(buyer.url, client);
      // twice: the second call rides the socket the first left (or a new one where it was closed)
      answers.push(said(await ping(t, budgetMs ?? 500)), said(await ping(t, budgetMs ?? 500)));
      await t.close();
    }
    expect(answers).toEqual([want, want, want, want]);
  });

  it('a refused connection is a CONNECT_ERROR on both', async () => {
    const buyer = await rawBuyer(() => ({ pieces: [] }));
    const url = buyer.url;
    await buyer.close();
    for (const client of ['undici', 'lean'] as const) {
      const t = transport(url, client);
      expect(said(await ping(t, 500))).toBe('CONNECT_ERROR');
      await t.close();
    }
  });

  it('sends the same request: method, path, headers, body', async () => {
    const buyer = await startBuyer(() => ({ body: { bid: 1 } }));
    closing.push(() => buyer.close());
    for (const client of ['undici', 'lean'] as const) {
      const t = transport(buyer.url, client);
      expect(said(await ping(t, 500))).toBe('bid 1000000');
      await t.close();
    }
    const [a, b] = buyer.pings;
    expect(b!.path).toBe(a!.path);
    expect(b!.contentType).toBe('application/json');
    expect(b!.text).toBe(a!.text);
    expect(b!.body).toEqual({ lead: {}, tmax_ms: 500 });
  });

  it('keeps the connection alive: 20 pings in a row on one socket (a Node server, chunked replies)', async () => {
    const buyer = await startBuyer(() => ({ body: { bid: 2 } }));
    closing.push(() => buyer.close());
    const t = transport(buyer.url, 'lean');
    for (let i = 0; i < 20; i++) expect(said(await ping(t, 500))).toBe('bid 2000000');
    expect(buyer.connections).toBe(1);
    await t.close();
  });

  it("honours the buyer's keep-alive hint: a socket it closes soon is not reused", async () => {
    for (const [hint, want] of [[5, 1], [2, 3]] as const) {
      const buyer = await rawBuyer(() => ({ pieces: [json('{"bid":1}', `keep-alive: timeout=${hint}\r\n`)] }));
      closing.push(() => buyer.close());
      const t = transport(buyer.url, 'lean');
      for (let i = 0; i < 3; i++) expect(said(await ping(t, 500))).toBe('bid 1000000');
      expect(buyer.connections).toBe(want);
      await t.close();
    }
  });

  it('holds at most `connections` sockets, and queues the rest', async () => {
    const buyer = await startBuyer(() => ({ body: { bid: 2 }, delayMs: 20 }));
    closing.push(() => buyer.close());
    const t = transport(buyer.url, 'lean', 3);
    const answers = await Promise.all(Array.from({ length: 12 }, () => ping(t, 1000)));
    expect(answers.map(said)).toEqual(Array(12).fill('bid 2000000'));
    expect(buyer.connections).toBe(3);
    await t.close();
  });

  it('a ping that times out costs no new TCP connection per auction: queued calls are dropped, written ones keep their socket', async () => {
    // one socket, a buyer 40 ms slow, auctions of 15 ms with two pings each: the first is written
    // and answered late, the second waits for the socket and is dropped when the auction ends
    const buyer = await startBuyer(() => ({ body: { bid: 2 }, delayMs: 40 }));
    closing.push(() => buyer.close());
    const t = transport(buyer.url, 'lean', 1);
    for (let auction = 0; auction < 8; auction++) {
      const answers = await Promise.all([ping(t, 15), ping(t, 15)]);
      expect(answers.map(said)).toEqual(['TIMEOUT', 'TIMEOUT']);
      // the late reply comes back on the socket, which is then free for the next auction
      await sleep(45);
    }
    expect(buyer.connections).toBe(1);
    // the queued pings were never written
    expect(buyer.pings.length).toBe(8);
    await t.close();
  });

  it('closes a socket whose buyer never answers after the hung limit, and says so', async () => {
    const buyer = await rawBuyer(() => ({ pieces: [] }));
    closing.push(() => buyer.close());
    const port = Number(new URL(buyer.url).port);
    const pool = new LeanHttpPool({ host: '127.0.0.1', port, connections: 1, maxReplyBytes: 65536, hungMs: 200, keepAliveMs: 4000 });
    const t0 = performance.now();
    const call = (resolve: (f: CallFail) => void) => ({ data: 'POST /ping HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}', signal: new AbortController().signal, end: resolve });
    const fail = await new Promise<CallFail>((resolve) => pool.send(call(resolve)));
    expect(fail).toBe(CallFail.Hung);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(200);
    expect(performance.now() - t0).toBeLessThan(1500);
    // the next call gets a socket of its own
    const next = new Promise<CallFail>((resolve) => pool.send(call(resolve)));
    expect(await next).toBe(CallFail.Hung);
    expect(buyer.connections).toBe(2);
    pool.close();
  });

  it('reads a reply cut at every byte the same as whole', () => {
    for (const reply of [json('{"bid":7.5}', 'keep-alive: timeout=5\r\n'), chunked(['{"bid"', ':7.5}'], 'x-t: 1\r\n')]) {
      const bytes = Buffer.from(reply);
      for (let cut = 1; cut < bytes.length; cut++) {
        const r = new ReplyReader(65536);
        expect(r.feed(bytes.subarray(0, cut))).toBe(ReplyState.More);
        expect(r.feed(bytes.subarray(cut))).toBe(ReplyState.Done);
        expect([r.status, r.text(), r.keepAlive, r.extra]).toEqual([200, '{"bid":7.5}', true, false]);
      }
    }
  });
});

describe('warming the lean pool: sockets opened ahead of the first pings', () => {
  it('opens the sockets asked for, at most the pool\'s size, and the first pings use them', async () => {
    const buyer = await startBuyer(() => ({ body: { bid: 3 } }));
    closing.push(() => buyer.close());
    const t = transport(buyer.url, 'lean', 3);
    expect(await t.warm(4, 1000)).toBe(3);
    // the server hears of a connection a turn of its loop after the client has it
    for (let i = 0; i < 100 && buyer.connections < 3; i++) await sleep(5);
    expect(buyer.connections).toBe(3);
    expect(buyer.pings).toHaveLength(0);
    // asked again: the pool is full already
    expect(await t.warm(4, 1000)).toBe(0);
    const answers = await Promise.all(Array.from({ length: 3 }, () => ping(t, 1000)));
    expect(answers.map(said)).toEqual(Array(3).fill('bid 3000000'));
    expect(buyer.connections).toBe(3);
    await t.close();
  });

  it('a buyer that refuses: 0 at once; the library\'s pool (undici) warms nothing', async () => {
    const gone = await startBuyer(() => ({ body: { bid: 1 } }));
    const url = gone.url;
    await gone.close();
    const t = transport(url, 'lean', 4);
    const t0 = performance.now();
    expect(await t.warm(4, 1000)).toBe(0);
    expect(performance.now() - t0).toBeLessThan(500);
    await t.close();
    const up = await startBuyer(() => ({ body: { bid: 1 } }));
    closing.push(() => up.close());
    const lib = transport(up.url, 'undici', 4);
    expect(await lib.warm(4, 1000)).toBe(0);
    expect(up.connections).toBe(0);
    await lib.close();
  });

  it('a buyer whose connect hangs (its listen queue full, the process stopped) holds the warm-up no longer than its bound, and leaves no socket behind', async () => {
    // a listener in a process of its own, stopped: the kernel queues a connection or two, then drops the SYNs
    const child = spawn(process.execPath, ['-e', "const s=require('net').createServer(()=>{});s.listen({port:0,host:'127.0.0.1',backlog:1},()=>console.log(s.address().port))"], { stdio: ['ignore', 'pipe', 'inherit'] });
    closing.push(async () => void child.kill('SIGKILL'));
    const port = await new Promise<number>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
    child.kill('SIGSTOP');
    const fill = Array.from({ length: 4 }, () => connect(port, '127.0.0.1').on('error', () => {}));
    closing.push(async () => fill.forEach((s) => s.destroy()));
    await sleep(200);
    const pool = new LeanHttpPool({ host: '127.0.0.1', port, connections: 2, maxReplyBytes: 1024, hungMs: 10_000, keepAliveMs: 4_000 });
    const t0 = performance.now();
    expect(await pool.preconnect(2, 300)).toBe(0);
    const took = performance.now() - t0;
    expect(took).toBeGreaterThanOrEqual(295);
    expect(took).toBeLessThan(800);
    // the sockets given up no longer count against the pool: a call opens one of its own and is
    // written on it (were they still held, it would wait in the queue and be given up at 100 ms)
    let failed: CallFail | null = null;
    pool.send({ data: 'GET / HTTP/1.1\r\nhost: x\r\n\r\n', signal: AbortSignal.timeout(100), end: (f) => void (failed = f) });
    await sleep(150);
    expect(failed).toBe(null);
    pool.close();
    await sleep(10);
    expect(failed).toBe(CallFail.Connect);
  });
});
