import type { Dispatcher } from 'undici';

/** How one post to an HTTP buyer ended, told by what happened to the request rather than by clocks. */
export type PostCallResult =
  /** the buyer answered: a status, and the body when it could be read whole */
  | { kind: 'answer'; status: number; text: string }
  /** the request was never written on a connection: the lead did not leave Gavel */
  | { kind: 'unsent'; reason: 'TIMEOUT' | 'CONNECT_ERROR' }
  /** the request was (or began to be) written, and no answer could be read: the buyer may hold the lead */
  | { kind: 'unconfirmed'; reason: 'TIMEOUT' | 'CONNECTION_LOST' | 'BAD_REPLY' };

/**
 * One post, through undici's handler callbacks, because only they tell whether the request was
 * handed to a connected socket (`onConnect` comes right before undici writes it): a post that
 * timed out or failed before that never left, one after it may be the buyer's. A post still
 * waiting for a connection when its time runs out is dropped unwritten. A 2xx whose body is cut
 * off is unconfirmed (the buyer said yes to something); a non-2xx is the buyer's refusal, read or not.
 */
export function postCall(pool: Dispatcher, opts: Dispatcher.DispatchOptions, budgetMs: number): Promise<PostCallResult> {
  return new Promise((resolve) => {
    let settled = false;
    let abort: ((err?: Error) => void) | null = null;
    let status = 0;
    const chunks: Buffer[] = [];
    const end = (result: PostCallResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const timer = setTimeout(() => {
      if (abort === null) return end({ kind: 'unsent', reason: 'TIMEOUT' });
      end({ kind: 'unconfirmed', reason: 'TIMEOUT' });
      abort(new Error('post deadline passed'));
    }, Math.max(1, budgetMs));
    pool.dispatch(opts, {
      onConnect(a: (err?: Error) => void) {
        // its time ran out while it waited for a connection: dropped before a byte is written
        if (settled) return a(new Error('post deadline passed before it was written'));
        abort = a;
      },
      onHeaders(statusCode: number) {
        status = statusCode;
        return true;
      },
      onData(chunk: Buffer) {
        chunks.push(chunk);
        return true;
      },
      onComplete() {
        end({ kind: 'answer', status, text: Buffer.concat(chunks).toString('utf8') });
      },
      onError() {
        if (abort === null) return end({ kind: 'unsent', reason: 'CONNECT_ERROR' });
        if (status !== 0 && (status < 200 || status >= 300)) return end({ kind: 'answer', status, text: '' });
        end({ kind: 'unconfirmed', reason: status === 0 ? 'CONNECTION_LOST' : 'BAD_REPLY' });
      },
    } as Dispatcher.DispatchHandler);
  });
}
