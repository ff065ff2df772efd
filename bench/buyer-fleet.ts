import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRng, type Rng } from './support/rng.js';

/** A fixed price, or a uniform draw from [min, max], rounded to the cent. */
export type Price = number | { min: number; max: number };

/** How one mock buyer answers Gavel's native buyer protocol. */
export interface BuyerBehaviour {
  id: string;
  bid: Price;
  /** ping reply delay; jitter spreads it uniformly by ± jitterMs */
  latencyMs?: number;
  jitterMs?: number;
  /** share of pings answered with a pass */
  passProbability?: number;
  /** when set, every ping is answered this long after the tmax_ms Gavel gave, so Gavel must drop it */
  lateByMs?: number;
  /** share of posts rejected */
  postRejectProbability?: number;
  /** post reply delay; the ping latency when absent */
  postLatencyMs?: number;
  /** sent with every accepted post */
  redirectUrl?: string;
  port?: number;
}

/** What one buyer saw and did. `piiInPings` must stay 0: a ping never carries personal data. */
export interface BuyerCounters {
  pings: number;
  bids: number;
  passes: number;
  late: number;
  postsAccepted: number;
  postsRejected: number;
  piiInPings: number;
  badRequests: number;
  /** TCP connections accepted: a client that keeps its connections alive opens few */
  connections: number;
}

export interface MockBuyer {
  id: string;
  port: number;
  pingUrl: string;
  postUrl: string;
  counters: BuyerCounters;
}

export interface BuyerFleet {
  buyers: MockBuyer[];
  get(id: string): MockBuyer;
  counters(): Record<string, BuyerCounters>;
  close(): Promise<void>;
}

export interface FleetOptions {
  host?: string;
  /** lead fields that must never reach a ping */
  piiFields?: readonly string[];
  seed?: number;
}

export const DEMO_PII_FIELDS = ['first_name', 'last_name', 'phone', 'email'] as const;
const MAX_BODY_BYTES = 1024 * 1024;

function emptyCounters(): BuyerCounters {
  return { pings: 0, bids: 0, passes: 0, late: 0, postsAccepted: 0, postsRejected: 0, piiInPings: 0, badRequests: 0, connections: 0 };
}

function draw(price: Price, rng: Rng): number {
  const x = typeof price === 'number' ? price : price.min + rng() * (price.max - price.min);
  return Math.round(x * 100) / 100;
}

function readJson(req: IncomingMessage, done: (body: Record<string, unknown> | null) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  });
  req.on('end', () => {
    if (size > MAX_BODY_BYTES) return done(null);
    try {
      const body: unknown = JSON.parse(Buffer.concat(chunks, size).toString('utf8'));
      done(typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : null);
    } catch {
      done(null);
    }
  });
}

function reply(res: ServerResponse, status: number, text: string): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function later(ms: number, fn: () => void): void {
  if (ms <= 0) fn();
  else setTimeout(fn, ms);
}

class Buyer {
  readonly counters = emptyCounters();
  private readonly rng: Rng;
  private bidSeq = 0;

  constructor(
    private readonly b: BuyerBehaviour,
    private readonly piiFields: readonly string[],
    seed: number,
  ) {
    this.rng = createRng(seed);
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    const route = req.method === 'POST' ? req.url : undefined;
    if (route !== '/ping' && route !== '/post') {
      this.counters.badRequests++;
      req.resume();
      return reply(res, 404, '{"error":"not found"}');
    }
    readJson(req, (body) => {
      if (body === null) {
        this.counters.badRequests++;
        return reply(res, 400, '{"error":"bad json"}');
      }
      if (route === '/ping') this.ping(body, res);
      else this.post(body, res);
    });
  }

  private delay(): number {
    const jitter = this.b.jitterMs ?? 0;
    return Math.max(0, (this.b.latencyMs ?? 5) + (jitter === 0 ? 0 : (this.rng() * 2 - 1) * jitter));
  }

  private ping(body: Record<string, unknown>, res: ServerResponse): void {
    const c = this.counters;
    c.pings++;
    const lead = body.lead;
    if (typeof lead === 'object' && lead !== null && this.piiFields.some((f) => f in lead)) c.piiInPings++;
    let text: string;
    if (this.rng() < (this.b.passProbability ?? 0)) {
      c.passes++;
      text = '{"pass":true,"reason":"NOT_INTERESTED"}';
    } else {
      c.bids++;
      text = `{"bid":${draw(this.b.bid, this.rng)},"bid_id":"${this.b.id}-${++this.bidSeq}"}`;
    }
    if (this.b.lateByMs === undefined) return later(this.delay(), () => reply(res, 200, text));
    c.late++;
    const tmax = typeof body.tmax_ms === 'number' ? body.tmax_ms : 0;
    later(tmax + this.b.lateByMs, () => reply(res, 200, text));
  }

  private post(body: Record<string, unknown>, res: ServerResponse): void {
    const c = this.counters;
    let text: string;
    if (this.rng() < (this.b.postRejectProbability ?? 0)) {
      c.postsRejected++;
      text = '{"accepted":false,"reason":"NOT_A_FIT"}';
    } else {
      c.postsAccepted++;
      text = this.b.redirectUrl === undefined ? '{"accepted":true}' : JSON.stringify({ accepted: true, redirect_url: `${this.b.redirectUrl}?lead=${String(body.ping_id)}` });
    }
    later(this.b.postLatencyMs ?? this.delay(), () => reply(res, 200, text));
  }
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Start one HTTP server per behaviour (keep-alive, port 0 unless given) on `host`. */
export async function startBuyerFleet(behaviours: readonly BuyerBehaviour[], opts: FleetOptions = {}): Promise<BuyerFleet> {
  const host = opts.host ?? '127.0.0.1';
  const piiFields = opts.piiFields ?? DEMO_PII_FIELDS;
  const seed = opts.seed ?? Date.now();
  const servers: Server[] = [];
  const buyers: MockBuyer[] = [];
  try {
    for (const [i, b] of behaviours.entries()) {
      const buyer = new Buyer(b, piiFields, seed + i * 7919);
      const server = createServer((req, res) => buyer.handle(req, res));
      server.on('connection', () => buyer.counters.connections++);
      // outlive the client's keep-alive (undici pools keep sockets 30 s) so no ping races a close
      server.keepAliveTimeout = 65_000;
      server.headersTimeout = 66_000;
      servers.push(server);
      const port = await listen(server, host, b.port ?? 0);
      const base = `http://${host}:${port}`;
      buyers.push({ id: b.id, port, pingUrl: `${base}/ping`, postUrl: `${base}/post`, counters: buyer.counters });
    }
  } catch (e) {
    for (const s of servers) s.close();
    throw e;
  }
  const byId = new Map(buyers.map((b) => [b.id, b]));
  return {
    buyers,
    get(id) {
      const b = byId.get(id);
      if (b === undefined) throw new Error(`no buyer "${id}" in the fleet`);
      return b;
    },
    counters: () => Object.fromEntries(buyers.map((b) => [b.id, { ...b.counters }])),
    close: () =>
      Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      ).then(() => undefined),
  };
}
