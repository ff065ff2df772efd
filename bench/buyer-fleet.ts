import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PingDecision, PostDecision } from '../src/sdk/index.js';
import { countersOf, later, mindsOf, type BehaviourOptions, type BuyerBehaviour, type BuyerCounters, type Delayed, type MockBuyerMind } from './buyer-behaviour.js';

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

export interface FleetOptions extends BehaviourOptions {
  host?: string;
}

const MAX_BODY_BYTES = 1024 * 1024;

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

/** The native HTTP protocol's ping reply: the SDK's decision is already its shape. */
const pingText = (d: PingDecision) => JSON.stringify(d);

/** The native HTTP protocol's post reply: `accepted` true or false, where the SDK has accept or reject. */
const postText = (d: PostDecision) =>
  'accept' in d ? JSON.stringify({ accepted: true, redirect_url: d.redirect_url }) : JSON.stringify({ accepted: false, reason: d.reason });

function send<T>(res: ServerResponse, answer: Delayed<T>, text: (reply: T) => string): void {
  // serialised now, as the buyer decided, and written when its delay is up
  const body = text(answer.reply);
  later(answer.delayMs, () => reply(res, 200, body));
}

/** Gavel's native buyer protocol over HTTP: POST /ping and /post with JSON bodies, decided by the buyer's mind. */
function handle(mind: MockBuyerMind, req: IncomingMessage, res: ServerResponse): void {
  const route = req.method === 'POST' ? req.url : undefined;
  if (route !== '/ping' && route !== '/post') {
    mind.counters.badRequests++;
    req.resume();
    return reply(res, 404, '{"error":"not found"}');
  }
  readJson(req, (body) => {
    if (body === null) {
      mind.counters.badRequests++;
      return reply(res, 400, '{"error":"bad json"}');
    }
    if (route === '/ping') send(res, mind.ping(body.lead, typeof body.tmax_ms === 'number' ? body.tmax_ms : 0), pingText);
    else send(res, mind.post(String(body.ping_id)), postText);
  });
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
  const minds = mindsOf(behaviours, opts);
  const servers: Server[] = [];
  const buyers: MockBuyer[] = [];
  try {
    for (const [i, mind] of minds.entries()) {
      const server = createServer((req, res) => handle(mind, req, res));
      server.on('connection', () => mind.counters.connections++);
      // outlive the client's keep-alive (undici pools keep sockets 30 s) so no ping races a close
      server.keepAliveTimeout = 65_000;
      server.headersTimeout = 66_000;
      servers.push(server);
      const port = await listen(server, host, behaviours[i]!.port ?? 0);
      const base = `http://${host}:${port}`;
      buyers.push({ id: mind.id, port, pingUrl: `${base}/ping`, postUrl: `${base}/post`, counters: mind.counters });
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
    counters: () => countersOf(minds),
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
