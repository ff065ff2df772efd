import type { HttpResponse } from 'uWebSockets.js';
import { Pool } from 'undici';
import { uws } from '../../src/front/uws.js';
import { postWithBody, serveForParent } from '../support/serve-for-parent.js';

/**
 * The baseline: what any exchange must at least do per ping, and nothing else. uWS in,
 * the lead wrapped into a native-protocol ping, undici Pool.request to every buyer at once,
 * the best bid out. No validation, dedup, caps, deadline, store or metrics.
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

async function relay(res: HttpResponse, aborted: { is: boolean }, body: Buffer): Promise<void> {
  let answer: string;
  let status = '200 OK';
  try {
    const env = JSON.parse(body.toString('utf8')) as { campaign?: unknown; lead?: unknown };
    const ping = `{"ping_id":"r${++seq}","campaign":${JSON.stringify(env.campaign)},"test":false,"lead":${JSON.stringify(env.lead)},"tmax_ms":100}`;
    const bids = await Promise.all(targets.map((t) => bidOf(t.pool, t.path, ping)));
    const best = Math.max(0, ...bids);
    answer = best > 0 ? `{"status":"bid","price":${best}}` : '{"status":"no_bid"}';
  } catch {
    status = '400 Bad Request';
    answer = '{"error":"bad request"}';
  }
  if (aborted.is) return;
  res.cork(() => res.writeStatus(status).writeHeader('content-type', 'application/json').end(answer));
}

const app = uws.App();
postWithBody(app, '/v1/ping', (res, aborted, body) => void relay(res, aborted, body));
serveForParent(app, 'bare relay', () => Promise.all(targets.map((t) => t.pool.close())));
