import { createReadStream } from 'node:fs';

/** One line of a file: its text (no line break, no `\r`), or `tooLong` when it passed the limit. */
export type Line = { text: string; tooLong?: undefined } | { text?: undefined; tooLong: true };

const NL = 0x0a;

/**
 * The lines of a file, read as a stream: at most `maxBytes` of one line is ever held, so a file
 * of any size, or one long line, costs a bounded amount of memory. A line over the limit is
 * yielded as `tooLong` (its text dropped) and reading goes on at the next one. A UTF-8 byte order
 * mark at the start is dropped; invalid UTF-8 reads as U+FFFD (the row's own check then speaks).
 */
export async function* fileLines(path: string, maxBytes: number): AsyncGenerator<Line> {
  let parts: Buffer[] = [];
  let size = 0;
  let over = false;
  let first = true;
  const line = (): Line => {
    const whole = parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
    parts = [];
    size = 0;
    let text = whole.toString('utf8');
    if (first) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    return { text: text.endsWith('\r') ? text.slice(0, -1) : text };
  };
  for await (const chunk of createReadStream(path, { highWaterMark: 64 * 1024 }) as AsyncIterable<Buffer>) {
    let at = 0;
    while (at < chunk.length) {
      const nl = chunk.indexOf(NL, at);
      const end = nl === -1 ? chunk.length : nl;
      if (!over) {
        if (size + (end - at) > maxBytes) {
          over = true;
          parts = [];
          size = 0;
        } else if (end > at) {
          // a copy: the stream may reuse its chunk's memory
          parts.push(Buffer.from(chunk.subarray(at, end)));
          size += end - at;
        }
      }
      if (nl === -1) break;
      if (over) {
        first = false;
        over = false;
        yield { tooLong: true };
      } else {
        yield line();
      }
      at = nl + 1;
    }
  }
  if (over) yield { tooLong: true };
  else if (size > 0) yield line();
}
