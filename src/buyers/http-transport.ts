import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { pass, PostReply, readPingReply } from './buyer-replies.js';
import { NATIVE_CODEC, type BuyerCodec, type CallFacts, type WireRequest } from './buyer-codec.js';
import { lateTolerantCall } from './late-tolerant-call.js';
import { postCall, type PostCallResult } from './post-call.js';
import type { Bid, BuyerTransport, Pass, PingSink, PostOutcome } from './transport.js';

export interface HttpBuyerOptions {
  pingUrl: string;
  postUrl: string;
  connections: number;
  headers: Record<string, string>;
  /** the native protocol unless the buyer has a format of its own */
  codec?: BuyerCodec;
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
 * The native buyer protocol over HTTP: one undici Pool per buyer origin, keep-alive,
 * pipelining 1 (a slow reply must not hold the pings queued behind it).
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
  private readonly codec: BuyerCodec;

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
  }

  private headersFor(contentType: string | null): Record<string, string> {
    let h = this.headers.get(contentType);
    if (h === undefined) this.headers.set(contentType, (h = contentType === null ? { ...this.baseHeaders } : { 'content-type': contentType, ...this.baseHeaders }));
    return h;
  }

  private static pathOf(path: string, wire: WireRequest): string {
    return wire.query === '' ? path : path + (path.includes('?') ? '&' : '?') + wire.query;
  }

  ping(_campaign: string, bodyPrefix: string, budgetMs: number, until: number, signal: AbortSignal, sink: PingSink, i: number, facts?: CallFacts): void {
    void this.call(bodyPrefix, budgetMs, until, signal, facts).then((result) => sink.answer(i, result));
  }

  private async call(bodyPrefix: string, budgetMs: number, until: number, signal: AbortSignal, facts: CallFacts | undefined): Promise<Bid | Pass> {
    const t0 = performance.now();
    let status: number;
    let text: string;
    try {
      const wire = this.codec.pingRequest(bodyPrefix + budgetMs + '}', facts);
      const reply = await lateTolerantCall(
        this.pingPool,
        { path: HttpBuyerTransport.pathOf(this.pingPath, wire), method: wire.method, headers: this.headersFor(wire.contentType), body: wire.body },
        signal,
      );
      if (reply === null) return pass('TIMEOUT', performance.now() - t0);
      status = reply.status;
      text = reply.text;
    } catch {
      const ms = performance.now() - t0;
      return pass(signal.aborted || t0 + ms > until ? 'TIMEOUT' : 'CONNECT_ERROR', ms);
    }
    const now = performance.now();
    const ms = now - t0;
    // a reply after the buyer's own time is dropped, whatever it says
    if (now > until) return pass('TIMEOUT', ms);
    if (status < 200 || status >= 300) return pass('HTTP_ERROR', ms, `HTTP ${status}`);
    let json: unknown;
    try {
      json = this.codec.readPing(text);
    } catch {
      return pass('BAD_REPLY', ms);
    }
    return readPingReply(json, ms);
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
      result = await postCall(this.postPool, { path: HttpBuyerTransport.pathOf(this.postPath, wire), method: wire.method, headers: this.headersFor(wire.contentType), body: wire.body }, budgetMs);
    } catch {
      // the buyer's format could not be written: nothing left
      return outcome(false, false, 'CONNECT_ERROR');
    }
    if (result.kind === 'unsent') return outcome(false, false, result.reason);
    if (result.kind === 'unconfirmed') return outcome(false, true, result.reason);
    const { status, text } = result;
    if (status < 200 || status >= 300) return outcome(false, false, `HTTP_ERROR ${status}`);
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

  queued(): number {
    return this.pingPool.stats.queued + (this.postPool === this.pingPool ? 0 : this.postPool.stats.queued);
  }

  /** After the drain no call waits on these pools, but pings left to finish late may: they are dropped. */
  async close(): Promise<void> {
    await this.pingPool.destroy();
    if (this.postPool !== this.pingPool) await this.postPool.destroy();
  }
}
