import { Codes, type Code } from '../core/codes.js';
import type { PingAnswer, PostAnswer } from '../protocol/seller-api.js';
import { SocketConnection, socketUrl, type BackoffOptions, type FrameFormat, type SocketStatus } from './socket-connection.js';

export type { PingAnswer, PostAnswer };

export interface SellerOptions {
  /** Gavel's base URL (`ws://host:port`) or the full seller socket URL (`.../v1/ws`) */
  url: string;
  key: string;
  /** frames both ways (default json) */
  format?: FrameFormat;
  /** a call with no answer after this long fails with CALL_TIMEOUT (default 30 000 ms) */
  callTimeoutMs?: number;
  /** backoff between reconnects; false: do not reconnect */
  reconnect?: BackoffOptions | false;
  onStatus?(status: SocketStatus): void;
}

export interface PingOptions {
  tmax_ms?: number;
  sub_id?: string;
  test?: boolean;
}

/** A call Gavel answered with an error, or that the socket could not carry; `code` is from the README's table. */
export class GavelCallError extends Error {
  constructor(
    readonly code: Code,
    message: string,
    readonly status: number,
    readonly details?: { path: string; message: string }[],
  ) {
    super(message);
    this.name = 'GavelCallError';
  }
}

export interface SellerConnection {
  /** resolves at the first open; rejects if it closes for good first (a refused key with reconnect off, close()) */
  readonly ready: Promise<void>;
  readonly connected: boolean;
  /** calls sent and not yet answered */
  readonly inFlight: number;
  ping(campaign: string, lead: Record<string, unknown>, opts?: PingOptions): Promise<PingAnswer>;
  post(pingId: string, lead: Record<string, unknown>): Promise<PostAnswer>;
  /** a direct post: the full lead sold in one call */
  lead(campaign: string, lead: Record<string, unknown>, opts?: PingOptions): Promise<PostAnswer>;
  close(): Promise<void>;
}

interface Waiting {
  resolve(answer: never): void;
  reject(err: GavelCallError): void;
  timer: NodeJS.Timeout;
}

/**
 * A seller on Gavel's seller socket: each call is a message with an id of its own, any number
 * at once, each promise settled by the answer carrying its id. Error answers reject with their
 * code. A call made while the socket is down waits for it (up to callTimeoutMs); a call in
 * flight when it drops fails with SOCKET_CLOSED, as Gavel may or may not have handled it.
 */
export function connectSeller(opts: SellerOptions): SellerConnection {
  const timeoutMs = opts.callTimeoutMs ?? 30_000;
  const waiting = new Map<number, Waiting>();
  /** calls made while the socket was down, sent at the next open */
  let queue: Record<string, unknown>[] = [];
  let seq = 0;
  const fail = (id: number, err: GavelCallError) => {
    const w = waiting.get(id);
    if (w === undefined) return;
    waiting.delete(id);
    clearTimeout(w.timer);
    w.reject(err);
  };
  const conn = new SocketConnection({
    url: socketUrl(opts.url, '/v1/ws', {}),
    key: opts.key,
    format: opts.format ?? 'json',
    reconnect: opts.reconnect ?? {},
    onStatus: (status) => {
      if (status.state === 'open') {
        const held = queue;
        queue = [];
        for (const msg of held) if (waiting.has(msg.id as number)) conn.send(msg);
      } else if (status.retryInMs === null) {
        for (const msg of queue.splice(0)) fail(msg.id as number, new GavelCallError('SOCKET_CLOSED', Codes.SOCKET_CLOSED.message, Codes.SOCKET_CLOSED.status));
      }
      opts.onStatus?.(status);
    },
    onMessage: (msg) => {
      const id = msg.id;
      if (typeof id !== 'number') return; // an error about a frame Gavel could not read: this client sends none
      const w = waiting.get(id);
      if (w === undefined) return;
      waiting.delete(id);
      clearTimeout(w.timer);
      if (msg.type !== 'error') {
        const { type: _type, id: _id, ...answer } = msg;
        return w.resolve(answer as never);
      }
      const e = (msg.error ?? {}) as { code?: Code; message?: string; details?: { path: string; message: string }[] };
      w.reject(new GavelCallError(e.code ?? 'INTERNAL', e.message ?? 'error answer without a message', typeof msg.status === 'number' ? msg.status : 500, e.details));
    },
    onClose: () => {
      const sent = [...waiting.keys()].filter((id) => !queue.some((m) => m.id === id));
      for (const id of sent) fail(id, new GavelCallError('SOCKET_CLOSED', Codes.SOCKET_CLOSED.message, Codes.SOCKET_CLOSED.status));
    },
  });
  const call = <T>(msg: Record<string, unknown>): Promise<T> => {
    if (conn.ended) return Promise.reject(new GavelCallError('SOCKET_CLOSED', Codes.SOCKET_CLOSED.message, Codes.SOCKET_CLOSED.status));
    const id = ++seq;
    const framed = { ...msg, id };
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        queue = queue.filter((m) => m.id !== id);
        fail(id, new GavelCallError('CALL_TIMEOUT', Codes.CALL_TIMEOUT.message, Codes.CALL_TIMEOUT.status));
      }, timeoutMs);
      waiting.set(id, { resolve: resolve as (a: never) => void, reject, timer });
      if (!conn.send(framed)) queue.push(framed);
    });
  };
  return {
    ready: conn.ready,
    get connected() {
      return conn.isOpen;
    },
    get inFlight() {
      return waiting.size;
    },
    ping: (campaign, lead, o) => call({ type: 'ping', campaign, lead, ...o }),
    post: (pingId, lead) => call({ type: 'post', ping_id: pingId, lead }),
    lead: (campaign, lead, o) => call({ type: 'lead', campaign, lead, ...o }),
    close: async () => {
      await conn.close();
      for (const id of [...waiting.keys()]) fail(id, new GavelCallError('SOCKET_CLOSED', Codes.SOCKET_CLOSED.message, Codes.SOCKET_CLOSED.status));
    },
  };
}
