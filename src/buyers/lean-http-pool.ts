import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ReplyReader, ReplyState } from './lean-http-reply.js';

/** How a call through the pool ended, when it did not end in a reply. */
export const enum CallFail {
  None,
  /** its signal fired while it still waited for a socket: never written */
  GaveUp,
  /** the connection failed or closed before the reply was whole */
  Connect,
  /** the reply was not HTTP, or over a bound */
  Bad,
  /** the buyer held the socket past the hung limit without answering */
  Hung,
}

/**
 * One call through the pool: the request, the signal that gives it up while it waits, and where
 * its end is told (once; `status` and `text` only with CallFail.None). The caller's own object, so
 * the pool makes none per call but for a call that has to wait.
 */
export interface LeanCall {
  /** the whole request, head and body */
  readonly data: string;
  readonly signal: AbortSignal;
  end(fail: CallFail, status: number, text: string): void;
}

export interface LeanPoolOptions {
  host: string;
  port: number;
  /** sockets at most */
  connections: number;
  maxReplyBytes: number;
  /** a socket whose request has waited this long for its reply is closed */
  hungMs: number;
  /** an idle socket is closed after this long */
  keepAliveMs: number;
}

/** A call waiting for a socket: dropped from the queue when its signal fires. */
interface Waiting {
  call: LeanCall;
  onAbort: () => void;
  dead: boolean;
}

interface Conn {
  socket: Socket;
  reader: ReplyReader;
  job: LeanCall | null;
  /** when its request was written, or when it became idle */
  since: number;
  /** how long it may stay idle: the pool's keep-alive, or less where the buyer said so */
  idleMs: number;
  hung: boolean;
}

/** How often sockets are checked for the hung and keep-alive limits: one timer per pool, none per call. */
const SWEEP_MS = 500;

/**
 * A socket is given up this long before the buyer said it closes idle ones (undici's own margin),
 * so a ping is not written on a socket the buyer is closing: a POST is not retried.
 */
const HINT_MARGIN_MS = 2_000;

/**
 * A keep-alive HTTP/1.1 pool to one buyer for pings, written for the hot path: one request per
 * socket at a time (no pipelining, so a slow reply holds no ping behind it), the request written
 * whole in one socket write, the reply read by ReplyReader. A call that gives up while it waits for
 * a socket is dropped from the queue and never written; one already written keeps its socket,
 * whose reply is read and dropped by the caller, so a buyer a little late costs no new TCP
 * connection (the library path destroys the socket of any request aborted once it was handed
 * one). A socket is closed when its reply is malformed or oversized, when the buyer asks
 * (`connection: close`), when its request waits past `hungMs`, and after `keepAliveMs` idle.
 */
export class LeanHttpPool {
  private readonly idle: Conn[] = [];
  private readonly conns = new Set<Conn>();
  private readonly queue: Waiting[] = [];
  private queueHead = 0;
  private live = 0;
  private sweeper: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly opts: LeanPoolOptions) {}

  /** Requests waiting for a socket right now. */
  get queued(): number {
    return this.live;
  }

  /** One call, written once a socket is free; its `end` is called once. */
  send(call: LeanCall): void {
    if (call.signal.aborted || this.closed) return call.end(CallFail.GaveUp, 0, '');
    let conn = this.idle.pop() ?? null;
    // one the buyer closed, its close not yet seen: not written on
    while (conn !== null && (conn.socket.destroyed || !conn.socket.writable)) conn = this.idle.pop() ?? null;
    if (conn === null && this.conns.size < this.opts.connections) conn = this.open();
    if (conn !== null) return this.write(conn, call);
    const waiting: Waiting = {
      call,
      onAbort: () => {
        waiting.dead = true;
        this.live--;
        call.end(CallFail.GaveUp, 0, '');
      },
      dead: false,
    };
    call.signal.addEventListener('abort', waiting.onAbort, { once: true });
    this.queue.push(waiting);
    this.live++;
  }

  /**
   * Open sockets ahead of the first calls, up to `count` in all (never past the pool's bound),
   * each kept idle once connected; one not connected within `withinMs` is closed. Resolves with
   * the sockets connected, never rejects: a buyer that is down is found by its first ping.
   */
  preconnect(count: number, withinMs: number): Promise<number> {
    const want = Math.min(count, this.opts.connections) - this.conns.size;
    if (this.closed || want <= 0) return Promise.resolve(0);
    const opening: Promise<boolean>[] = [];
    for (let i = 0; i < want; i++) {
      const conn = this.open();
      opening.push(
        new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => {
            conn.socket.destroy();
            resolve(false);
          }, withinMs);
          const settle = (ok: boolean) => {
            clearTimeout(timer);
            conn.socket.off('connect', onConnect);
            conn.socket.off('close', onClose);
            resolve(ok);
          };
          const onConnect = () => {
            // no call is written on a socket still connecting: a call queued meanwhile (the pool at its bound) takes it now
            if (!this.closed) this.release(conn);
            settle(true);
          };
          const onClose = () => settle(false);
          conn.socket.once('connect', onConnect);
          conn.socket.once('close', onClose);
        }),
      );
    }
    return Promise.all(opening).then((ok) => ok.filter(Boolean).length);
  }

  /** Every socket closed; calls still waiting are given up, calls out end as connection errors. */
  close(): void {
    this.closed = true;
    for (let call = this.dequeue(); call !== null; call = this.dequeue()) call.end(CallFail.GaveUp, 0, '');
    for (const conn of [...this.conns]) conn.socket.destroy();
    this.stopSweeper();
  }

  private open(): Conn {
    const socket = connect(this.opts.port, this.opts.host);
    socket.setNoDelay(true);
    const conn: Conn = { socket, reader: new ReplyReader(this.opts.maxReplyBytes), job: null, since: performance.now(), idleMs: this.opts.keepAliveMs, hung: false };
    this.conns.add(conn);
    socket.on('data', (chunk: Buffer) => this.onData(conn, chunk));
    // the close that follows says what became of a call on it
    socket.on('error', () => {});
    socket.on('close', () => this.onClose(conn));
    if (this.sweeper === null) {
      this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
      this.sweeper.unref();
    }
    return conn;
  }

  private write(conn: Conn, call: LeanCall): void {
    conn.job = call;
    conn.since = performance.now();
    conn.reader.reset();
    conn.socket.write(call.data);
  }

  private dequeue(): LeanCall | null {
    while (this.queueHead < this.queue.length) {
      const waiting = this.queue[this.queueHead]!;
      this.queue[this.queueHead++] = undefined as unknown as Waiting;
      if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
        this.queue.splice(0, this.queueHead);
        this.queueHead = 0;
      }
      if (waiting.dead) continue;
      waiting.call.signal.removeEventListener('abort', waiting.onAbort);
      this.live--;
      return waiting.call;
    }
    return null;
  }

  /** A socket free again: the next call waiting takes it, else it waits idle. */
  private release(conn: Conn): void {
    const call = this.dequeue();
    if (call !== null) return this.write(conn, call);
    conn.since = performance.now();
    this.idle.push(conn);
  }

  private onData(conn: Conn, chunk: Buffer): void {
    const job = conn.job;
    // bytes nobody asked for: the buyer is not speaking HTTP as this pool does
    if (job === null) return void conn.socket.destroy();
    const state = conn.reader.feed(chunk);
    if (state === ReplyState.More) return;
    conn.job = null;
    if (state === ReplyState.Bad) {
      conn.socket.destroy();
      return job.end(CallFail.Bad, 0, '');
    }
    const { reader } = conn;
    const status = reader.status;
    const text = reader.text();
    if (reader.keepAliveHintMs >= 0) conn.idleMs = Math.min(this.opts.keepAliveMs, reader.keepAliveHintMs - HINT_MARGIN_MS);
    // the socket is given back before the answer is told, so a call made from `end` can take it
    if (reader.keepAlive && !reader.extra && !this.closed && conn.idleMs > 0) this.release(conn);
    else conn.socket.destroy();
    job.end(CallFail.None, status, text);
  }

  private onClose(conn: Conn): void {
    this.conns.delete(conn);
    const i = this.idle.indexOf(conn);
    if (i >= 0) this.idle.splice(i, 1);
    const job = conn.job;
    conn.job = null;
    if (job !== null) {
      if (conn.hung) job.end(CallFail.Hung, 0, '');
      else if (conn.reader.end() === ReplyState.Done) job.end(CallFail.None, conn.reader.status, conn.reader.text());
      else job.end(CallFail.Connect, 0, '');
    }
    if (this.conns.size === 0) this.stopSweeper();
    // calls still waiting take the place this socket left
    if (!this.closed && this.live > 0 && this.conns.size < this.opts.connections) {
      const next = this.dequeue();
      if (next !== null) this.write(this.open(), next);
    }
  }

  private sweep(): void {
    const now = performance.now();
    for (const conn of this.conns) {
      if (conn.job !== null) {
        if (now - conn.since > this.opts.hungMs) {
          conn.hung = true;
          conn.socket.destroy();
        }
      } else if (now - conn.since > conn.idleMs) conn.socket.destroy();
    }
  }

  private stopSweeper(): void {
    if (this.sweeper !== null) clearInterval(this.sweeper);
    this.sweeper = null;
  }
}
