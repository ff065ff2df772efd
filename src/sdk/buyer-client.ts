import { SocketConnection, socketUrl, type BackoffOptions, type FrameFormat, type SocketStatus } from './socket-connection.js';

/** A ping as the buyer receives it: the lead without its PII, and the time the buyer has. */
export interface BuyerPing {
  ping_id: string;
  campaign: string;
  test: boolean;
  lead: Record<string, unknown>;
  /** answer within this many ms of receiving the ping, or the answer is dropped as late */
  tmax_ms: number;
}

/** A post to the buyer that won: the full lead, at the price it bid. */
export interface BuyerPost {
  ping_id: string;
  bid_id: string | null;
  price: number;
  test: boolean;
  tmax_ms: number;
  lead: Record<string, unknown>;
}

export type PingDecision = { bid: number; bid_id?: string } | { pass: true; reason?: string };
export type PostDecision = { accept: true; redirect_url?: string } | { reject: true; reason?: string };

export interface BuyerOptions {
  /** Gavel's base URL (`ws://host:port`) or the full buyer socket URL (`.../v1/bidders/ws`) */
  url: string;
  key: string;
  /** bid only for these of the buyer's campaigns on this connection; all of them when absent */
  campaigns?: readonly string[];
  /** Gavel's frames to this buyer; msgpack costs Gavel a re-encode per ping but is smaller (default json) */
  format?: FrameFormat;
  onPing(ping: BuyerPing): PingDecision | Promise<PingDecision>;
  onPost(post: BuyerPost): PostDecision | Promise<PostDecision>;
  /** backoff between reconnects; false: do not reconnect */
  reconnect?: BackoffOptions | false;
  onStatus?(status: SocketStatus): void;
  /** a handler threw: the ping is passed (reason "error") or the post rejected */
  onError?(err: unknown, message: BuyerPing | BuyerPost): void;
}

export interface BuyerConnection {
  /** resolves at the first open: from then the buyer is in Gavel's auctions; rejects if it closes for good first */
  readonly ready: Promise<void>;
  readonly connected: boolean;
  /** leave the auctions: pings held by this socket become passes at once */
  close(): Promise<void>;
}

/**
 * A buyer on Gavel's buyer socket: `onPing` decides each bid, `onPost` each post, and the
 * answer goes back with the message's id. Stays connected across drops (reconnect with backoff);
 * an answer for a socket that dropped is lost, and Gavel has already counted it as a pass.
 */
export function connectBuyer(opts: BuyerOptions): BuyerConnection {
  const url = socketUrl(opts.url, '/v1/bidders/ws', {
    campaigns: opts.campaigns && opts.campaigns.length > 0 ? opts.campaigns.join(',') : undefined,
    format: opts.format,
  });
  const answer = async (msg: Record<string, unknown>): Promise<Record<string, unknown>> => {
    if (msg.type === 'ping') {
      const ping = msg as unknown as BuyerPing;
      try {
        const d = await opts.onPing(ping);
        return 'bid' in d ? { type: 'bid', bid: d.bid, ...(d.bid_id !== undefined ? { bid_id: d.bid_id } : {}) } : { type: 'pass', ...(d.reason !== undefined ? { reason: d.reason } : {}) };
      } catch (e) {
        opts.onError?.(e, ping);
        return { type: 'pass', reason: 'error' };
      }
    }
    const post = msg as unknown as BuyerPost;
    try {
      const d = await opts.onPost(post);
      return 'accept' in d
        ? { type: 'accept', ...(d.redirect_url !== undefined ? { redirect_url: d.redirect_url } : {}) }
        : { type: 'reject', ...(d.reason !== undefined ? { reason: d.reason } : {}) };
    } catch (e) {
      opts.onError?.(e, post);
      return { type: 'reject', reason: 'error' };
    }
  };
  const conn: SocketConnection = new SocketConnection({
    url,
    key: opts.key,
    format: opts.format ?? 'json',
    reconnect: opts.reconnect ?? {},
    onStatus: opts.onStatus,
    onMessage: (msg) => {
      if ((msg.type !== 'ping' && msg.type !== 'post') || typeof msg.id !== 'number') return;
      const id = msg.id;
      void answer(msg).then((reply) => conn.send({ ...reply, id }));
    },
    onClose: () => undefined,
  });
  return {
    ready: conn.ready,
    get connected() {
      return conn.isOpen;
    },
    close: () => conn.close(),
  };
}
