import { isUtf8 } from 'node:buffer';
import { Unpackr, unpack } from 'msgpackr';
import { GavelError } from '../core/codes.js';

export type BodyFormat = 'json' | 'msgpack';

/**
 * Decode what a party sent (an HTTP body, a socket frame) as JSON or msgpack, or throw
 * MALFORMED_BODY. Strings must be UTF-8: both parsers would otherwise turn bad bytes into
 * U+FFFD and pass them on. A key `__proto__` stays an own field (JSON.parse keeps it;
 * msgpackr would rename it), so the schemas see and refuse it like any unknown field.
 */
export function decodeBody(buf: Buffer, format: BodyFormat, what = 'body'): unknown {
  if (format === 'json') {
    if (!isUtf8(buf)) throw new GavelError('MALFORMED_BODY', `The ${what} is not valid JSON: it is not UTF-8`);
    try {
      return JSON.parse(buf.toString('utf8'));
    } catch (e) {
      throw new GavelError('MALFORMED_BODY', `The ${what} is not valid JSON: ${(e as Error).message}`);
    }
  }
  let protoKey: boolean;
  try {
    protoKey = scanMsgpack(buf);
    return protoKey ? ownMaps(mapUnpackr.unpack(buf)) : unpack(buf);
  } catch (e) {
    throw new GavelError('MALFORMED_BODY', `The ${what} is not valid msgpack: ${(e as Error).message}`);
  }
}

const mapUnpackr = new Unpackr({ mapsAsObjects: false, useRecords: false });

/** The rare body with a `__proto__` key, decoded with maps as Maps and made objects with that key as an own field. */
function ownMaps(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(ownMaps);
  if (!(v instanceof Map)) return v;
  const o: Record<string, unknown> = {};
  for (const [k, val] of v) {
    if (typeof k === 'object' && k !== null) throw new Error('a map key is not a string or a number');
    Object.defineProperty(o, String(k), { value: ownMaps(val), enumerable: true, writable: true, configurable: true });
  }
  return o;
}

// "__proto__" as bytes
const PROTO = [0x5f, 0x5f, 0x70, 0x72, 0x6f, 0x74, 0x6f, 0x5f, 0x5f];

/**
 * Walk one msgpack value over the whole buffer without building it: every str must be UTF-8,
 * no extension types (a lead is strings, numbers, booleans and nil; msgpackr's extensions
 * build Sets, Errors, RegExps), nothing after the value. Returns whether some str is
 * `__proto__`. No recursion: containers add their items to the count still to read.
 */
function scanMsgpack(b: Buffer): boolean {
  const end = b.length;
  let pos = 0;
  let pending = 1;
  let proto = false;
  while (pending > 0) {
    pending--;
    if (pos >= end) throw new Error('Unexpected end of MessagePack data');
    const t = b[pos++]!;
    let str = -1;
    let skip = 0;
    if (t < 0x80 || t >= 0xe0) continue;
    else if (t < 0x90) pending += 2 * (t & 0x0f);
    else if (t < 0xa0) pending += t & 0x0f;
    else if (t < 0xc0) str = t & 0x1f;
    else {
      switch (t) {
        case 0xc0: case 0xc2: case 0xc3: continue;
        case 0xc4: skip = need(b, pos, 1) && b[pos]!; pos += 1; break;
        case 0xc5: skip = need(b, pos, 2) && b.readUInt16BE(pos); pos += 2; break;
        case 0xc6: skip = need(b, pos, 4) && b.readUInt32BE(pos); pos += 4; break;
        case 0xca: skip = 4; break;
        case 0xcb: skip = 8; break;
        case 0xcc: case 0xd0: skip = 1; break;
        case 0xcd: case 0xd1: skip = 2; break;
        case 0xce: case 0xd2: skip = 4; break;
        case 0xcf: case 0xd3: skip = 8; break;
        case 0xd9: str = need(b, pos, 1) && b[pos]!; pos += 1; break;
        case 0xda: str = need(b, pos, 2) && b.readUInt16BE(pos); pos += 2; break;
        case 0xdb: str = need(b, pos, 4) && b.readUInt32BE(pos); pos += 4; break;
        case 0xdc: pending += need(b, pos, 2) && b.readUInt16BE(pos); pos += 2; break;
        case 0xdd: pending += need(b, pos, 4) && b.readUInt32BE(pos); pos += 4; break;
        case 0xde: pending += 2 * (need(b, pos, 2) && b.readUInt16BE(pos)); pos += 2; break;
        case 0xdf: pending += 2 * (need(b, pos, 4) && b.readUInt32BE(pos)); pos += 4; break;
        case 0xc1: throw new Error('0xc1 is never used');
        default: throw new Error(`extension types are not accepted (0x${t.toString(16)})`);
      }
    }
    if (str >= 0) {
      need(b, pos, str);
      const stop = pos + str;
      for (let i = pos; i < stop; i++) {
        if (b[i]! >= 0x80) {
          if (!isUtf8(b.subarray(i, stop))) throw new Error('a string is not UTF-8');
          break;
        }
      }
      if (str === 9 && !proto) proto = PROTO.every((c, i) => b[pos + i] === c);
      pos = stop;
    } else {
      need(b, pos, skip);
      pos += skip;
    }
    // a container's count larger than the bytes left cannot be met: stop before walking it
    if (pending > end - pos) throw new Error('Unexpected end of MessagePack data');
  }
  if (pos !== end) throw new Error(`${end - pos} bytes after the value`);
  return proto;
}

/** 1 when `n` bytes remain at `pos` (so it can stand in an && chain), or throws. */
function need(b: Buffer, pos: number, n: number): 1 {
  if (pos + n > b.length) throw new Error('Unexpected end of MessagePack data');
  return 1;
}
