import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { readBody } from '../src/front/read-body.js';
import { uws } from '../src/front/uws.js';
import type { PostDecision } from '../src/sdk/index.js';
import type { BehaviourOptions, BuyerBehaviour } from './buyer-behaviour.js';
import type { BuyerCounters } from './buyer-counters.js';
import { countersOf, mindsOf, type MockBuyerMind, type PingAnswer } from './buyer-mind.js';
import { protocolFields, type ProtocolFields } from './support/protocol-fields.js';

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
/**
 * uWS closes an idle keep-alive socket after 10 to 12 s and, unlike node:http, says nothing of
 * it; Gavel's pools keep idle sockets 30 s unless told, and a ping sent down a socket as the
 * buyer closes it fails. This hint makes the client let go first, so no error is the fleet's
 * doing that its behaviours did not ask for.
 */
const KEEP_ALIVE = 'timeout=5';
/** the `garbage` error kind over HTTP: a 200 whose body is cut off mid-JSON, as a crashed backend sends */
const GARBAGE_BODY = '{"bid": 12.';

type Reply = [status: string, body: string];

/** The native HTTP protocol's ping reply: the SDK's decision is already its shape; an error is a 500 or garbage. */
function pingReply(a: PingAnswer): Reply {
  if (!('error' in a)) return ['200 OK', JSON.stringify(a)];
  return a.error === 'serverError' ? ['500 Internal Server Error', '{"error":"mock buyer failure"}'] : ['200 OK', GARBAGE_BODY];
}

/** The native HTTP protocol's post reply: `accepted` true or false, where the SDK has accept or reject. */
function postReply(d: PostDecision): Reply {
  return ['200 OK', 'accept' in d ? JSON.stringify({ accepted: true, redirect_url: d.redirect_url }) : JSON.stringify({ accepted: false, reason: d.reason })];
}

/** Status, headers and body in one cork: the one syscall, and legal outside uWS's own callbacks. */
function write(res: HttpResponse, [status, body]: Reply): void {
  res.cork(() => res.writeStatus(status).writeHeader('content-type', 'application/json').writeHeader('keep-alive', KEEP_ALIVE).end(body));
}

function parse(body: Buffer | null): unknown {
  if (body === null) return null;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
}

/**
 * One request of the protocol: its body read, checked, and handed to `handle` with a way to
 * answer that is safe whenever it is called: uWS forbids touching a response after the client
 * went away (Gavel aborts a ping at its deadline), and a hung ping is never answered at all.
 */
function serve(mind: MockBuyerMind, res: HttpResponse, handle: (fields: ProtocolFields, reply: (r: Reply) => void) => void): void {
  let done = false;
  res.onAborted(() => {
    done = true;
  });
  const reply = (r: Reply) => {
    if (done) return;
    done = true;
    write(res, r);
  };
  readBody(res, MAX_BODY_BYTES, (body) => {
    const fields = protocolFields(parse(body));
    if (fields !== null) return handle(fields, reply);
    mind.malformed();
    reply(['400 Bad Request', '{"error":"not a native-protocol request"}']);
  });
}

/** Gavel's native buyer protocol over HTTP: POST /ping and /post with JSON bodies, decided by the buyer's mind. */
function buyerApp(mind: MockBuyerMind): TemplatedApp {
  return uws
    .App()
    .post('/ping', (res) => serve(mind, res, (f, reply) => mind.ping(f.lead, f.tmaxMs, (a) => reply(pingReply(a)))))
    .post('/post', (res) => serve(mind, res, (f, reply) => mind.post(f.pingId, f.tmaxMs, (d) => reply(postReply(d)))))
    .any('/*', (res) => {
      mind.malformed();
      write(res, ['404 Not Found', '{"error":"not found"}']);
    });
}

function listen(app: TemplatedApp, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    app.listen(host, port, (socket) => (socket ? resolve(uws.us_socket_local_port(socket as never)) : reject(new Error(`buyer fleet: cannot listen on ${host}:${port}`))));
  });
}

/** Closes the listen socket and every connection, hung ones included (present in the native binding, missing from its types). */
const closeApp = (app: TemplatedApp) => (app as TemplatedApp & { close(): void }).close();

/**
 * The HTTP buyers on uWebSockets.js, Gavel's own server: one uWS app per buyer, each on a port
 * of its own (port 0 unless given), so each buyer is an origin of its own as real buyers are,
 * and Gavel's pool for it, its connections and a hung buyer's held sockets stay that buyer's.
 * uWS apps share the process's one event loop, so many cost little more than one.
 */
export async function startBuyerFleet(behaviours: readonly BuyerBehaviour[], opts: FleetOptions = {}): Promise<BuyerFleet> {
  const host = opts.host ?? '127.0.0.1';
  const minds = mindsOf(behaviours, opts);
  const apps: TemplatedApp[] = [];
  const buyers: MockBuyer[] = [];
  try {
    for (const [i, mind] of minds.entries()) {
      const app = buyerApp(mind);
      apps.push(app);
      const port = await listen(app, host, behaviours[i]!.port ?? 0);
      const base = `http://${host}:${port}`;
      buyers.push({ id: mind.id, port, pingUrl: `${base}/ping`, postUrl: `${base}/post`, counters: mind.counters });
    }
  } catch (e) {
    apps.forEach(closeApp);
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
    close: async () => apps.forEach(closeApp),
  };
}
