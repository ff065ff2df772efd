import { performance } from 'node:perf_hooks';
import { pack } from 'msgpackr';
import type { TemplatedApp, WebSocket } from 'uWebSockets.js';
import { GavelError } from '../core/codes.js';
import type { SellerRuntime } from '../config/runtime.js';
import type { RuntimeSource } from '../config/live-runtime.js';
import { refuseUpgrade, socketKey } from './api-key.js';
import { decodeBody } from './decode-body.js';
import { backstopOf, tooBig } from './socket-limits.js';
import { refusedFraming } from './http-framing.js';
import { errorBody } from './respond.js';
import type { SellerCalls } from './seller-calls.js';
import type { SellerRoute } from './call-result.js';

interface SocketData {
  /** the seller as the configuration `version` has it: looked up again when another version is live */
  seller: SellerRuntime;
  version: number;
  /** the key the socket opened with, to find its seller in a later version (or find it revoked) */
  key: string | undefined;
  /** server.socket_max_buffered_bytes */
  maxBuffered: number;
  /** uWS forbids touching a socket after its close event */
  closed: boolean;
  /** calls handed to the exchange and not answered yet, up to server.socket_max_in_flight */
  inFlight: number;
}

const ROUTES: Record<string, SellerRoute> = { ping: 'ping', post: 'post', lead: 'leads' };

/**
 * The seller socket, `/v1/ws`: the seller API's calls as messages on one WebSocket, any number
 * at once, each answer carrying its call's `id`, in the frame type it was asked in (JSON text
 * or msgpack binary). Authenticated at the upgrade; a bad frame gets a coded error and the
 * socket lives on; a seller that stops reading is cut off rather than growing Gavel's memory.
 */
export interface SocketHooks {
  /** a call started / was answered: a drain waits for calls in flight, as it does for HTTP */
  begin(): void;
  end(): void;
  /** true once the process drains: new calls are refused with SHUTTING_DOWN */
  draining(): boolean;
  /** a seller that stopped reading its answers was cut off */
  cutOff(seller: string): void;
}

export function attachSellerSocket(app: TemplatedApp, live: RuntimeSource, calls: SellerCalls, hooks: SocketHooks): void {
  // the server section is the process's: read once, a swap does not change it
  const runtime = live.current().runtime;
  const maxBuffered = runtime.data.server.socket_max_buffered_bytes;
  const maxBody = runtime.data.server.max_body_bytes;
  const maxInFlight = runtime.data.server.socket_max_in_flight;
  app.ws<SocketData>('/v1/ws', {
    // uWS drops a connection whose frame is over this with no close frame (1006): it is only the
    // backstop that bounds what one frame may buffer; over max_body_bytes Gavel closes with 1009
    maxPayloadLength: backstopOf(maxBody),
    // reply() cuts a seller off at maxBuffered, with a reason; uWS's own limit is the backstop
    maxBackpressure: 2 * maxBuffered,
    closeOnBackpressureLimit: 1,
    idleTimeout: 120,
    sendPingsAutomatically: true,
    upgrade: (res, req, context) => {
      if (refusedFraming(res, req)) return;
      const key = socketKey(req.getHeader('authorization'), new URLSearchParams(req.getQuery() ?? ''));
      const now = live.current();
      const party = now.runtime.keys.resolve(key);
      const seller = party?.kind === 'seller' ? party.seller : undefined;
      if (seller === undefined) {
        return refuseUpgrade(res, new GavelError('UNAUTHORIZED', key === undefined ? 'Missing Authorization: Bearer <api key> (or ?key=)' : 'Unknown API key'));
      }
      res.upgrade<SocketData>(
        { seller, version: now.version, key, maxBuffered, closed: false, inFlight: 0 },
        req.getHeader('sec-websocket-key'),
        req.getHeader('sec-websocket-protocol'),
        req.getHeader('sec-websocket-extensions'),
        context,
      );
    },
    message: (ws, message, isBinary) => {
      // the message's memory is uWS's until this returns: copy it now
      if (message.byteLength > maxBody) return tooBig(ws);
      const frame = Buffer.from(message.slice(0));
      if (hooks.draining()) return errorReply(ws, hooks, isBinary, null, new GavelError('SHUTTING_DOWN'));
      if (!sellerOfNow(ws, live)) {
        // a swap revoked the key this socket opened with: its session ends with the key
        errorReply(ws, hooks, isBinary, null, new GavelError('UNAUTHORIZED', 'This socket\'s key is no longer valid'));
        ws.getUserData().closed = true;
        return void ws.end(1008, 'key revoked');
      }
      hooks.begin();
      answer(ws, hooks, frame, isBinary, calls, maxInFlight).finally(() => hooks.end());
    },
    close: (ws) => {
      ws.getUserData().closed = true;
    },
  });
}

/** The socket's seller in the configuration live now (one read per call); false when its key no longer names a seller. */
function sellerOfNow(ws: WebSocket<SocketData>, live: RuntimeSource): boolean {
  const data = ws.getUserData();
  const now = live.current();
  if (now.version === data.version) return true;
  const party = now.runtime.keys.resolve(data.key);
  if (party?.kind !== 'seller') return false;
  data.seller = party.seller;
  data.version = now.version;
  return true;
}

function reply(ws: WebSocket<SocketData>, hooks: SocketHooks, isBinary: boolean, body: unknown): void {
  const data = ws.getUserData();
  if (data.closed) return;
  if (ws.getBufferedAmount() > data.maxBuffered) {
    data.closed = true;
    hooks.cutOff(data.seller.id);
    ws.end(1008, 'not reading its answers');
    return;
  }
  ws.send(isBinary ? pack(body) : JSON.stringify(body), isBinary);
}

function errorReply(ws: WebSocket<SocketData>, hooks: SocketHooks, isBinary: boolean, id: unknown, err: GavelError): void {
  reply(ws, hooks, isBinary, { type: 'error', id: id ?? null, status: err.status, ...errorBody(err.code, err.message, err.details) });
}

async function answer(ws: WebSocket<SocketData>, hooks: SocketHooks, frame: Buffer, isBinary: boolean, calls: SellerCalls, maxInFlight: number): Promise<void> {
  const receivedAt = performance.now();
  let raw: unknown;
  try {
    raw = decodeBody(frame, isBinary ? 'msgpack' : 'json', 'frame');
  } catch (e) {
    return errorReply(ws, hooks, isBinary, null, e as GavelError);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return errorReply(ws, hooks, isBinary, null, new GavelError('INVALID_REQUEST', 'A message is an object with type and id', [{ path: '(body)', message: 'must be an object' }]));
  }
  const { type, id, idempotency_key: idempotencyKey, ...call } = raw as Record<string, unknown>;
  const validId = (typeof id === 'string' && id.length > 0 && id.length <= 128) || (typeof id === 'number' && Number.isFinite(id));
  const route = typeof type === 'string' ? ROUTES[type] : undefined;
  const validKey = idempotencyKey === undefined || typeof idempotencyKey === 'string';
  if (!validId || route === undefined || !validKey) {
    const details = [];
    if (!validId) details.push({ path: 'id', message: 'a string (1 to 128 characters) or a number, echoed in the answer' });
    if (route === undefined) details.push({ path: 'type', message: 'one of ping, post, lead' });
    if (!validKey) details.push({ path: 'idempotency_key', message: 'a string: 1 to 255 visible ASCII characters' });
    return errorReply(ws, hooks, isBinary, validId ? id : null, new GavelError('INVALID_REQUEST', undefined, details));
  }
  const data = ws.getUserData();
  if (data.inFlight >= maxInFlight) return errorReply(ws, hooks, isBinary, id, new GavelError('TOO_MANY_IN_FLIGHT', `This socket has ${maxInFlight} calls unanswered (server.socket_max_in_flight); send more as answers come`));
  data.inFlight++;
  let result;
  try {
    result = await calls.run(data.seller, route, call, receivedAt, frame.length, idempotencyKey as string | undefined);
  } finally {
    data.inFlight--;
  }
  reply(ws, hooks, isBinary, result.status === 200 ? { type, id, ...(result.body as object) } : { type: 'error', id, status: result.status, ...(result.body as object) });
  calls.written(result, receivedAt);
}

