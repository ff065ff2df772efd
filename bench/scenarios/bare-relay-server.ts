import { Pool } from 'undici';
import { uws } from '../../src/front/uws.js';
import { sellerCalls, serveForParent, type SellerCall } from '../support/serve-for-parent.js';

/**
 * The baseline: what any exchange must at least do per ping, and nothing else. uWS in,
 * the lead wrapped into a native-protocol ping, undici Pool.request to every buyer at once,
 * the best bid out, to a seller over HTTP or the seller socket. No validation, dedup, caps, deadline, store or metrics.
 * argv[2]: JSON list of buyer ping URLs. Talks to its parent over IPC (relay-messages.ts).
 */
const pingUrls = JSON.parse(process.argv[2] ?? '[]') as string[];
const targets = pingUrls.map((u) => {
  const url = new URL(u);
  return { pool: new Pool(url.origin, { connections: 32, pipelining: 1 }), path: url.pathname };
});
const HEADERS = { 'content-type': 'application/json' };
let seq = 0;

async function bidOf(pool: Pool, path: string, body: string): Promise<number> {
  try {
    // the buyers are told 100 ms and given no longer: a relay that waited for late buyers would queue without end
    const res = await pool.request({ method: 'POST', path, headers: HEADERS, body, signal: AbortSignal.timeout(100) });
    const reply = (await res.body.json()) as { bid?: unknown };
    return typeof reply.bid === 'number' ? reply.bid : 0;
  } catch {
    return 0;
  }
}

async function relay(call: SellerCall, answer: (json: string) => void): Promise<void> {
  const ping = `{"ping_id":"r${++seq}","campaign":${JSON.stringify(call.campaign)},"test":false,"lead":${JSON.stringify(call.lead)},"tmax_ms":100}`;
  const bids = await Promise.all(targets.map((t) => bidOf(t.pool, t.path, ping)));
  const best = Math.max(0, ...bids);
  answer(best > 0 ? `{"status":"bid","price":${best}}` : '{"status":"no_bid"}');
}

const app = uws.App();
sellerCalls(app, { ping: { path: '/v1/ping', handle: (call, answer) => void relay(call, answer) } });
serveForParent(app, 'bare relay', () => Promise.all(targets.map((t) => t.pool.close())));
