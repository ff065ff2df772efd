import type { TemplatedApp, WebSocket } from 'uWebSockets.js';
import type { OutFrame, SocketBuyerTransport, SocketLink } from '../buyers/socket-transport.js';
import { GavelError } from '../core/codes.js';
import { refuseUpgrade, socketKey } from './api-key.js';
import { decodeBody } from './decode-body.js';
import { backstopOf, tooBig } from './socket-limits.js';
import { refusedFraming } from './http-framing.js';

interface BuyerSocketData {
  transport: SocketBuyerTransport;
  campaigns: ReadonlySet<string> | null;
  binary: boolean;
  link: SocketLink | null;
  closed: boolean;
  /** pings queued in this turn of the event loop, written together by `writeQueued` */
  queued: OutFrame[];
}

/** A socket with pings queued, and its data (read without touching a socket that may have closed). */
type Queued = [ws: WebSocket<BuyerSocketData>, data: BuyerSocketData];
let queuedSockets: Queued[] = [];

/** A buyer that stops reading is cut off past maxBuffered, with a reason, rather than grow Gavel's memory: true when it was. */
function cutIfBehind(ws: WebSocket<BuyerSocketData>, data: BuyerSocketData, limits: { maxBuffered: number }, cutOff: (buyer: string) => void): boolean {
  if (ws.getBufferedAmount() <= limits.maxBuffered) return false;
  data.closed = true;
  cutOff(data.transport.buyer);
  ws.end(1008, 'not reading its pings');
  return true;
}

/**
 * Every socket's queued pings, each socket's in one corked write. Pings of the auctions one turn
 * of the event loop runs (many, under load: the seller calls that one poll brought in) go to
 * each buyer socket in one system call instead of one each, which under load is most of what a
 * frame cost (the kernel's loopback work, on both ends). Run by setImmediate: after the poll
 * phase's callbacks, in the same turn, so a ping waits for no timer.
 */
function writeQueued(limits: { maxBuffered: number }, cutOff: (buyer: string) => void): void {
  const sockets = queuedSockets;
  queuedSockets = [];
  for (const [ws, data] of sockets) {
    const frames = data.queued;
    data.queued = [];
    if (data.closed) continue; // its pings were settled when it closed
    if (cutIfBehind(ws, data, limits, cutOff)) continue;
    // 2 from send (dropped by uWS over its backpressure limit): those pings time out as passes
    ws.cork(() => {
      for (const frame of frames) ws.send(data.binary ? frame.msgpack() : frame.json(), data.binary);
    });
  }
}

/** What a buyer may ask for at the upgrade besides its key, or the coded error that refuses it. */
function socketOptions(transport: SocketBuyerTransport, query: URLSearchParams): GavelError | { campaigns: ReadonlySet<string> | null; binary: boolean } {
  const format = query.get('format') ?? 'json';
  if (format !== 'json' && format !== 'msgpack') {
    return new GavelError('INVALID_REQUEST', undefined, [{ path: 'format', message: 'json or msgpack' }]);
  }
  const listed = query.get('campaigns');
  if (listed === null || listed === '') return { campaigns: null, binary: format === 'msgpack' };
  const campaigns = new Set(listed.split(','));
  const foreign = [...campaigns].filter((c) => !transport.campaigns.has(c));
  if (foreign.length > 0) return new GavelError('UNKNOWN_CAMPAIGN', `Not a campaign of this buyer: ${foreign.join(', ')}`);
  return { campaigns, binary: format === 'msgpack' };
}

/**
 * The buyer socket, `/v1/bidders/ws`: a buyer connects with its key and bids for its campaigns
 * (or those listed in `?campaigns=`) for as long as the socket lives; it may hold several.
 * `?format=msgpack` makes Gavel's frames msgpack; the buyer may answer in either. Messages are
 * handed to the buyer's transport, which matches them to the calls waiting on them by id.
 */
export function attachBuyerSocket(
  app: TemplatedApp,
  /** the transport of the socket buyer this key is (src/config/keys.ts), or undefined */
  byKey: (key: string | undefined) => SocketBuyerTransport | undefined,
  limits: { maxPayload: number; maxBuffered: number },
  cutOff: (buyer: string) => void,
): void {
  const flush = () => writeQueued(limits, cutOff);
  app.ws<BuyerSocketData>('/v1/bidders/ws', {
    maxPayloadLength: backstopOf(limits.maxPayload),
    // a buyer that stops reading is cut off at maxBuffered, with a reason; uWS's own limit is the backstop
    maxBackpressure: 2 * limits.maxBuffered,
    closeOnBackpressureLimit: 1,
    idleTimeout: 120,
    sendPingsAutomatically: true,
    upgrade: (res, req, context) => {
      if (refusedFraming(res, req)) return;
      const query = new URLSearchParams(req.getQuery() ?? '');
      const key = socketKey(req.getHeader('authorization'), query);
      const transport = byKey(key);
      if (transport === undefined) {
        return refuseUpgrade(res, new GavelError('UNAUTHORIZED', key === undefined ? 'Missing Authorization: Bearer <buyer key> (or ?key=)' : 'Unknown buyer key'));
      }
      const options = socketOptions(transport, query);
      if (options instanceof GavelError) return refuseUpgrade(res, options);
      res.upgrade<BuyerSocketData>(
        { transport, ...options, link: null, closed: false, queued: [] },
        req.getHeader('sec-websocket-key'),
        req.getHeader('sec-websocket-protocol'),
        req.getHeader('sec-websocket-extensions'),
        context,
      );
    },
    open: (ws) => {
      const data = ws.getUserData();
      data.link = {
        campaigns: data.campaigns,
        // a ping is serialised once for all its buyers, and encoded once per format
        send: (frame) => {
          if (data.closed) return false;
          if (cutIfBehind(ws, data, limits, cutOff)) return false;
          // 2: dropped by uWS (over its backpressure limit); 0 and 1 are sent or queued to be
          return ws.send(data.binary ? frame.msgpack() : frame.json(), data.binary) !== 2;
        },
        queue: (frame) => {
          if (data.closed) return;
          if (data.queued.length === 0) {
            if (queuedSockets.length === 0) setImmediate(flush);
            queuedSockets.push([ws, data]);
          }
          data.queued.push(frame);
        },
      };
      data.transport.attach(data.link);
    },
    message: (ws, message, isBinary) => {
      if (message.byteLength > limits.maxPayload) return tooBig(ws);
      let msg: unknown;
      try {
        // uWS frees `message` when this returns. JSON is parsed into new strings before that, so
        // it is read in place; msgpack is copied first, as its reader may hand out views of it
        msg = decodeBody(Buffer.from(isBinary ? message.slice(0) : message), isBinary ? 'msgpack' : 'json', 'frame');
      } catch {
        return; // not the protocol: the call it meant to answer times out as a pass
      }
      if (typeof msg === 'object' && msg !== null && !Array.isArray(msg)) ws.getUserData().transport.receive(msg as Record<string, unknown>);
    },
    close: (ws) => {
      const data = ws.getUserData();
      data.closed = true;
      if (data.link !== null) data.transport.detach(data.link);
    },
  });
}
