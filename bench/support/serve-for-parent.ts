import type { HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { UWS_NATIVE, uws } from '../../src/front/uws.js';
import type { RelayMessage, RelayRequest } from '../scenarios/relay-messages.js';

/**
 * The child side of forked-server.ts: listen on any port, say `ready` with it, answer `cpu`
 * with this process's CPU time, and leave (after `cleanup`) when the parent goes.
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
      send({ type: 'cpu', seconds: (user + system) / 1e6 });
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
