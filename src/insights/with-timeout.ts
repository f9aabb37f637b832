/** Bounds how long an observability endpoint waits for the store, so a hung store cannot hang a probe or a scrape. */
import { ConveyorStoreUnavailableError } from '../errors.js';

/**
 * Thrown when a store call outlives its bound; `message` names the call and the bound. A store that
 * does not answer is unavailable, so the API's error mapping answers it with 503 like an outage.
 */
export class StoreTimeoutError extends ConveyorStoreUnavailableError {
  override name = 'StoreTimeoutError';
  constructor(what: string, timeoutMs: number) {
    super(`${what} had no answer from the store within ${timeoutMs} ms`);
  }
}

/**
 * Settle like `call()`, or reject with `StoreTimeoutError` after `timeoutMs`. The call itself is not
 * cancelled (stores take no signal); its late result is dropped.
 */
export async function withTimeout<T>(what: string, timeoutMs: number, call: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreTimeoutError(what, timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([call(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The message of anything thrown, for a check's `detail`. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
