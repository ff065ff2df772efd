import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * What the proxy does to the bytes between a client (Gavel) and its upstream (Redis, a buyer):
 * - pass: forward both ways;
 * - latency: forward both ways, each chunk held `ms` (order kept);
 * - reset: every connection open now and every new one is reset at once (RST to both sides);
 * - refuse: new connections are reset as they arrive, open ones are left to pass;
 * - black-hole: connections are accepted and kept, nothing is forwarded either way. TCP never
 *   drops bytes from the middle of a stream, so when the black hole ends, every connection it
 *   swallowed bytes of is reset (as a partition ends once the peers' timers give up);
 * - reset-on-reply: the request is forwarded, and the connection reset as the reply arrives
 *   (the upstream did the work; the client never hears of it).
 */
export type Fault =
  | { kind: 'pass' }
  | { kind: 'latency'; ms: number }
  | { kind: 'reset' }
  | { kind: 'refuse' }
  | { kind: 'black-hole' }
  | { kind: 'reset-on-reply' };

interface Pair {
  client: Socket;
  upstream: Socket;
  /** release time of the last delayed chunk each way, so a later chunk never overtakes */
  releaseUp: number;
  releaseDown: number;
  swallowed: boolean;
}

export interface FaultProxy {
  port: number;
  /** `redis://` or `http://` address of the proxy, for the client's config */
  url(scheme: 'redis' | 'http'): string;
  set(fault: Fault): void;
  readonly fault: Fault;
  /** connections accepted so far, and those reset by a fault */
  readonly accepted: number;
  readonly resets: number;
  close(): Promise<void>;
}

function kill(s: Socket): void {
  if (!s.destroyed) s.resetAndDestroy();
}

/** A TCP proxy on 127.0.0.1 in front of `upstreamPort`, with faults switched by the test. */
export async function startFaultProxy(upstreamPort: number, upstreamHost = '127.0.0.1'): Promise<FaultProxy> {
  let fault: Fault = { kind: 'pass' };
  const pairs = new Set<Pair>();
  let accepted = 0;
  let resets = 0;

  const reset = (p: Pair): void => {
    if (pairs.delete(p)) resets++;
    kill(p.client);
    kill(p.upstream);
  };

  const forward = (p: Pair, chunk: Buffer, down: boolean): void => {
    if (fault.kind === 'black-hole') {
      p.swallowed = true;
      return;
    }
    if (fault.kind === 'reset' || (fault.kind === 'reset-on-reply' && down)) return reset(p);
    const to = down ? p.client : p.upstream;
    const now = performance.now();
    // a chunk never overtakes one still held by an earlier latency
    const at = Math.max(now + (fault.kind === 'latency' ? fault.ms : 0), down ? p.releaseDown : p.releaseUp);
    if (at <= now) {
      if (!to.destroyed) to.write(chunk);
      return;
    }
    if (down) p.releaseDown = at;
    else p.releaseUp = at;
    setTimeout(() => {
      // a fault switched on while the chunk waited applies to it
      if (fault.kind === 'black-hole') p.swallowed = true;
      else if (fault.kind === 'reset' || (fault.kind === 'reset-on-reply' && down)) reset(p);
      else if (!to.destroyed) to.write(chunk);
    }, at - now);
  };

  const server: Server = createServer((client) => {
    accepted++;
    client.setNoDelay(true);
    const upstream = createConnection({ port: upstreamPort, host: upstreamHost });
    upstream.setNoDelay(true);
    const p: Pair = { client, upstream, releaseUp: 0, releaseDown: 0, swallowed: false };
    pairs.add(p);
    const gone = (): void => {
      pairs.delete(p);
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (c: Buffer) => forward(p, c, false));
    upstream.on('data', (c: Buffer) => forward(p, c, true));
    client.on('error', gone);
    upstream.on('error', gone);
    client.on('close', gone);
    upstream.on('close', gone);
    if (fault.kind === 'reset' || fault.kind === 'refuse') reset(p);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;

  return {
    port,
    url: (scheme) => `${scheme}://127.0.0.1:${port}`,
    set(next) {
      const was = fault;
      fault = next;
      if (next.kind === 'reset') for (const p of [...pairs]) reset(p);
      if (was.kind === 'black-hole' && next.kind !== 'black-hole') for (const p of [...pairs]) if (p.swallowed) reset(p);
    },
    get fault() {
      return fault;
    },
    get accepted() {
      return accepted;
    },
    get resets() {
      return resets;
    },
    close: () =>
      new Promise((resolve) => {
        for (const p of [...pairs]) reset(p);
        server.close(() => resolve());
      }),
  };
}
