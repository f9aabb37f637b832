/** Bounds how long an observability endpoint waits for the store, so a hung store cannot hang a probe or a scrape. */

/** Thrown when a store call outlives its bound; `message` names the call and the bound. */
export class StoreTimeoutError extends Error {
  constructor(what: string, timeoutMs: number) {
    super(`${what} had no answer from the store within ${timeoutMs} ms`);
    this.name = 'StoreTimeoutError';
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
