import { GavelError } from './codes.js';

/**
 * How a store call failed: the store refused or was unreachable ('error'), or the caller's
 * time ran out first ('timeout': a slow store, or a process too busy to read its answer).
 */
export type StoreFailure = 'error' | 'timeout';

/**
 * A store call bounded by the time the caller has left: past it, or on any store failure,
 * the caller gets STORE_UNAVAILABLE and the auction answers in time instead of hanging.
 * A write that lands after we gave up would otherwise stand until it expires (a cap hold for
 * a minute): `undo` takes back what it did as soon as it lands.
 */
export function within<T>(call: Promise<T>, ms: number, onFail: (kind: StoreFailure) => void, undo?: (late: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let gaveUp = false;
    const fail = (kind: StoreFailure) => {
      gaveUp = true;
      onFail(kind);
      reject(new GavelError('STORE_UNAVAILABLE'));
    };
    if (undo !== undefined) call.then((v) => gaveUp && undo(v), () => undefined);
    if (ms <= 0) {
      call.catch(() => undefined);
      fail('timeout');
      return;
    }
    const timer = setTimeout(fail, ms, 'timeout');
    call.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      () => {
        clearTimeout(timer);
        fail('error');
      },
    );
  });
}
