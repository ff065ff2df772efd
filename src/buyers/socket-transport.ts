import { performance } from 'node:perf_hooks';
import { pack } from 'msgpackr';
import { pass, PostReply, readPingReply } from './buyer-replies.js';
import type { Bid, BuyerTransport, Pass, PostOutcome } from './transport.js';

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
  /** a message; the link sends it in the socket's own format (JSON text or msgpack) */
  send(frame: OutFrame): void;
  /** the campaigns this socket bids for; null: all of the buyer's */
  campaigns: ReadonlySet<string> | null;
}

type Reply = Record<string, unknown> | null;
interface Pending {
  link: SocketLink;
  /** performance.now() past which no answer is waited for: the sweep settles it (Infinity: the call has a timer of its own) */
  until: number;
  settle(reply: Reply): void;
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

  /** `buyer`: its id; `campaigns`: the buyer's own, which a socket may narrow; `onLate`: an answer came after its call was settled */
  constructor(
    readonly buyer: string,
    readonly campaigns: ReadonlySet<string>,
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
    for (const p of [...this.pending.values()]) if (p.until < now) p.settle(null);
  }

  attach(link: SocketLink): void {
    this.links.push(link);
  }

  detach(link: SocketLink): void {
    this.links = this.links.filter((l) => l !== link);
    for (const [id, p] of this.pending) {
      if (p.link !== link) continue;
      this.pending.delete(id);
      p.settle(null);
    }
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
    this.pending.delete(msg.id as number);
    p.settle(msg);
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

  /** send `frame` (message `id`) on the next socket for `campaign`; null when none is open */
  private call(campaign: string, id: number, frame: OutFrame, until: number, onSettle: (reply: Reply) => void): ((reply: Reply) => void) | null {
    const link = this.linkFor(campaign);
    if (link === undefined) return null;
    let done = false;
    const settle = (reply: Reply) => {
      if (done) return;
      done = true;
      this.pending.delete(id);
      onSettle(reply);
    };
    this.pending.set(id, { link, until, settle });
    link.send(frame);
    return settle;
  }

  ping(campaign: string, bodyPrefix: string, budgetMs: number, until: number, _signal: AbortSignal): Promise<Bid | Pass> {
    const t0 = performance.now();
    return new Promise((resolve) => {
      const { id, frame } = pingFrame(bodyPrefix, budgetMs);
      const settle = this.call(campaign, id, frame, until, (reply) => {
        const now = performance.now();
        const ms = now - t0;
        // no answer: swept past its time, or its socket dropped before it
        if (reply === null) return resolve(pass(now >= until ? 'TIMEOUT' : 'CONNECT_ERROR', ms));
        if (now > until) {
          // the fan-out settled this buyer as a TIMEOUT already; the answer is counted and dropped
          this.onLate();
          return resolve(pass('TIMEOUT', ms));
        }
        if (reply.type === 'pass') return resolve(readPingReply({ pass: true, reason: reply.reason }, ms));
        resolve(reply.type === 'bid' ? readPingReply(reply, ms) : pass('BAD_REPLY', ms));
      });
      if (settle === null) resolve(pass('CONNECT_ERROR', 0, 'no socket open for this campaign'));
    });
  }

  post(campaign: string, body: string, budgetMs: number): Promise<PostOutcome> {
    const t0 = performance.now();
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const id = ++seq;
      // the body is a JSON object already serialised: the message is it with type and id in front
      const settle = this.call(campaign, id, new OutFrame(`{"type":"post","id":${id},${body.slice(1)}`), Infinity, (reply) => {
        clearTimeout(timer);
        const ms = performance.now() - t0;
        const reject = (reason: string) => resolve({ accepted: false, redirectUrl: undefined, reason, ms });
        if (reply === null) return reject(ms >= budgetMs ? 'TIMEOUT' : 'CONNECT_ERROR');
        const r = PostReply.safeParse({ ...reply, accepted: reply.type === 'accept' });
        if (!r.success || (reply.type !== 'accept' && reply.type !== 'reject')) return reject('BAD_REPLY');
        if (!r.data.accepted) return reject(r.data.reason ?? 'REJECTED');
        resolve({ accepted: true, redirectUrl: r.data.redirect_url, reason: undefined, ms });
      });
      if (settle === null) return resolve({ accepted: false, redirectUrl: undefined, reason: 'CONNECT_ERROR', ms: 0 });
      timer = setTimeout(() => settle(null), Math.max(1, budgetMs));
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
