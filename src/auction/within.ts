import { GavelError } from '../codes.js';

/**
 * A store call bounded by the time the caller has left: past it, or on any store failure,
 * the caller gets STORE_UNAVAILABLE and the auction answers in time instead of hanging.
 * A write that lands after we gave up is harmless: holds and claims expire by themselves.
 */
export function within<T>(call: Promise<T>, ms: number, onFail: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const fail = () => {
      onFail();
      reject(new GavelError('STORE_UNAVAILABLE'));
    };
    if (ms <= 0) {
      call.catch(() => undefined);
      fail();
      return;
    }
    const timer = setTimeout(fail, ms);
    call.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      () => {
        clearTimeout(timer);
        fail();
      },
    );
  });
}
