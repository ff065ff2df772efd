import type { Dispatcher } from 'undici';

export interface CallReply {
  status: number;
  text: string;
}

/**
 * One request to a buyer through undici (pings to an https buyer, and the comparison with the
 * lean path) that gives up at `signal`. A request still queued is dropped before it is written,
 * at the cost of the socket it was about to take (see onRequestStart); one already written
 * is left to finish on its socket and its reply thrown away. Aborting a written request makes
 * undici destroy the socket, so a buyer that answers a little late would cost a new TCP
 * connection per auction (measured: CPU per answer doubled); the pool's headersTimeout still
 * frees a socket whose buyer never answers. Resolves null when it gave up, rejects on a
 * connection error.
 */
export function lateTolerantCall(pool: Dispatcher, opts: Dispatcher.DispatchOptions, signal: AbortSignal): Promise<CallReply | null> {
  return new Promise((resolve, reject) => {
    let gaveUp = signal.aborted;
    let status = 0;
    const chunks: Buffer[] = [];
    const giveUp = () => {
      gaveUp = true;
      resolve(null);
    };
    if (gaveUp) return resolve(null);
    signal.addEventListener('abort', giveUp, { once: true });
    const done = () => signal.removeEventListener('abort', giveUp);
    pool.dispatch(opts, {
      onRequestStart(controller) {
        // still not written, but undici has handed it a socket, which this abort destroys: the
        // lean path (lean-http-pool.ts) drops a queued ping without touching a socket
        if (gaveUp) return controller.abort(new Error('deadline passed before the request left'));
      },
      onResponseStart(_controller, statusCode) {
        status = statusCode;
      },
      onResponseData(_controller, chunk) {
        if (!gaveUp) chunks.push(chunk);
      },
      onResponseEnd() {
        done();
        if (!gaveUp) resolve({ status, text: Buffer.concat(chunks).toString('utf8') });
      },
      onResponseError(_controller, error) {
        done();
        if (!gaveUp) reject(error);
      },
    });
  });
}
