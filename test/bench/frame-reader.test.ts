import { describe, expect, it } from 'vitest';
import { clientFrame, FrameReader, OP_BINARY, OP_CONTINUATION, OP_PING, OP_TEXT } from '../../bench/support/frame-reader.js';

/** A server frame as a server writes it: unmasked, the shortest length form. */
function serverFrame(opcode: number, payload: Buffer, fin = true): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0, len]) : len < 0x10000 ? Buffer.from([0, 126, len >> 8, len & 0xff]) : Buffer.alloc(10);
  if (len >= 0x10000) {
    head[1] = 127;
    head.writeUInt32BE(Math.floor(len / 0x1_0000_0000), 2);
    head.writeUInt32BE(len >>> 0, 6);
  }
  head[0] = (fin ? 0x80 : 0) | opcode;
  return Buffer.concat([head, payload]);
}

const text = (n: number, c = 'a') => Buffer.from(c.repeat(n));

function reading(): { reader: FrameReader; got: { opcode: number; payload: string }[] } {
  const got: { opcode: number; payload: string }[] = [];
  return { got, reader: new FrameReader((opcode, payload) => got.push({ opcode, payload: payload.toString('latin1') })) };
}

/** A client frame read back as a server would: the length form, then the payload unmasked with its key. */
function unmask(frame: Buffer): { opcode: number; fin: boolean; masked: boolean; payload: Buffer; lengthForm: number } {
  const b1 = frame[1]! & 0x7f;
  const head = b1 < 126 ? 2 : b1 === 126 ? 4 : 10;
  const len = b1 < 126 ? b1 : b1 === 126 ? frame.readUInt16BE(2) : frame.readUInt32BE(2) * 0x1_0000_0000 + frame.readUInt32BE(6);
  const key = frame.subarray(head, head + 4);
  const payload = Buffer.from(frame.subarray(head + 4));
  for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ key[i % 4]!;
  expect(payload.length).toBe(len);
  return { opcode: frame[0]! & 0x0f, fin: (frame[0]! & 0x80) !== 0, masked: (frame[1]! & 0x80) !== 0, payload, lengthForm: b1 < 126 ? 7 : b1 === 126 ? 16 : 64 };
}

describe('the frame reader of the seller-socket generator', () => {
  it('reads payloads of 125 (7-bit length), 126 (16-bit) and 64 KiB + 1 (64-bit) bytes', () => {
    const { reader, got } = reading();
    for (const n of [125, 126, 65_535, 65_537]) reader.push(serverFrame(OP_TEXT, text(n)));
    expect(got.map((g) => [g.opcode, g.payload.length])).toEqual([
      [OP_TEXT, 125],
      [OP_TEXT, 126],
      [OP_TEXT, 65_535],
      [OP_TEXT, 65_537],
    ]);
  });

  it('waits for a frame split across reads, at every byte, the length bytes included', () => {
    for (const n of [5, 126, 300, 70_000]) {
      const frame = serverFrame(OP_TEXT, Buffer.from(Array.from({ length: n }, (_, i) => 0x41 + (i % 26))));
      for (const cut of [1, 2, 3, 5, 9, 11, frame.length - 1].filter((c) => c < frame.length)) {
        const { reader, got } = reading();
        reader.push(frame.subarray(0, cut));
        expect(got).toEqual([]);
        reader.push(frame.subarray(cut));
        expect(got).toHaveLength(1);
        expect(got[0]!.payload).toBe(frame.subarray(frame.length - n).toString('latin1'));
      }
    }
    // byte by byte, two frames
    const { reader, got } = reading();
    const two = Buffer.concat([serverFrame(OP_TEXT, text(200, 'x')), serverFrame(OP_TEXT, text(3, 'y'))]);
    for (let i = 0; i < two.length; i++) reader.push(two.subarray(i, i + 1));
    expect(got.map((g) => g.payload)).toEqual(['x'.repeat(200), 'yyy']);
  });

  it('delivers every frame of one read, and keeps the part of the next for the read after', () => {
    const { reader, got } = reading();
    const frames = [1, 125, 126, 2, 1000].map((n, i) => serverFrame(OP_TEXT, text(n, String(i))));
    const all = Buffer.concat(frames);
    const third = frames[0]!.length + frames[1]!.length + 3;
    reader.push(all.subarray(0, third));
    expect(got.map((g) => g.payload.length)).toEqual([1, 125]);
    reader.push(all.subarray(third));
    expect(got.map((g) => g.payload)).toEqual(['0', '1'.repeat(125), '2'.repeat(126), '33', '4'.repeat(1000)]);
  });

  it('joins a fragmented message across frames and reads, a control frame between its fragments delivered at once', () => {
    const { reader, got } = reading();
    const stream = Buffer.concat([serverFrame(OP_BINARY, text(130, 'a'), false), serverFrame(OP_PING, Buffer.from('hi')), serverFrame(OP_CONTINUATION, text(4, 'b'), false), serverFrame(OP_CONTINUATION, text(2, 'c'))]);
    reader.push(stream.subarray(0, 100));
    reader.push(stream.subarray(100, 141));
    reader.push(stream.subarray(141));
    expect(got).toEqual([
      { opcode: OP_PING, payload: 'hi' },
      { opcode: OP_BINARY, payload: `${'a'.repeat(130)}bbbbcc` },
    ]);
  });

  it('refuses a masked frame, which a server must not send', () => {
    const { reader } = reading();
    expect(() => reader.push(clientFrame(OP_TEXT, 'x', Buffer.from([1, 2, 3, 4])))).toThrow(/masked frame/);
  });
});

describe('the client frames it writes', () => {
  it('are final, masked, in the shortest length form, and unmask to the payload', () => {
    const mask = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
    for (const [n, form] of [
      [0, 7],
      [125, 7],
      [126, 16],
      [65_535, 16],
      [65_536, 64],
    ] as const) {
      const payload = Array.from({ length: n }, (_, i) => String.fromCharCode(0x20 + (i % 90))).join('');
      const f = unmask(clientFrame(OP_TEXT, payload, mask));
      expect(f).toMatchObject({ opcode: OP_TEXT, fin: true, masked: true, lengthForm: form });
      expect(f.payload.toString('latin1')).toBe(payload);
    }
    // a payload of several bytes per character is framed by its bytes, not its characters
    expect(unmask(clientFrame(OP_TEXT, 'é€', mask)).payload.toString('utf8')).toBe('é€');
    // the mask is applied: the bytes on the wire are not the payload's
    expect(clientFrame(OP_TEXT, 'abcdef', mask).subarray(6).toString('latin1')).not.toBe('abcdef');
  });
});
