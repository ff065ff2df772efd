/**
 * RFC 6455 frames, the little a load generator needs of them: client frames written (masked, as
 * a client must send them) and server frames read (unmasked) from a TCP stream that splits and
 * joins them as it likes.
 */

export const OP_CONTINUATION = 0x0;
export const OP_TEXT = 0x1;
export const OP_BINARY = 0x2;
export const OP_CLOSE = 0x8;
export const OP_PING = 0x9;
export const OP_PONG = 0xa;

/** A frame's payload, whole: a data message with its fragments joined, or one control frame. */
export type FrameHandler = (opcode: number, payload: Buffer) => void;

/**
 * Reads server frames from the chunks of one socket, in order: a frame split across chunks waits
 * for its rest, several frames in one chunk are each delivered, a fragmented message (FIN unset,
 * then continuations) is delivered once, joined, with its first frame's opcode. Control frames
 * may come between fragments (RFC 6455 §5.4) and are delivered at once. Payloads are views of
 * the chunks, not copies: a net socket hands every read a buffer of its own.
 */
export class FrameReader {
  private rest: Buffer | null = null;
  private fragments: Buffer[] = [];
  private fragmentOp = 0;

  constructor(private readonly onFrame: FrameHandler) {}

  /** Feed the next chunk read from the socket; throws on a frame a server must not send (masked, or longer than 2^53). */
  push(chunk: Buffer): void {
    const buf = this.rest === null ? chunk : Buffer.concat([this.rest, chunk]);
    this.rest = null;
    let at = 0;
    const end = buf.length;
    while (end - at >= 2) {
      const b0 = buf[at]!;
      const b1 = buf[at + 1]!;
      if ((b1 & 0x80) !== 0) throw new Error('websocket: the server sent a masked frame');
      let len = b1 & 0x7f;
      let head = 2;
      if (len === 126) {
        if (end - at < 4) break;
        len = buf.readUInt16BE(at + 2);
        head = 4;
      } else if (len === 127) {
        if (end - at < 10) break;
        const hi = buf.readUInt32BE(at + 2);
        if (hi >= 0x200000) throw new Error('websocket: a frame longer than 2^53 bytes');
        len = hi * 0x1_0000_0000 + buf.readUInt32BE(at + 6);
        head = 10;
      }
      if (end - at < head + len) break;
      const payload = buf.subarray(at + head, at + head + len);
      at += head + len;
      this.frame((b0 & 0x80) !== 0, b0 & 0x0f, payload);
    }
    if (at < end) this.rest = at === 0 ? buf : buf.subarray(at);
  }

  private frame(fin: boolean, opcode: number, payload: Buffer): void {
    if (opcode >= 0x8) return this.onFrame(opcode, payload);
    if (opcode !== OP_CONTINUATION) {
      if (fin) return this.onFrame(opcode, payload);
      this.fragmentOp = opcode;
      this.fragments = [payload];
      return;
    }
    this.fragments.push(payload);
    if (!fin) return;
    const whole = Buffer.concat(this.fragments);
    this.fragments = [];
    this.onFrame(this.fragmentOp, whole);
  }
}

/**
 * One client frame (FIN set) carrying `payload`, masked with `mask`. The mask exists so that a
 * hostile script in a browser cannot make its bytes on the wire predictable to a proxy in the
 * path (RFC 6455 §10.3); a load generator is its own trusted client talking straight to the
 * server, so one key drawn once per process serves every frame and saves drawing 4 random bytes
 * per call. The server unmasks whatever the key.
 */
export function clientFrame(opcode: number, payload: string | Buffer, mask: Buffer): Buffer {
  const len = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  const head = len < 126 ? 2 : len < 0x10000 ? 4 : 10;
  const frame = Buffer.allocUnsafe(head + 4 + len);
  frame[0] = 0x80 | opcode;
  if (head === 2) frame[1] = 0x80 | len;
  else if (head === 4) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(len, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeUInt32BE(Math.floor(len / 0x1_0000_0000), 2);
    frame.writeUInt32BE(len >>> 0, 6);
  }
  mask.copy(frame, head, 0, 4);
  const start = head + 4;
  if (typeof payload === 'string') frame.write(payload, start, 'utf8');
  else payload.copy(frame, start);
  const m0 = mask[0]!;
  const m1 = mask[1]!;
  const m2 = mask[2]!;
  const m3 = mask[3]!;
  let i = start;
  const whole = start + (len & ~3);
  for (; i < whole; i += 4) {
    frame[i] = frame[i]! ^ m0;
    frame[i + 1] = frame[i + 1]! ^ m1;
    frame[i + 2] = frame[i + 2]! ^ m2;
    frame[i + 3] = frame[i + 3]! ^ m3;
  }
  for (let k = 0; i < start + len; i++, k++) frame[i] = frame[i]! ^ mask[k]!;
  return frame;
}
