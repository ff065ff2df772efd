import type { WebSocket } from 'uWebSockets.js';

/**
 * uWS's own frame limit behind Gavel's: a frame over max_body_bytes but under this reaches the
 * handler, which closes with 1009 as the protocol asks; a larger one is cut at its header, before
 * it is buffered, with no close frame. Four times the limit bounds the memory one frame can take.
 */
export function backstopOf(maxBody: number): number {
  return 4 * maxBody;
}

/** RFC 6455 §7.4.1: 1009, a message too big to process. */
export function tooBig(ws: WebSocket<{ closed: boolean }>): void {
  const data = ws.getUserData();
  if (data.closed) return;
  data.closed = true;
  ws.end(1009, 'frame over server.max_body_bytes');
}
