import WebSocket from 'ws';

export type Msg = Record<string, any>;

/**
 * A buyer on the buyer socket (/v1/bidders/ws) with `key`: answers each message with what
 * `answer` returns (nothing for null), after `delayMs`. `seen` is every message Gavel sent it.
 */
export async function socketBuyer(port: number, key: string, answer: (m: Msg) => Msg | null, delayMs = 0): Promise<{ ws: WebSocket; seen: Msg[] }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/bidders/ws`, { headers: { authorization: `Bearer ${key}` } });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const seen: Msg[] = [];
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString()) as Msg;
    seen.push(m);
    const reply = answer(m);
    if (reply) setTimeout(() => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify({ id: m.id, ...reply })), delayMs);
  });
  return { ws, seen };
}
