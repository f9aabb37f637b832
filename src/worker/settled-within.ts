/** Waiting on something that may never finish (a store call during an outage), with a bound. */

/**
 * True when `promise` settles (resolves or rejects) within `ms`, false when the time ran out first.
 * The promise is not cancelled: it runs on, and a later rejection is swallowed here, so the caller
 * handles errors by chaining its own `catch` before passing it in.
 */
export function settledWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    const settle = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    promise.then(settle, settle);
  });
}
