/**
 * An HTTP/1.1 response read from a buyer's socket, bounded, as the bytes arrive. Only what a
 * ping's answer needs: the status, the body (by content-length, chunked, or to the end of the
 * connection), and whether the connection may carry the next request. Anything that is not
 * HTTP/1.x, a head over MAX_HEAD_BYTES or a body over the reply limit is malformed: the caller
 * destroys the socket and the call is a BAD_REPLY, as a parser error or an oversized reply is on
 * the library path (http-transport.ts).
 */

/** A response head is at most this big: Node's own limit (http.maxHeaderSize), which undici keeps too. */
export const MAX_HEAD_BYTES = 16 * 1024;

/** What one `feed` left the reader in. */
export const enum ReplyState {
  /** more bytes are needed */
  More,
  /** the reply is whole: `status`, `text()`, `keepAlive`, `extra` */
  Done,
  /** not HTTP, or over a bound: the socket cannot be trusted any further */
  Bad,
}

const enum Phase {
  Head,
  Length,
  ChunkSize,
  ChunkData,
  ChunkEnd,
  Trailers,
  ToEnd,
  Done,
}

const CRLF = 0x0a; // lines are split on LF; a CR before it is trimmed
const EMPTY = Buffer.alloc(0);

/** One reply at a time; `reset` before the next request on the same socket. */
export class ReplyReader {
  status = 0;
  /** whether the socket may carry another request after this reply */
  keepAlive = true;
  /** bytes that came after the reply: a buyer that answers what was not asked (the socket is not reused) */
  extra = false;
  /** how long the buyer says it keeps an idle connection (`keep-alive: timeout=N`), ms; -1 when it does not say */
  keepAliveHintMs = -1;
  private phase = Phase.Head;
  /** bytes of an incomplete head, chunk-size line or trailer kept for the next feed */
  private pending: Buffer = EMPTY;
  private readonly body: Buffer[] = [];
  private bodyBytes = 0;
  /** body bytes still expected: of the content-length, or of the current chunk */
  private left = 0;

  constructor(private readonly maxBody: number) {}

  reset(): void {
    this.status = 0;
    this.keepAlive = true;
    this.extra = false;
    this.keepAliveHintMs = -1;
    this.phase = Phase.Head;
    this.pending = EMPTY;
    this.body.length = 0;
    this.bodyBytes = 0;
    this.left = 0;
  }

  /** the body as text (UTF-8), once Done */
  text(): string {
    if (this.body.length === 1) return this.body[0]!.toString('utf8');
    return Buffer.concat(this.body, this.bodyBytes).toString('utf8');
  }

  /** The connection ended: a body read to the end is whole, any other reply in progress is cut off. */
  end(): ReplyState {
    if (this.phase === Phase.ToEnd) {
      this.phase = Phase.Done;
      this.keepAlive = false;
      return ReplyState.Done;
    }
    return this.phase === Phase.Done ? ReplyState.Done : ReplyState.Bad;
  }

  feed(chunk: Buffer): ReplyState {
    let buf = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = EMPTY;
    let at = 0;
    while (at < buf.length) {
      switch (this.phase) {
        case Phase.Head: {
          const end = headEnd(buf, at);
          if (end < 0) {
            if (buf.length - at > MAX_HEAD_BYTES) return ReplyState.Bad;
            this.pending = buf.subarray(at);
            return ReplyState.More;
          }
          if (end - at > MAX_HEAD_BYTES) return ReplyState.Bad;
          const next = this.readHead(buf, at, end);
          if (next === null) return ReplyState.Bad;
          at = end;
          // an interim answer (100 Continue and the like): the real one follows
          if (this.status < 200) {
            this.phase = Phase.Head;
            continue;
          }
          this.phase = next;
          if (next === Phase.Done) break;
          continue;
        }
        case Phase.Length: {
          const take = Math.min(this.left, buf.length - at);
          this.push(buf.subarray(at, at + take));
          at += take;
          this.left -= take;
          if (this.left === 0) this.phase = Phase.Done;
          continue;
        }
        case Phase.ChunkSize: {
          const nl = buf.indexOf(CRLF, at);
          if (nl < 0) {
            // a size line is a few hex digits and perhaps extensions: anything longer is not HTTP
            if (buf.length - at > 1024) return ReplyState.Bad;
            this.pending = buf.subarray(at);
            return ReplyState.More;
          }
          const size = chunkSize(buf.toString('latin1', at, nl));
          if (size < 0 || this.bodyBytes + size > this.maxBody) return ReplyState.Bad;
          at = nl + 1;
          this.left = size;
          this.phase = size === 0 ? Phase.Trailers : Phase.ChunkData;
          continue;
        }
        case Phase.ChunkData: {
          const take = Math.min(this.left, buf.length - at);
          this.push(buf.subarray(at, at + take));
          at += take;
          this.left -= take;
          if (this.left === 0) this.phase = Phase.ChunkEnd;
          continue;
        }
        case Phase.ChunkEnd: {
          // the CRLF after a chunk's data
          if (buf.length - at < 2) {
            if (buf[at] !== 0x0d && buf[at] !== 0x0a) return ReplyState.Bad;
            if (buf[at] === 0x0a) {
              at += 1;
              this.phase = Phase.ChunkSize;
              continue;
            }
            this.pending = buf.subarray(at);
            return ReplyState.More;
          }
          if (buf[at] === 0x0d && buf[at + 1] === 0x0a) at += 2;
          else if (buf[at] === 0x0a) at += 1;
          else return ReplyState.Bad;
          this.phase = Phase.ChunkSize;
          continue;
        }
        case Phase.Trailers: {
          const nl = buf.indexOf(CRLF, at);
          if (nl < 0) {
            if (buf.length - at > MAX_HEAD_BYTES) return ReplyState.Bad;
            this.pending = buf.subarray(at);
            return ReplyState.More;
          }
          const blank = nl === at || (nl === at + 1 && buf[at] === 0x0d);
          at = nl + 1;
          if (blank) this.phase = Phase.Done;
          continue;
        }
        case Phase.ToEnd: {
          const take = buf.length - at;
          if (this.bodyBytes + take > this.maxBody) return ReplyState.Bad;
          this.push(buf.subarray(at));
          at = buf.length;
          continue;
        }
        case Phase.Done:
          break;
      }
      break;
    }
    if (this.phase !== Phase.Done) return ReplyState.More;
    if (at < buf.length) this.extra = true;
    buf = EMPTY;
    return ReplyState.Done;
  }

  private push(part: Buffer): void {
    if (part.length === 0) return;
    this.body.push(part);
    this.bodyBytes += part.length;
  }

  /**
   * The status line and headers, `buf` from `start` to `end` (past the blank line): the phase the
   * body is read in, or null when the head is not HTTP/1.x. Read on the bytes: only the headers
   * that frame the body or the connection are made into strings (a reply is read per buyer per
   * auction). Header names are matched without regard to case.
   */
  private readHead(buf: Buffer, start: number, end: number): Phase | null {
    // "HTTP/1.x NNN" and then a reason after a space, or the end of the line
    if (end - start < 13 || buf.toString('latin1', start, start + 7) !== 'HTTP/1.') return null;
    const minor = buf[start + 7]!;
    if ((minor !== 0x30 && minor !== 0x31) || buf[start + 8] !== 0x20) return null;
    const d0 = buf[start + 9]! - 0x30;
    const d1 = buf[start + 10]! - 0x30;
    const d2 = buf[start + 11]! - 0x30;
    if (d0 < 1 || d0 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return null;
    const after = buf[start + 12];
    if (after !== 0x20 && after !== 0x0d && after !== 0x0a) return null;
    const http10 = minor === 0x30;
    this.status = d0 * 100 + d1 * 10 + d2;
    let length = -1;
    let chunked = false;
    let close = http10;
    let line = buf.indexOf(CRLF, start) + 1;
    while (line < end) {
      let eol = buf.indexOf(CRLF, line);
      if (eol < 0 || eol > end) eol = end;
      const next = eol + 1;
      if (eol > line && buf[eol - 1] === 0x0d) eol--;
      if (eol === line) break; // the blank line
      // a header is a token, a colon, a value: no name, or a byte outside a token before the colon, is not HTTP
      let colon = line;
      while (colon < eol && TOKEN_BYTE[buf[colon]!] === 1) colon++;
      if (colon === line || colon === eol || buf[colon] !== 0x3a) return null;
      const nameLength = colon - line;
      // only the names that matter are read: connection, keep-alive (10), content-length (14), transfer-encoding (17)
      if (nameLength === 10 || nameLength === 14 || nameLength === 17) {
        const name = buf.toString('latin1', line, colon).toLowerCase();
        const value = buf.toString('latin1', colon + 1, eol).trim();
        if (name === 'content-length') {
          if (!/^\d{1,15}$/.test(value)) return null;
          const n = Number(value);
          // two different lengths: which one frames the body is anyone's guess
          if (length >= 0 && length !== n) return null;
          length = n;
        } else if (name === 'transfer-encoding') {
          const codings = value.toLowerCase().split(',');
          // chunked must be the last coding; any other framing cannot be read here
          if (codings[codings.length - 1]!.trim() !== 'chunked') return null;
          chunked = true;
        } else if (name === 'keep-alive') {
          const t = /(?:^|[\s,])timeout=(\d{1,9})/i.exec(value);
          if (t !== null) this.keepAliveHintMs = Number(t[1]) * 1000;
        } else if (name === 'connection') {
          const tokens = value.toLowerCase();
          if (/(^|,)\s*close\s*(,|$)/.test(tokens)) close = true;
          else if (http10 && /(^|,)\s*keep-alive\s*(,|$)/.test(tokens)) close = false;
        }
      }
      line = next;
    }
    this.keepAlive = !close;
    if (this.status < 200) return Phase.Head;
    if (chunked && length >= 0) return null;
    if (this.status === 204 || this.status === 304) return Phase.Done;
    if (chunked) return Phase.ChunkSize;
    if (length >= 0) {
      if (length > this.maxBody) return null;
      this.left = length;
      return length === 0 ? Phase.Done : Phase.Length;
    }
    // no framing: the body runs to the end of the connection, which cannot be reused
    this.keepAlive = false;
    return Phase.ToEnd;
  }
}

/** RFC 9110's token characters, by byte: what a header name may be made of. */
const TOKEN_BYTE = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TOKEN_BYTE[c.charCodeAt(0)] = 1;

function trimCr(line: string): string {
  return line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
}

/** Where the head that starts at `from` ends, past its blank line (CRLF CRLF, or bare LFs), or -1. */
function headEnd(buf: Buffer, from: number): number {
  let i = buf.indexOf(CRLF, from);
  while (i >= 0) {
    const next = buf[i + 1];
    if (next === 0x0a) return i + 2;
    if (next === 0x0d && buf[i + 2] === 0x0a) return i + 3;
    if (next === undefined || (next === 0x0d && i + 2 >= buf.length)) return -1;
    i = buf.indexOf(CRLF, i + 1);
  }
  return -1;
}

/** A chunk-size line's size (extensions after `;` ignored), or -1 when it is not hex. */
function chunkSize(line: string): number {
  let s = trimCr(line);
  const semi = s.indexOf(';');
  if (semi >= 0) s = s.slice(0, semi);
  s = s.trim();
  if (!/^[0-9a-fA-F]{1,8}$/.test(s)) return -1;
  return parseInt(s, 16);
}
