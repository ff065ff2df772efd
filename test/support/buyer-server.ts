import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BuyerCall {
  path: string;
  /** the body as JSON; {} when it is not JSON (a form or XML buyer reads `text`) */
  body: Record<string, unknown>;
  text: string;
  contentType: string;
}
/**
 * What the buyer answers: a JSON body, raw text, or a fault: `destroy` resets the connection
 * after reading the request; `cut` sends a 200 that promises more body than it sends, then resets.
 */
export type Reply = ({ body: unknown } | { raw: string } | { destroy: true } | { cut: string }) & { status?: number; delayMs?: number; contentType?: string };
export type Handler = (call: BuyerCall) => Reply;

export interface TestBuyer {
  url: string;
  pings: BuyerCall[];
  posts: BuyerCall[];
  /** TCP connections Gavel opened to it */
  readonly connections: number;
  close(): Promise<void>;
}

function parsed(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text || '{}') as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** A real buyer endpoint on a real port: `/ping` and `/post` answered by the test's own handlers. */
export async function startBuyer(onPing: Handler, onPost: Handler = () => ({ body: { accepted: true } })): Promise<TestBuyer> {
  const pings: BuyerCall[] = [];
  const posts: BuyerCall[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      const call: BuyerCall = { path: req.url ?? '', body: parsed(text), text, contentType: req.headers['content-type'] ?? '' };
      const isPing = call.path.startsWith('/ping');
      (isPing ? pings : posts).push(call);
      const reply = (isPing ? onPing : onPost)(call);
      const write = () => {
        if (res.destroyed) return;
        if ('destroy' in reply) return void req.socket.destroy();
        if ('cut' in reply) {
          res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', 'content-length': String(reply.cut.length + 100) });
          res.write(reply.cut);
          return void setTimeout(() => req.socket.destroy(), 10);
        }
        res.writeHead(reply.status ?? 200, { 'content-type': reply.contentType ?? 'application/json' });
        res.end('raw' in reply ? reply.raw : JSON.stringify(reply.body));
      };
      if (reply.delayMs) setTimeout(write, reply.delayMs);
      else write();
    });
  });
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    pings,
    posts,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
