import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BuyerCall {
  path: string;
  body: Record<string, unknown>;
}
export type Reply = { status?: number; body: unknown; delayMs?: number } | { raw: string; status?: number; delayMs?: number };
export type Handler = (call: BuyerCall) => Reply;

export interface TestBuyer {
  url: string;
  pings: BuyerCall[];
  posts: BuyerCall[];
  close(): Promise<void>;
}

/** A real buyer endpoint on a real port: `/ping` and `/post` answered by the test's own handlers. */
export async function startBuyer(onPing: Handler, onPost: Handler = () => ({ body: { accepted: true } })): Promise<TestBuyer> {
  const pings: BuyerCall[] = [];
  const posts: BuyerCall[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const call: BuyerCall = { path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString() || '{}') };
      const isPing = call.path.startsWith('/ping');
      (isPing ? pings : posts).push(call);
      const reply = (isPing ? onPing : onPost)(call);
      const write = () => {
        if (res.destroyed) return;
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' });
        res.end('raw' in reply ? reply.raw : JSON.stringify(reply.body));
      };
      if (reply.delayMs) setTimeout(write, reply.delayMs);
      else write();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    pings,
    posts,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
