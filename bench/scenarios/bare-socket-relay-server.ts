import type { WebSocket } from 'uWebSockets.js';
import { uws } from '../../src/front/uws.js';
import { sellerCalls, serveForParent, type SellerCall } from '../support/serve-for-parent.js';

/**
 * The baseline for WebSocket buyers: uWS in; buyers connect to /v1/bidders/ws (any key) and
 * each ping goes out as one frame per buyer socket, answers matched by id, the best bid back
 * after every socket answered or 100 ms, to a seller over HTTP or the seller socket. No validation, dedup, caps, store or metrics.
 */
const TIMEOUT_MS = 100;
interface Pending {
  best: number;
  left: number;
  done(): void;
}
const sockets = new Set<WebSocket<unknown>>();
const pending = new Map<number, Pending>();
let seq = 0;

function relay(call: SellerCall, reply: (json: string) => void): void {
  const id = ++seq;
  const text = `{"type":"ping","id":${id},"ping_id":"r${id}","campaign":${JSON.stringify(call.campaign)},"test":false,"lead":${JSON.stringify(call.lead)},"tmax_ms":${TIMEOUT_MS}}`;
  const answer = () => {
    pending.delete(id);
    clearTimeout(timer);
    reply(p.best > 0 ? `{"status":"bid","price":${p.best}}` : '{"status":"no_bid"}');
  };
  const p: Pending = { best: 0, left: sockets.size, done: answer };
  const timer = setTimeout(answer, TIMEOUT_MS);
  pending.set(id, p);
  if (p.left === 0) return answer();
  for (const ws of sockets) ws.send(text, false);
}

const app = uws.App();
app.ws('/v1/bidders/ws', {
  open: (ws) => void sockets.add(ws),
  close: (ws) => void sockets.delete(ws),
  message: (_ws, message) => {
    const m = JSON.parse(Buffer.from(message).toString('utf8')) as { id?: number; type?: string; bid?: number };
    const p = typeof m.id === 'number' ? pending.get(m.id) : undefined;
    if (p === undefined) return;
    if (m.type === 'bid' && typeof m.bid === 'number') p.best = Math.max(p.best, m.bid);
    if (--p.left === 0) p.done();
  },
});
sellerCalls(app, { ping: { path: '/v1/ping', handle: relay } });
serveForParent(app, 'bare socket relay');
