// A seller in a process of its own, so its burst costs the Gavel under test nothing but the
// frames: argv url, key, count. Prints {"sent":true} once every frame is written, then a tally
// of the answers by type/code once each frame has one.
import WebSocket from 'ws';

const [url, key, count] = [process.argv[2], process.argv[3], Number(process.argv[4])];
const ws = new WebSocket(url, { headers: { authorization: `Bearer ${key}` } });
const tally = {};
let answered = 0;
ws.on('open', () => {
  for (let i = 0; i < count; i++) ws.send(JSON.stringify({ type: 'ping', id: i, campaign: 'auto', tmax_ms: 1000, lead: { zip: String(10000 + (i % 90000)), state: 'CA' } }));
  process.stdout.write(JSON.stringify({ sent: true }) + '\n');
});
ws.on('message', (data) => {
  const m = JSON.parse(data.toString());
  const kind = m.type === 'error' ? `${m.status}:${m.error.code}` : m.type;
  tally[kind] = (tally[kind] ?? 0) + 1;
  if (++answered === count) {
    // the socket must still serve a call after the burst
    ws.removeAllListeners('message');
    ws.once('message', (d) => {
      process.stdout.write(JSON.stringify({ tally, after: JSON.parse(d.toString()) }) + '\n');
      ws.close();
    });
    ws.send(JSON.stringify({ type: 'ping', id: 'after', campaign: 'auto', lead: { zip: '90001', state: 'CA' } }));
  }
});
ws.on('error', (e) => {
  process.stdout.write(JSON.stringify({ error: e.message }) + '\n');
  process.exit(1);
});
