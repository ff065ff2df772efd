import { performance } from 'node:perf_hooks';
import { pack } from 'msgpackr';
import { pass, PostReply, readPingReply } from './buyer-replies.js';
import type { BuyerTransport, PingSink, PostOutcome } from './transport.js';

/**
 * A message to buyer sockets, serialised once however many sockets it goes to, and encoded at
 * most once per format: an auction's ping is one frame for all its socket buyers.
 */
export class OutFrame {
  private utf8: Buffer | undefined;
  private packed: Buffer | undefined;
  constructor(readonly text: string) {}
  json(): Buffer {
    return (this.utf8 ??= Buffer.from(this.text));
  }
  msgpack(): Buffer {
    return (this.packed ??= pack(JSON.parse(this.text)));
  }
}

/** Message ids, shared by every buyer's transport: one auction's ping has one id, whichever buyer answers it. */
let seq = 0;
/**
 * The latest auction's ping frame. The fan-out pings its buyers in one synchronous loop with one
 * body, so each socket buyer after the first given the same time reuses the first one's frame.
 */
let shared: { prefix: string; budget: number; id: number; frame: OutFrame } | null = null;

function pingFrame(bodyPrefix: string, budgetMs: number): { id: number; frame: OutFrame } {
  const s = shared;
  if (s !== null && s.budget === budgetMs && s.prefix === bodyPrefix) return s;
  const id = ++seq;
  const made = { prefix: bodyPrefix, budget: budgetMs, id, frame: new OutFrame(`{"type":"ping","id":${id},${bodyPrefix.slice(1)}${budgetMs}}`) };
  shared = made;
  return made;
}

/** One open buyer socket, as the front hands it over. */
export interface SocketLink {
  /**
   * a message; the link sends it in the socket's own format (JSON text or msgpack). False when it
   * was not handed to the socket (closed, cut off, or dropped by it): then it never left.
   */
  send(frame: OutFrame): boolean;
  /**
   * a ping, written with the socket's other pings of this turn of the event loop in one write
   * (src/front/buyer-socket.ts). One that never leaves (the socket closed or was cut off first)
   * is a ping unanswered, swept as a timeout; a post, which must know, goes by `send`.
   */
  queue(frame: OutFrame): void;
  /** the campaigns this socket bids for; null: all of the buyer's */
  campaigns: ReadonlySet<string> | null;
}

type Reply = Record<string, unknown> | null;
/** A call out on one socket, settled once: whoever takes it out of the pending map settles it. */
interface Pending {
  link: SocketLink;
  /** performance.now() past which no answer is waited for: the sweep settles it (Infinity: the call has a timer of its own) */
  until: number;
  settle(reply: Reply): void;
}

/** A ping out to one socket buyer: one object, no promise or closure, per buyer per auction. */
class PingCall implements Pending {
  constructor(
    readonly link: SocketLink,
    readonly until: number,
    private readonly t0: number,
    private readonly sink: PingSink,
    private readonly i: number,
    private readonly onLate: () => void,
  ) {}

  settle(reply: Reply): void {
    const now = performance.now();
    const ms = now - this.t0;
    // no answer: swept past its time, or its socket dropped before it
    if (reply === null) return this.sink.answer(this.i, pass(now >= this.until ? 'TIMEOUT' : 'CONNECT_ERROR', ms));
    if (now > this.until) {
      // the fan-out settled this buyer as a TIMEOUT already; the answer is counted and dropped
      this.onLate();
      return this.sink.answer(this.i, pass('TIMEOUT', ms));
    }
    if (reply.type === 'pass') return this.sink.answer(this.i, readPingReply({ pass: true, reason: reply.reason }, ms));
    this.sink.answer(this.i, reply.type === 'bid' ? readPingReply(reply, ms) : pass('BAD_REPLY', ms));
  }
}

/** How often unanswered pings are swept out; an answer that comes first is taken as late. */
const SWEEP_MS = 1000;

const ANSWERS = new Set<unknown>(['bid', 'pass', 'accept', 'reject']);


/**
 * The native buyer protocol over the buyer's own WebSockets (`/v1/bidders/ws`): Gavel sends
 * `ping` and `post` messages with an id, the buyer answers `bid`/`pass` and `accept`/`reject`
 * with that id. Pings are spread across the buyer's sockets in turn. A socket that drops settles
 * what it held at once (a pass, or a reject); an answer after its time is dropped and counted.
 */
export class SocketBuyerTransport implements BuyerTransport {
  private links: SocketLink[] = [];
  private turn = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly sweeper: NodeJS.Timeout;
  /** pings are swept past their time, not aborted */
  readonly abortable = false;

  /**
   * `buyer`: its id; `campaigns`: the buyer's own, which a socket may narrow (replaced when a new
   * configuration changes them: the sockets already open stay); `onLate`: an answer came after its call was settled
   */
  constructor(
    readonly buyer: string,
    public campaigns: ReadonlySet<string>,
    private readonly onLate: () => void,
  ) {
    // pings wait on no abort signal (a listener per buyer per auction cost more than the ping's
    // own bookkeeping): the fan-out stops waiting at the deadline, and what was never answered
    // is swept here, so the map holds at most a second of unanswered pings past their time
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  private sweep(): void {
    const now = performance.now();
    for (const [id, p] of this.pending) if (p.until < now) this.take(id, p, null);
  }

  /** the one way a call leaves the pending map: out, then settled, so it is settled once */
  private take(id: number, p: Pending, reply: Reply): void {
    this.pending.delete(id);
    p.settle(reply);
  }

  attach(link: SocketLink): void {
    this.links.push(link);
  }

  detach(link: SocketLink): void {
    this.links = this.links.filter((l) => l !== link);
    for (const [id, p] of this.pending) if (p.link === link) this.take(id, p, null);
  }

  /** a message from one of the buyer's sockets */
  receive(msg: Record<string, unknown>): void {
    // only an answer can be late; a frame that is none is not the protocol, and is dropped
    if (typeof msg.id !== 'number' || !ANSWERS.has(msg.type)) return;
    const p = this.pending.get(msg.id);
    if (p === undefined) {
      this.onLate();
      return;
    }
    this.take(msg.id, p, msg);
  }

  /** calls waiting for an answer (pings past their time stay at most a sweep longer) */
  get waiting(): number {
    return this.pending.size;
  }

  get connected(): number {
    return this.links.length;
  }

  /** the next of the buyer's sockets that bids for `campaign`, in turn */
  private linkFor(campaign: string): SocketLink | undefined {
    const n = this.links.length;
    for (let k = 0; k < n; k++) {
      const link = this.links[this.turn++ % n]!;
      if (link.campaigns === null || link.campaigns.has(campaign)) return link;
    }
    return undefined;
  }

  ping(campaign: string, bodyPrefix: string, budgetMs: number, until: number, _signal: AbortSignal, sink: PingSink, i: number): void {
    const link = this.linkFor(campaign);
    if (link === undefined) return sink.answer(i, pass('CONNECT_ERROR', 0, 'no socket open for this campaign'));
    const { id, frame } = pingFrame(bodyPrefix, budgetMs);
    this.pending.set(id, new PingCall(link, until, performance.now(), sink, i, this.onLate));
    link.queue(frame);
  }

  post(campaign: string, body: string, budgetMs: number): Promise<PostOutcome> {
    const t0 = performance.now();
    return new Promise((resolve) => {
      const done = (accepted: boolean, unconfirmed: boolean, reason: string | undefined, redirectUrl?: string) =>
        resolve({ accepted, unconfirmed, redirectUrl, reason, ms: performance.now() - t0 });
      const link = this.linkFor(campaign);
      if (link === undefined) return done(false, false, 'CONNECT_ERROR');
      const id = ++seq;
      // how the call ended is said by whoever ends it: the timer, the socket's drop, or the answer
      let timedOut = false;
      const timer = setTimeout(() => {
        const p = this.pending.get(id);
        if (p === undefined) return;
        timedOut = true;
        this.take(id, p, null);
      }, Math.max(1, budgetMs));
      const settle = (reply: Reply) => {
        clearTimeout(timer);
        // the frame was handed to the socket: from here on, no answer leaves the lead possibly the buyer's
        if (reply === null) return done(false, true, timedOut ? 'TIMEOUT' : 'CONNECTION_LOST');
        if (reply.type === 'reject') {
          const reason = reply.reason;
          return done(false, false, typeof reason === 'string' && reason.length > 0 ? reason.slice(0, 256) : 'REJECTED');
        }
        const r = reply.type === 'accept' ? PostReply.safeParse({ ...reply, accepted: true }) : null;
        if (r === null || !r.success) return done(false, true, 'BAD_REPLY');
        done(true, false, undefined, r.data.redirect_url);
      };
      this.pending.set(id, { link, until: Infinity, settle });
      // the body is a JSON object already serialised: the message is it with type and id in front
      if (!link.send(new OutFrame(`{"type":"post","id":${id},${body.slice(1)}`))) {
        // never handed to the socket (closed, or cut off for not reading): the lead did not leave
        clearTimeout(timer);
        this.pending.delete(id);
        done(false, false, 'CONNECT_ERROR');
      }
    });
  }

  queued(): number {
    return 0;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    for (const l of [...this.links]) this.detach(l);
  }
}
