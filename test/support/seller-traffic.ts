import { call, fullLead, pingLead } from './exchange.js';

export type SellerPath = '/v1/ping' | '/v1/leads';

export interface Sent {
  path: SellerPath;
  lead: Record<string, unknown>;
  /** performance.now() when the call was sent */
  at: number;
  ms: number;
  /** 0 when no HTTP answer came (the connection failed) */
  status: number;
  body: any;
  error?: string;
}

export interface Traffic {
  /** every call so far, answered or not */
  readonly sent: Sent[];
  /** calls sent and not yet answered */
  readonly inFlight: ReadonlySet<Sent>;
  stop(): Promise<void>;
}

/**
 * `loops` sellers, each sending its next call as soon as the last is answered (pings and direct
 * posts in turn, each with a lead of its own) until stopped. A call that gets no HTTP answer is
 * recorded with status 0, never thrown.
 */
export function startTraffic(port: number, opts: { loops: number; paths: SellerPath[]; extra?: Record<string, unknown>; pauseMs?: number }): Traffic {
  const sent: Sent[] = [];
  const inFlight = new Set<Sent>();
  let running = true;
  const loop = async (n: number): Promise<void> => {
    for (let i = n; running; i++) {
      const path = opts.paths[i % opts.paths.length]!;
      const lead = fullLead();
      const s: Sent = { path, lead, at: performance.now(), ms: 0, status: 0, body: null };
      sent.push(s);
      inFlight.add(s);
      try {
        const r = await call(port, path, { campaign: 'auto', lead: path === '/v1/ping' ? pingLead(lead) : lead, ...opts.extra });
        Object.assign(s, { ms: r.ms, status: r.status, body: r.body });
      } catch (e) {
        s.ms = performance.now() - s.at;
        s.error = String((e as Error).cause ?? e);
      }
      inFlight.delete(s);
      if (opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
    }
  };
  const loops = Array.from({ length: opts.loops }, (_, n) => loop(n));
  return {
    sent,
    inFlight,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

/**
 * A cold process (code not yet optimised, first script loads, empty pools) is slower, as
 * bench/README.md's method says: a few rounds of calls before the timed traffic. Their answers
 * are not kept.
 */
export async function warmUp(port: number, rounds = 3, width = 6): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    await Promise.all(
      Array.from({ length: width }, (_, i) => {
        const lead = fullLead();
        return call(port, i % 2 ? '/v1/leads' : '/v1/ping', { campaign: 'auto', lead: i % 2 ? lead : pingLead(lead) }).catch(() => undefined);
      }),
    );
  }
}
