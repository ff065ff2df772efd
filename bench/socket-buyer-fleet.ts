import { connectBuyer, type BuyerConnection, type FrameFormat, type PingDecision, type SocketStatus } from '../src/sdk/index.js';
import type { BehaviourOptions, BuyerBehaviour } from './buyer-behaviour.js';
import type { BuyerCounters } from './buyer-counters.js';
import { countersOf, mindsOf, type MockBuyerMind, type PingAnswer } from './buyer-mind.js';
import { protocolFields } from './support/protocol-fields.js';
import { allOpen } from './support/sockets-open.js';

export interface SocketFleetOptions extends BehaviourOptions {
  /** Gavel's base URL (http or ws): the buyers dial it, so Gavel must be listening first */
  url: string;
  /** each buyer's key, by buyer id, as Gavel's config has it */
  keys: Record<string, string>;
  /** sockets each buyer holds open; Gavel spreads a buyer's pings over them (default 1) */
  socketsPerBuyer?: number;
  /** Gavel's frames to the buyers (default json) */
  format?: FrameFormat;
  /** how long every socket may take to open before the fleet gives up (default 5000 ms) */
  openTimeoutMs?: number;
}

export interface SocketBuyer {
  id: string;
  sockets: number;
}

export interface SocketBuyerFleet {
  buyers: SocketBuyer[];
  counters(): Record<string, BuyerCounters>;
  close(): Promise<void>;
}

/** The `garbage` error kind on the socket: the SDK frames whatever it is given, so a bid that is not a number reaches Gavel. */
const GARBAGE_BID = { bid: 'twelve' } as unknown as PingDecision;

/**
 * A ping's answer as the SDK takes it: a promise that settles when the mind writes. A
 * `serverError` rejects, so the SDK sends its own failure answer (a pass, reason "error"); a
 * hung ping's promise never settles, so the SDK never answers it.
 */
function onPing(mind: MockBuyerMind, ping: unknown): PingDecision | Promise<PingDecision> {
  const f = protocolFields(ping);
  if (f === null) {
    mind.malformed();
    return { pass: true, reason: 'malformed ping' };
  }
  return new Promise((resolve, reject) =>
    mind.ping(f.lead, f.tmaxMs, (a: PingAnswer) => {
      if (!('error' in a)) resolve(a);
      else if (a.error === 'garbage') resolve(GARBAGE_BID);
      else reject(new Error('mock buyer failure'));
    }),
  );
}

/**
 * The same mock buyers as the HTTP fleet (bench/buyer-fleet.ts), each on Gavel's buyer socket
 * through the SDK's connectBuyer: same decisions, same delays, same counters. Resolves once
 * every socket is open, since a buyer with none open is a pass in every auction.
 */
export async function startSocketBuyerFleet(behaviours: readonly BuyerBehaviour[], opts: SocketFleetOptions): Promise<SocketBuyerFleet> {
  const minds = mindsOf(behaviours, opts);
  const sockets = opts.socketsPerBuyer ?? 1;
  const connections: BuyerConnection[] = [];
  const lastClose = new Map<BuyerConnection, SocketStatus>();
  for (const mind of minds) {
    const key = opts.keys[mind.id];
    if (key === undefined) throw new Error(`socket buyers: no key for "${mind.id}"`);
    for (let s = 0; s < sockets; s++) {
      const conn: BuyerConnection = connectBuyer({
        url: opts.url,
        key,
        ...(opts.format !== undefined ? { format: opts.format } : {}),
        onPing: (ping) => onPing(mind, ping),
        onPost: (post) => {
          const f = protocolFields(post);
          if (f !== null) return new Promise((resolve) => mind.post(f.pingId, f.tmaxMs, resolve));
          mind.malformed();
          return { reject: true, reason: 'malformed post' };
        },
        // quick to come back, so a bench run loses little to a drop; the drop itself shows in `connections`
        reconnect: { minMs: 50, maxMs: 1000 },
        onStatus: (status) => {
          if (status.state === 'open') mind.counters.connections++;
          else lastClose.set(conn, status);
        },
      });
      connections.push(conn);
    }
  }
  const close = () => Promise.all(connections.map((c) => c.close())).then(() => undefined);
  try {
    // a refused upgrade (a wrong key) shows as close code 1006 before any open
    await allOpen(connections, opts.openTimeoutMs ?? 5000, 'socket buyers', (c) => JSON.stringify(lastClose.get(c) ?? 'no close yet'));
  } catch (e) {
    await close();
    throw e;
  }
  return {
    buyers: minds.map((m) => ({ id: m.id, sockets })),
    counters: () => countersOf(minds),
    close,
  };
}
