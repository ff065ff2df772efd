import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { UWS_NATIVE, uws } from '../../src/front/uws.js';
import type { RelayMessage, RelayRequest } from '../scenarios/relay-messages.js';

/**
 * The child side of forked-server.ts: listen on any port, say `ready` with it, answer `cpu`
 * with this process's CPU time and peak RSS, and leave (after `cleanup`) when the parent goes.
 */
export function serveForParent(app: TemplatedApp, name: string, cleanup: () => Promise<unknown> = async () => undefined): void {
  const send = (m: RelayMessage) => process.send!(m);
  app.listen('127.0.0.1', 0, (socket) => {
    if (!socket) {
      console.error(`${name}: cannot listen`);
      process.exit(1);
    }
    send({ type: 'ready', port: uws.us_socket_local_port(socket as never), native: UWS_NATIVE });
  });
  process.on('message', (m: RelayRequest) => {
    if (m.type === 'cpu') {
      const { user, system } = process.cpuUsage();
      // maxRSS is in kB: the process's peak, as Gavel's gavel_process_peak_resident_memory_bytes is
      send({ type: 'cpu', seconds: (user + system) / 1e6, peakRssMb: (process.resourceUsage().maxRSS * 1024) / 1e6 });
    }
  });
  process.on('disconnect', () => void cleanup().finally(() => process.exit(0)));
}

/** POST `path` with the whole body, and whether the client went away meanwhile (then `res` must not be touched). */
export function postWithBody(app: TemplatedApp, path: string, handle: (res: HttpResponse, aborted: { is: boolean }, body: Buffer) => void): void {
  app.post(path, (res) => {
    const aborted = { is: false };
    res.onAborted(() => {
      aborted.is = true;
    });
    const chunks: Buffer[] = [];
    res.onData((chunk, last) => {
      // uWS reuses the chunk's memory once this returns
      chunks.push(Buffer.from(chunk.slice(0)));
      if (last) handle(res, aborted, Buffer.concat(chunks));
    });
  });
}

/** A seller's call as the baselines read it: what they need of the envelope, nothing checked. */
export interface SellerCall {
  campaign: unknown;
  lead: unknown;
}

/** A baseline's answer to one seller call: its JSON object's text, given once. */
export type SellerHandler = (call: SellerCall, answer: (json: string) => void) => void;

/**
 * A baseline's seller side, as Gavel has it: each route over HTTP (POST `path`) and on the seller
 * socket `/v1/ws` as a message of its type (`ping`, `lead`; any key taken). Over the socket the
 * answer carries the call's type and id, as Gavel's do. A call that cannot be read gets a 400
 * (an `error` message on the socket).
 */
export function sellerCalls(app: TemplatedApp, routes: Record<string, { path: string; handle: SellerHandler }>): void {
  for (const { path, handle } of Object.values(routes)) {
    postWithBody(app, path, (res, aborted, body) => {
      const answer = (status: string, json: string) => {
        if (!aborted.is) res.cork(() => res.writeStatus(status).writeHeader('content-type', 'application/json').end(json));
      };
      let call: SellerCall;
      try {
        call = JSON.parse(body.toString('utf8')) as SellerCall;
      } catch {
        return answer('400 Bad Request', '{"error":"bad request"}');
      }
      handle(call, (json) => answer('200 OK', json));
    });
  }
  app.ws<{ open: boolean }>('/v1/ws', {
    upgrade: (res, req, context) =>
      res.upgrade({ open: true }, req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-protocol'), req.getHeader('sec-websocket-extensions'), context),
    close: (ws) => void (ws.getUserData().open = false),
    message: (ws, message) => {
      let m: SellerCall & { type?: unknown; id?: unknown };
      try {
        m = JSON.parse(Buffer.from(message).toString('utf8')) as typeof m;
      } catch {
        return void ws.send('{"type":"error","id":null,"status":400,"error":{"code":"INVALID_REQUEST","message":"not JSON"}}');
      }
      const route = typeof m.type === 'string' ? routes[m.type] : undefined;
      if (route === undefined || typeof m.id !== 'number') {
        return void ws.send(`{"type":"error","id":${typeof m.id === 'number' ? m.id : null},"status":400,"error":{"code":"INVALID_REQUEST","message":"no such call"}}`);
      }
      const head = `{"type":"${m.type as string}","id":${m.id},`;
      route.handle(m, (json) => {
        if (ws.getUserData().open) ws.send(head + json.slice(1));
      });
    },
  });
}
