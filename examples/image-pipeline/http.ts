/** The few HTTP calls run.ts and the test make, with errors that say what was asked and what came back. */

export interface JsonResponse<T> {
  status: number;
  body: T;
}

export async function requestJson<T = unknown>(method: 'GET' | 'POST', url: string, options: { body?: unknown; token?: string } = {}): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(url, { method, headers, body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body) });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) as T };
  } catch {
    throw new Error(`${method} ${url} answered ${response.status} with a body that is not JSON: ${text.slice(0, 300)}`);
  }
}

/** Call `probe` until it returns something other than undefined; fail after `timeoutMs`, saying what was awaited. */
export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last === undefined ? '' : `; last error: ${(last as Error).message}`}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
