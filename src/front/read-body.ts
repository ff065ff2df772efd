import type { HttpResponse } from 'uWebSockets.js';

/**
 * Collect a request body up to `limit` bytes. uWS reuses each chunk's memory after the
 * callback returns, so every chunk is copied. `done(null)` means the body passed the limit;
 * later chunks are then ignored.
 */
export function readBody(res: HttpResponse, limit: number, done: (body: Buffer | null) => void): void {
  let chunks: Buffer[] | null = null;
  let size = 0;
  let over = false;
  res.onData((chunk, isLast) => {
    if (over) return;
    size += chunk.byteLength;
    if (size > limit) {
      over = true;
      done(null);
      return;
    }
    const copy = Buffer.from(chunk.slice(0));
    if (isLast) {
      done(chunks === null ? copy : Buffer.concat([...chunks, copy], size));
      return;
    }
    (chunks ??= []).push(copy);
  });
}
