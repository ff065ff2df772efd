import type { HttpResponse, WebSocket } from 'uWebSockets.js';
import { uws } from '../../src/front/uws.js';
import { postWithBody, serveForParent } from '../support/serve-for-parent.js';

/**
 * The baseline for WebSocket buyers: uWS in; buyers connect to /v1/bidders/ws (any key) and
 * each ping goes out as one frame per buyer socket, answers matched by id, the best bid back
 * after every socket answered or 100 ms. No validation, dedup, caps, store or metrics.
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

function relay(res: HttpResponse, aborted: { is: boolean }, body: Buffer): void {
  const id = ++seq;
  let text: string;
  try {
    const env = JSON.parse(body.toString('utf8')) as { campaign?: unknown; lead?: unknown };
    text = `{"type":"ping","id":${id},"ping_id":"r${id}","campaign":${JSON.stringify(env.campaign)},"test":false,"lead":${JSON.stringify(env.lead)},"tmax_ms":${TIMEOUT_MS}}`;
  } catch {
    if (!aborted.is) res.cork(() => res.writeStatus('400 Bad Request').end('{"error":"bad request"}'));
    return;
  }
  const answer = () => {
    pending.delete(id);
    clearTimeout(timer);
    if (aborted.is) return;
    const out = p.best > 0 ? `{"status":"bid","price":${p.best}}` : '{"status":"no_bid"}';
    res.cork(() => res.writeStatus('200 OK').writeHeader('content-type', 'application/json').end(out));
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
postWithBody(app, '/v1/ping', relay);
serveForParent(app, 'bare socket relay');
