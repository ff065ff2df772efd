import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { clientFrame, FrameReader, OP_CLOSE, OP_PING, OP_PONG, OP_TEXT } from './frame-reader.js';
import type { FrameMessage, FrameRequest, FrameSpec } from './frame-messages.js';
import { fullLead, pingLead } from './leads.js';

/**
 * One process of the seller-socket load generator (frame-load.ts forks it): `sockets` plain TCP
 * sockets upgraded by hand to Gavel's seller socket, `connections` calls in flight over them,
 * each answer sending the next call on its socket. No SDK, no WebSocket library: a call costs
 * the building of its JSON text and one masked frame, an answer a scan for its id.
 */

const UPGRADE_TIMEOUT_MS = 5000;
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** drawn once: see clientFrame on why one key serves every frame */
const MASK = randomBytes(4);

interface Conn {
  socket: Socket;
  /** calls in flight on this socket: id → performance.now() when sent */
  sent: Map<number, number>;
  /** frames due this turn, written at once after the chunk that made them due */
  out: Buffer[];
  dead: boolean;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as FrameSpec;
const send = (m: FrameMessage) => process.send!(m);
const type = spec.route === 'leads' ? 'lead' : 'ping';
const leadOf = spec.route === 'leads' ? fullLead : pingLead;
// the SDK's message, key for key in its order: `{ type, campaign, lead, ...options, id }` (src/sdk/seller-client.ts)
const head = `{"type":"${type}","campaign":"auto","lead":`;
const tail = `,"tmax_ms":${spec.tmaxMs},"id":`;

let next = spec.first;
let running = false;
let ok = 0;
let errors = 0;
let socketErrors = 0;
let unmatched = 0;
let latencies = new Float64Array(1 << 16);
let answered = 0;

/** The next call on `conn`: its id is its lead's index, unique in the run. */
function call(conn: Conn): void {
  const i = next;
  next += spec.stride;
  conn.out.push(clientFrame(OP_TEXT, `${head}${JSON.stringify(leadOf(i))}${tail}${i}}`, MASK));
  conn.sent.set(i, performance.now());
}

function flush(conn: Conn): void {
  if (conn.out.length === 0 || conn.dead) return;
  conn.socket.write(conn.out.length === 1 ? conn.out[0]! : Buffer.concat(conn.out));
  conn.out = [];
}

const ID = Buffer.from('"id":');
const ERROR_TYPE = Buffer.from('{"type":"error"');

/** An answer: its id read in place (Gavel writes `{"type":...,"id":N,...}`), an error told by its type. */
function answer(conn: Conn, payload: Buffer, at: number): void {
  const k = payload.indexOf(ID);
  let id = -1;
  if (k >= 0) {
    id = 0;
    let p = k + ID.length;
    for (let c = payload[p]!; c >= 0x30 && c <= 0x39; c = payload[++p]!) id = id * 10 + (c - 0x30);
    if (p === k + ID.length) id = -1;
  }
  const t0 = conn.sent.get(id);
  if (t0 === undefined) {
    unmatched++;
    return;
  }
  conn.sent.delete(id);
  if (!running) return;
  if (payload.subarray(0, ERROR_TYPE.length).equals(ERROR_TYPE)) errors++;
  else ok++;
  if (answered === latencies.length) {
    const grown = new Float64Array(latencies.length * 2);
    grown.set(latencies);
    latencies = grown;
  }
  latencies[answered++] = at - t0;
  call(conn);
}

/** GET /v1/ws with the key, by hand; resolves with the socket and the bytes after the 101's head. */
function upgrade(url: URL): Promise<{ socket: Socket; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const wsKey = randomBytes(16).toString('base64');
    const accept = createHash('sha1').update(wsKey + WS_GUID).digest('base64');
    const socket = connect({ host: url.hostname, port: Number(url.port), noDelay: true });
    const timer = setTimeout(() => fail(new Error(`no answer to the upgrade in ${UPGRADE_TIMEOUT_MS} ms`)), UPGRADE_TIMEOUT_MS);
    let got = Buffer.alloc(0);
    const fail = (e: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(e);
    };
    socket.once('error', fail);
    socket.write(`GET /v1/ws HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${wsKey}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer ${spec.key}\r\n\r\n`);
    const onData = (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      const end = got.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.off('error', fail);
      const headText = got.subarray(0, end).toString('latin1');
      const status = headText.slice(0, headText.indexOf('\r\n'));
      if (!/^HTTP\/1\.1 101\b/.test(status)) return fail(new Error(`upgrade refused: ${status}: ${got.subarray(end + 4).toString('utf8').slice(0, 300)}`));
      if (!new RegExp(`^sec-websocket-accept: *${accept.replace(/[+/=]/g, '\\$&')} *$`, 'im').test(headText)) return fail(new Error('upgrade answered without the Sec-WebSocket-Accept of its key'));
      clearTimeout(timer);
      resolve({ socket, rest: got.subarray(end + 4) });
    };
    socket.on('data', onData);
  });
}

async function open(url: URL): Promise<Conn> {
  const { socket, rest } = await upgrade(url);
  const conn: Conn = { socket, sent: new Map(), out: [], dead: false };
  const lost = () => {
    if (conn.dead) return;
    conn.dead = true;
    if (running) socketErrors++;
    socket.destroy();
  };
  const reader = new FrameReader((opcode, payload) => {
    if (opcode === OP_TEXT) return answer(conn, payload, performance.now());
    // uWS pings a socket it finds idle; a pong keeps it open
    if (opcode === OP_PING) conn.out.push(clientFrame(OP_PONG, payload, MASK));
    else if (opcode === OP_CLOSE) lost();
    // binary answers (msgpack) are never asked for; pongs need nothing
  });
  const onChunk = (chunk: Buffer) => {
    try {
      reader.push(chunk);
    } catch (e) {
      console.error(`frame-load: ${(e as Error).message}`);
      return lost();
    }
    flush(conn);
  };
  socket.on('data', onChunk);
  socket.on('error', lost);
  socket.on('close', lost);
  if (rest.length > 0) onChunk(rest);
  return conn;
}

async function main(): Promise<void> {
  const url = new URL(spec.url);
  let conns: Conn[];
  try {
    conns = await Promise.all(Array.from({ length: spec.sockets }, () => open(url)));
  } catch (e) {
    send({ type: 'failed', error: (e as Error).message });
    return;
  }
  process.on('message', (m: FrameRequest) => {
    if (m.type !== 'go') return;
    running = true;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    // the calls in flight spread as evenly as they go over the sockets
    for (let c = 0; c < spec.connections; c++) call(conns[c % conns.length]!);
    for (const conn of conns) flush(conn);
    setTimeout(() => {
      running = false;
      const durationS = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      for (const conn of conns) {
        conn.dead = true;
        conn.socket.destroy();
      }
      send({ type: 'done', requests: ok + errors, ok, errors, socketErrors, unmatched, durationS, cpuMicros: cpu.user + cpu.system, latencies: latencies.slice(0, answered) });
    }, spec.durationS * 1000);
  });
  send({ type: 'ready' });
}

// an orphaned generator must not outlive the bench that started it
process.on('disconnect', () => process.exit(0));
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
