import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { pass, PostReply, readPingReply } from './buyer-replies.js';
import { NATIVE_CODEC, type BuyerCodec, type CallFacts, type WireRequest } from './buyer-codec.js';
import { lateTolerantCall } from './late-tolerant-call.js';
import { CallFail, LeanHttpPool, type LeanCall } from './lean-http-pool.js';
import { postCall, type PostCallResult } from './post-call.js';
import type { Bid, BuyerTransport, Pass, PingSink, PostOutcome } from './transport.js';

export interface HttpBuyerOptions {
  pingUrl: string;
  postUrl: string;
  connections: number;
  headers: Record<string, string>;
  /** the native protocol unless the buyer has a format of its own */
  codec?: BuyerCodec;
  /**
   * How pings are sent: `lean` (lean-http-pool.ts, the default for an http: ping URL) or `undici`
   * (the library, as posts are). Both give the same answers (test/integration/lean-http.test.ts);
   * the choice is here for that test and for measuring one against the other.
   */
  pingClient?: 'lean' | 'undici';
}

/**
 * An idle connection to a buyer is kept this long when the buyer gives no keep-alive hint:
 * undici's own default. Longer risks a ping on a socket the buyer is closing (uWS closes idle
 * ones after ~10 s without saying so), which undici does not retry for a POST.
 */
const KEEP_ALIVE_MS = 4_000;

/** A buyer that has not answered a request in this long is taken for hung: its socket is closed. */
const HUNG_MS = 10_000;

/** A reply is at most this big; a buyer cannot grow Gavel's memory (ARCHITECTURE.md invariant 6). */
const MAX_REPLY_BYTES = 64 * 1024;


function originOf(url: URL): string {
  return `${url.protocol}//${url.host}`;
}

/**
 * What the library reports for a reply it could not read (llhttp's parse errors, a head over 16 KB, a reply over
 * maxResponseSize, a body shorter or longer than its content-length): the buyer answered, but not
 * in HTTP, which is a BAD_REPLY as on the lean path, not a connection error.
 */
function isBadReply(err: unknown): boolean {
  const e = err as { name?: unknown; code?: unknown } | null;
  return e?.name === 'HTTPParserError' || e?.code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE' || e?.code === 'UND_ERR_HEADERS_OVERFLOW' || e?.code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH';
}

/** A header name or value that would end the line it is written on: the request is refused, as undici refuses it. */
const LINE_BREAK = /[\r\n]/;

/**
 * The native buyer protocol over HTTP, keep-alive, one request per socket at a time (a slow reply
 * must not hold the pings queued behind it). Pings go through the lean pool (lean-http-pool.ts),
 * which in a profile of http-5 under load cost a fraction of undici's JavaScript and keeps its
 * socket when a queued ping is dropped; posts, one per auction, stay on an undici Pool, whose
 * handler callbacks tell whether a post left (post-call.ts).
 */
export class HttpBuyerTransport implements BuyerTransport {
  /** a ping still out when the auction settles is dropped through its signal */
  readonly abortable = true;
  private readonly pingPool: Pool;
  private readonly postPool: Pool;
  private readonly pingPath: string;
  private readonly postPath: string;
  private readonly baseHeaders: Record<string, string>;
  /** headers by content type, made once: a call allocates none */
  private readonly headers = new Map<string | null, Record<string, string>>();
  /** the same for a format's requests with headers of their own (SOAPAction), keyed on that object: one per template */
  private readonly ownHeaders = new WeakMap<object, Record<string, string>>();
  private readonly ownHeads = new WeakMap<object, string>();
  private readonly codec: BuyerCodec;
  /** pings' sockets when they go the lean way, else null */
  private readonly lean: LeanHttpPool | null;
  /** the lean request heads by content type, through `content-length: `: a call appends its length and body */
  private readonly heads = new Map<string | null, string>();
  private readonly pingHost: string;

  constructor(opts: HttpBuyerOptions) {
    const ping = new URL(opts.pingUrl);
    const post = new URL(opts.postUrl);
    // headersTimeout frees a socket whose buyer never answers a ping left to finish (late-tolerant-call.ts)
    const poolOpts = { connections: opts.connections, pipelining: 1, maxResponseSize: MAX_REPLY_BYTES, keepAliveTimeout: KEEP_ALIVE_MS, headersTimeout: HUNG_MS, bodyTimeout: HUNG_MS };
    this.pingPool = new Pool(originOf(ping), poolOpts);
    this.postPool = originOf(post) === originOf(ping) ? this.pingPool : new Pool(originOf(post), poolOpts);
    this.pingPath = ping.pathname + ping.search;
    this.postPath = post.pathname + post.search;
    this.baseHeaders = opts.headers;
    this.codec = opts.codec ?? NATIVE_CODEC;
    this.pingHost = ping.host;
    // https buyers stay on the library: the lean pool speaks plain TCP
    this.lean =
      (opts.pingClient ?? 'lean') === 'lean' && ping.protocol === 'http:'
        ? new LeanHttpPool({ host: ping.hostname.replace(/^\[|\]$/g, ''), port: Number(ping.port || 80), connections: opts.connections, maxReplyBytes: MAX_REPLY_BYTES, hungMs: HUNG_MS, keepAliveMs: KEEP_ALIVE_MS })
        : null;
  }

  /**
   * A lean request's head up to the body's length, made once per method, path and content type
   * where the path has no per-call query (a GET template's has: made per call). Throws on a header
   * that would break the request's lines.
   */
  private leanHead(wire: WireRequest): string {
    const cacheable = wire.query === '';
    // a template with headers of its own has one method and content type: its headers object is the key
    const own = wire.headers ?? null;
    const key = cacheable && own === null ? `${wire.method} ${wire.contentType ?? ''}` : null;
    if (key !== null) {
      const h = this.heads.get(key);
      if (h !== undefined) return h;
    } else if (cacheable) {
      const h = this.ownHeads.get(own!);
      if (h !== undefined) return h;
    }
    let head = `${wire.method} ${HttpBuyerTransport.pathOf(this.pingPath, wire)} HTTP/1.1\r\nhost: ${this.pingHost}\r\nconnection: keep-alive\r\n`;
    for (const [name, value] of Object.entries(this.headersFor(wire))) {
      if (LINE_BREAK.test(name) || LINE_BREAK.test(value)) throw new Error(`header ${JSON.stringify(name)} holds a line break`);
      head += `${name}: ${value}\r\n`;
    }
    head += 'content-length: ';
    if (key !== null) this.heads.set(key, head);
    else if (cacheable) this.ownHeads.set(own!, head);
    return head;
  }

  /** the content type, the request's own headers, then the buyer's configured ones (which win) */
  private headersFor(wire: WireRequest): Record<string, string> {
    const { contentType } = wire;
    const own = wire.headers ?? null;
    let h = own === null ? this.headers.get(contentType) : this.ownHeaders.get(own);
    if (h === undefined) {
      h = { ...(contentType === null ? {} : { 'content-type': contentType }), ...own, ...this.baseHeaders };
      if (own === null) this.headers.set(contentType, h);
      else this.ownHeaders.set(own, h);
    }
    return h;
  }

  private static pathOf(path: string, wire: WireRequest): string {
    return wire.query === '' ? path : path + (path.includes('?') ? '&' : '?') + wire.query;
  }

  ping(_campaign: string, bodyPrefix: string, budgetMs: number, until: number, signal: AbortSignal, sink: PingSink, i: number, facts?: CallFacts): void {
    if (this.lean !== null) return this.leanPing(bodyPrefix + budgetMs + '}', until, signal, sink, i, facts);
    void this.call(bodyPrefix, budgetMs, until, signal, facts).then((result) => sink.answer(i, result));
  }

  /** A ping through the lean pool: no promise and no closure, one object that the answer goes to the sink from. */
  private leanPing(native: string, until: number, signal: AbortSignal, sink: PingSink, i: number, facts: CallFacts | undefined): void {
    const t0 = performance.now();
    let data: string;
    try {
      const wire = this.codec.pingRequest(native, facts);
      const body = wire.body ?? '';
      // as undici: a GET without a body says no length; a POST says its length, 0 included
      data = wire.method === 'GET' && body === '' ? this.leanHead(wire).slice(0, -'content-length: '.length) + '\r\n' : this.leanHead(wire) + Buffer.byteLength(body) + '\r\n\r\n' + body;
    } catch {
      const ms = performance.now() - t0;
      return sink.answer(i, pass(signal.aborted || t0 + ms > until ? 'TIMEOUT' : 'CONNECT_ERROR', ms));
    }
    this.lean!.send(new LeanPing(this, data, signal, sink, i, t0, until));
  }

  /** A reply read whole, `ms` after its call began: the same judgement on either path (the lean one calls it from LeanPing). */
  judge(status: number, text: string, now: number, until: number, ms: number): Bid | Pass {
    // a reply after the buyer's own time is dropped, whatever it says
    if (now > until) return pass('TIMEOUT', ms);
    if (status < 200 || status >= 300) {
      // a refusal in the buyer's own protocol (a SOAP Fault) is its pass, not its failure: template-codec.ts
      const fault = this.codec.pingFault?.(text);
      return fault === undefined ? pass('HTTP_ERROR', ms, `HTTP ${status}`) : pass('NO_BID', ms, fault);
    }
    let json: unknown;
    try {
      json = this.codec.readPing(text);
    } catch {
      return pass('BAD_REPLY', ms);
    }
    return readPingReply(json, ms);
  }

  private async call(bodyPrefix: string, budgetMs: number, until: number, signal: AbortSignal, facts: CallFacts | undefined): Promise<Bid | Pass> {
    const t0 = performance.now();
    let status: number;
    let text: string;
    try {
      const wire = this.codec.pingRequest(bodyPrefix + budgetMs + '}', facts);
      const reply = await lateTolerantCall(
        this.pingPool,
        { path: HttpBuyerTransport.pathOf(this.pingPath, wire), method: wire.method, headers: this.headersFor(wire), body: wire.body },
        signal,
      );
      if (reply === null) return pass('TIMEOUT', performance.now() - t0);
      status = reply.status;
      text = reply.text;
    } catch (err) {
      const ms = performance.now() - t0;
      if (signal.aborted || t0 + ms > until) return pass('TIMEOUT', ms);
      return pass(isBadReply(err) ? 'BAD_REPLY' : 'CONNECT_ERROR', ms);
    }
    const now = performance.now();
    return this.judge(status, text, now, until, now - t0);
  }

  async post(_campaign: string, body: string, budgetMs: number, facts?: CallFacts): Promise<PostOutcome> {
    const t0 = performance.now();
    const outcome = (accepted: boolean, unconfirmed: boolean, reason: string | undefined, redirectUrl?: string): PostOutcome => ({
      accepted,
      unconfirmed,
      redirectUrl,
      reason,
      ms: performance.now() - t0,
    });
    let result: PostCallResult;
    try {
      const wire = this.codec.postRequest(body, facts);
      result = await postCall(this.postPool, { path: HttpBuyerTransport.pathOf(this.postPath, wire), method: wire.method, headers: this.headersFor(wire), body: wire.body }, budgetMs);
    } catch {
      // the buyer's format could not be written: nothing left
      return outcome(false, false, 'CONNECT_ERROR');
    }
    if (result.kind === 'unsent') return outcome(false, false, result.reason);
    if (result.kind === 'unconfirmed') return outcome(false, true, result.reason);
    const { status, text } = result;
    if (status < 200 || status >= 300) return outcome(false, false, this.codec.postFault?.(text) ?? `HTTP_ERROR ${status}`);
    // a 2xx says the buyer took the request; one that is not the protocol leaves the lead possibly its
    let json: unknown;
    try {
      json = this.codec.readPost(text);
    } catch {
      return outcome(false, true, 'BAD_REPLY');
    }
    const r = PostReply.safeParse(json);
    if (!r.success) return outcome(false, true, 'BAD_REPLY');
    if (!r.data.accepted) return outcome(false, false, r.data.reason ?? 'REJECTED');
    return outcome(true, false, undefined, r.data.redirect_url);
  }

  /**
   * Open up to `count` ping connections ahead of the first auction (start-up's warm-up), each
   * given `withinMs` to connect; resolves with how many did. Pings on the library's pool (https,
   * or `pingClient: 'undici'`) open theirs on first use: 0.
   */
  warm(count: number, withinMs: number): Promise<number> {
    return this.lean?.preconnect(count, withinMs) ?? Promise.resolve(0);
  }

  queued(): number {
    return (this.lean?.queued ?? 0) + this.pingPool.stats.queued + (this.postPool === this.pingPool ? 0 : this.postPool.stats.queued);
  }

  /** After the drain no call waits on these pools, but pings left to finish late may: they are dropped. */
  async close(): Promise<void> {
    this.lean?.close();
    await this.pingPool.destroy();
    if (this.postPool !== this.pingPool) await this.postPool.destroy();
  }
}

/** One ping on the lean path: the call the pool writes, and what its end says to the auction's sink. */
class LeanPing implements LeanCall {
  constructor(
    private readonly transport: HttpBuyerTransport,
    readonly data: string,
    readonly signal: AbortSignal,
    private readonly sink: PingSink,
    private readonly i: number,
    private readonly t0: number,
    private readonly until: number,
  ) {}

  end(fail: CallFail, status: number, text: string): void {
    const now = performance.now();
    const ms = now - this.t0;
    if (fail === CallFail.None) return this.sink.answer(this.i, this.transport.judge(status, text, now, this.until, ms));
    // the same order as the undici path: a call given up or past its time is a TIMEOUT whatever else happened
    if (fail === CallFail.GaveUp || fail === CallFail.Hung || this.signal.aborted || now > this.until) return this.sink.answer(this.i, pass('TIMEOUT', ms));
    this.sink.answer(this.i, pass(fail === CallFail.Bad ? 'BAD_REPLY' : 'CONNECT_ERROR', ms));
  }
}
