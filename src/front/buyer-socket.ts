import { unpack } from 'msgpackr';
import type { TemplatedApp } from 'uWebSockets.js';
import type { SocketBuyerTransport, SocketLink } from '../buyers/socket-transport.js';
import { refuseUpgrade, socketKey } from './api-key.js';

interface BuyerSocketData {
  transport: SocketBuyerTransport;
  link: SocketLink | null;
  closed: boolean;
}

/**
 * The buyer socket, `/v1/bidders/ws`: a buyer connects with its key and bids for its campaigns
 * for as long as the socket lives; it may hold several. Messages are handed to the buyer's
 * transport, which matches them to the calls waiting on them by id.
 */
export function attachBuyerSocket(app: TemplatedApp, byKey: ReadonlyMap<string, SocketBuyerTransport>, maxPayload: number): void {
  app.ws<BuyerSocketData>('/v1/bidders/ws', {
    maxPayloadLength: maxPayload,
    maxBackpressure: 1024 * 1024,
    closeOnBackpressureLimit: 1,
    idleTimeout: 120,
    sendPingsAutomatically: true,
    upgrade: (res, req, context) => {
      const key = socketKey(req.getHeader('authorization'), req.getQuery() ?? '');
      const transport = key === undefined ? undefined : byKey.get(key);
      if (transport === undefined) return refuseUpgrade(res, key === undefined ? 'Missing Authorization: Bearer <buyer key> (or ?key=)' : 'Unknown buyer key');
      res.upgrade<BuyerSocketData>(
        { transport, link: null, closed: false },
        req.getHeader('sec-websocket-key'),
        req.getHeader('sec-websocket-protocol'),
        req.getHeader('sec-websocket-extensions'),
        context,
      );
    },
    open: (ws) => {
      const data = ws.getUserData();
      data.link = {
        send: (frame) => {
          if (!data.closed) ws.send(frame, false);
        },
      };
      data.transport.attach(data.link);
    },
    message: (ws, message, isBinary) => {
      let msg: unknown;
      try {
        msg = isBinary ? unpack(Buffer.from(message.slice(0))) : JSON.parse(Buffer.from(message).toString('utf8'));
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
