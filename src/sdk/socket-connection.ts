import { pack, unpack } from 'msgpackr';
import { WebSocket } from 'undici';

export type FrameFormat = 'json' | 'msgpack';

export interface BackoffOptions {
  /** the first wait after a drop, ms (default 100) */
  minMs?: number;
  /** the longest wait, ms (default 10 000) */
  maxMs?: number;
}

/** What a client reports of its socket, for logs and dashboards. */
export type SocketStatus =
  | { state: 'open' }
  /** `code` 1006 before any open is how a refused upgrade (a wrong key) shows */
  | { state: 'closed'; code: number; reason: string; retryInMs: number | null };

export interface ConnectionOptions {
  url: string;
  key: string;
  format: FrameFormat;
  reconnect: BackoffOptions | false;
  onStatus: ((status: SocketStatus) => void) | undefined;
  onMessage(msg: Record<string, unknown>): void;
  onClose(): void;
}

/** A socket URL from Gavel's base URL (http(s) or ws(s)) or a full socket URL, with the query set. */
export function socketUrl(url: string, path: string, query: Record<string, string | undefined>): string {
  const u = new URL(url);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  if (u.protocol === 'https:') u.protocol = 'wss:';
  if (u.pathname === '/' || u.pathname === '') u.pathname = path;
  for (const [k, v] of Object.entries(query)) if (v !== undefined) u.searchParams.set(k, v);
  return u.toString();
}

/**
 * One WebSocket to Gavel kept open: reconnects after a drop with exponential backoff and
 * jitter (so a fleet of clients does not come back in one wave), until closed. Encodes and
 * decodes frames in its format; messages that are not objects are dropped.
 */
export class SocketConnection {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private retry: NodeJS.Timeout | null = null;
  private closing = false;
  private opened!: () => void;
  private failed!: (e: Error) => void;
  private everOpen = false;
  /** true once closed with no reconnect to come */
  ended = false;
  /** resolves at the first open; rejects if the socket closes for good first (a refused key with reconnect off, close()) */
  readonly ready: Promise<void> = new Promise((resolve, reject) => {
    this.opened = resolve;
    this.failed = reject;
  });

  constructor(private readonly opts: ConnectionOptions) {
    // a client that never awaits ready must not die of an unhandled rejection
    this.ready.catch(() => undefined);
    this.connect();
  }

  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** bytes queued on the socket and not yet written */
  get buffered(): number {
    return this.ws?.bufferedAmount ?? 0;
  }

  /** false when the socket is not open: the message was not sent */
  send(msg: Record<string, unknown>): boolean {
    const ws = this.ws;
    if (ws === null || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(this.opts.format === 'msgpack' ? pack(msg) : JSON.stringify(msg));
    return true;
  }

  private connect(): void {
    const ws = new WebSocket(this.opts.url, { headers: { authorization: `Bearer ${this.opts.key}` } });
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.addEventListener('open', () => {
      this.attempt = 0;
      this.everOpen = true;
      this.opts.onStatus?.({ state: 'open' });
      this.opened();
    });
    ws.addEventListener('message', (ev) => {
      let msg: unknown;
      try {
        msg = typeof ev.data === 'string' ? JSON.parse(ev.data) : unpack(new Uint8Array(ev.data as ArrayBuffer));
      } catch {
        return;
      }
      if (typeof msg === 'object' && msg !== null && !Array.isArray(msg)) this.opts.onMessage(msg as Record<string, unknown>);
    });
    // an error is always followed by a close: the close decides what comes next
    ws.addEventListener('error', () => undefined);
    ws.addEventListener('close', (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.opts.onClose();
      const retryInMs = this.closing || this.opts.reconnect === false ? null : this.backoff(this.opts.reconnect);
      if (retryInMs === null) this.end(`the socket closed (${ev.code})`);
      this.opts.onStatus?.({ state: 'closed', code: ev.code, reason: ev.reason, retryInMs });
      if (retryInMs !== null) this.retry = setTimeout(() => ((this.retry = null), this.connect()), retryInMs);
    });
  }

  /** exponential, capped, with half of it random */
  private backoff(opts: BackoffOptions): number {
    const min = opts.minMs ?? 100;
    const max = opts.maxMs ?? 10_000;
    const ceiling = Math.min(max, min * 2 ** this.attempt++);
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
  }

  /** Close for good: no reconnect; resolves once the socket is closed. */
  private end(why: string): void {
    this.ended = true;
    if (!this.everOpen) this.failed(new Error(`${why} before it ever opened`));
  }

  close(): Promise<void> {
    this.closing = true;
    if (this.retry !== null) clearTimeout(this.retry);
    this.retry = null;
    if (this.ws === null) this.end('closed');
    const ws = this.ws;
    if (ws === null || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      ws.addEventListener('close', () => resolve(), { once: true });
      ws.close(1000, 'client closing');
    });
  }
}
