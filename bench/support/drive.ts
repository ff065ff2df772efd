import { Pool } from 'undici';
import { connectSeller, GavelCallError } from '../../src/sdk/index.js';
import type { Scenario, Target } from '../scenarios/scenario.js';
import { DEMO_SELLER_KEY } from './demo-config.js';
import { runLoad, type LoadResult } from './load.js';
import { runSocketLoad } from './socket-load.js';

/** What ping the runner sends when its scenario does not say. */
export const DEFAULT_TMAX_MS = 150;

/** The seller's calls of a scenario against one target: the route, the deadline, the key. */
interface Calls {
  path: string;
  tmaxMs: number;
  /** the baselines take any key on their seller socket; Gavel's is the demo seller's */
  key: string;
}

function callsOf(scenario: Scenario, target: Target): Calls {
  return { path: scenario.route === 'leads' ? '/v1/leads' : '/v1/ping', tmaxMs: scenario.tmaxMs ?? DEFAULT_TMAX_MS, key: target.sellerKey ?? DEMO_SELLER_KEY };
}

/** A seller call's body, as every generator of the bench sends it (wrk's script builds the same text in Lua). */
export const bodyOf = (lead: object, tmaxMs: number) => `{"campaign":"auto","lead":${JSON.stringify(lead)},"tmax_ms":${tmaxMs}}`;

/**
 * A closed loop against the target, by the scenario's seller: autocannon over HTTP, or
 * connectSeller sockets. Answers slower than the scenario's tmaxMs, when it sets one, are `over`.
 */
export function closedLoop(scenario: Scenario, target: Target, nextLead: () => object): (connections: number, durationS: number) => Promise<LoadResult> {
  const { path, tmaxMs, key } = callsOf(scenario, target);
  const overMs = scenario.tmaxMs;
  const over = overMs !== undefined ? { overMs } : {};
  if (scenario.seller === 'socket') {
    const route = scenario.route ?? 'ping';
    return (connections, durationS) =>
      runSocketLoad({ url: target.url, key, campaign: 'auto', route, nextLead: () => ({ ...nextLead() }) as Record<string, unknown>, tmaxMs, connections, durationS, ...over });
  }
  return (connections, durationS) => runLoad({ url: target.url, path, headers: target.headers, nextBody: () => bodyOf(nextLead(), tmaxMs), connections, durationS, ...over });
}

/** One call at a time for the open loop, labelled by how it ended (a status, an error code), and how to let go of its connections. */
export interface Sender {
  send(): Promise<string>;
  close(): Promise<void>;
}

/** The calls of an open loop: the next lead to the scenario's route, over HTTP or the seller socket. */
export async function openSender(scenario: Scenario, target: Target, nextLead: () => object): Promise<Sender> {
  const { path, tmaxMs, key } = callsOf(scenario, target);
  if (scenario.seller === 'socket') {
    const seller = connectSeller({ url: target.url, key, callTimeoutMs: 10_000 });
    await seller.ready;
    const call = scenario.route === 'leads' ? seller.lead : seller.ping;
    return {
      send: () =>
        call('auto', nextLead() as Record<string, unknown>, { tmax_ms: tmaxMs }).then(
          (a) => a.status,
          (e: unknown) => (e instanceof GavelCallError ? e.code : 'error'),
        ),
      close: () => seller.close(),
    };
  }
  // pipelining 1 and connections enough that an open loop never waits for a free one
  const pool = new Pool(target.url, { connections: 512, pipelining: 1 });
  return {
    async send() {
      const res = await pool.request({ method: 'POST', path, headers: target.headers, body: bodyOf(nextLead(), tmaxMs) });
      const body = (await res.body.json()) as { status?: string; error?: { code?: string } };
      return res.statusCode === 200 ? (body.status ?? '200') : (body.error?.code ?? String(res.statusCode));
    },
    close: () => pool.close(),
  };
}
