/**
 * Thousands of malformed requests against the enqueue and list routes: none may get a 5xx, the
 * server must keep answering, and nothing may be enqueued. Seeded, so a failure reproduces: the
 * seed and the request are in the assertion message (set CONVEYOR_FUZZ_SEED to replay another).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BODY_LIMIT_BYTES } from './app.js';
import { errorJson, startTestServer, TOKEN, type TestServer } from './test-server.js';

const SEED = Number(process.env.CONVEYOR_FUZZ_SEED ?? 0x5eed);
const REQUESTS = 2400;
const CONCURRENCY = 16;

/** mulberry32: a tiny PRNG that is the same on every machine. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface FuzzRequest {
  method: 'GET' | 'POST';
  path: string;
  body?: string | Uint8Array;
  contentType?: string;
}

/** Values each enqueue option refuses, by its type or by the domain's range checks. */
const WRONG_OPTION_VALUES: Record<string, unknown[]> = {
  delayMs: [-1, 1.5, 'soon', 2 ** 60, null, [], {}, 8.64e15],
  runAt: ['soon', '2024-02-30', '2024-13-01T00:00:00Z', '+275760-09-13T00:00:01Z', 0, null, '', {}],
  priority: [1.5, 2 ** 31, -(2 ** 31) - 1, 2 ** 60, '1', null, []],
  dedupKey: ['', 'x'.repeat(513), 'a\u0000b', '\ud800', 7, null, {}],
  maxAttempts: [0, -1, 1.5, 2 ** 40, '3', null, true],
};

function generator(random: () => number) {
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => int(256));
  const text = (n: number) => String.fromCharCode(...Array.from({ length: n }, () => int(0x3000)));
  const nested = (depth: number, open: string, close: string) => `${open.repeat(depth)}${close.repeat(depth)}`;
  const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

  /** Any JSON value but a valid email input (so nothing can be enqueued by luck). */
  const value = (depth = 0): unknown => {
    switch (int(depth > 3 ? 7 : 10)) {
      case 0: return null;
      case 1: return random() < 0.5;
      case 2: return pick([0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, Number.MAX_SAFE_INTEGER]);
      case 3: return text(int(40));
      case 4: return pick(['', 'email.send', 'reports.export', '__proto__', 'constructor', '\u0000', '\ud800', 'a'.repeat(300)]);
      case 5: return 'x'.repeat(int(2) === 0 ? 200_000 : 2_000_000);
      case 6: return pick(['2024-13-45', 'not-a-date', 'Infinity', 'NaN']);
      case 7: return Array.from({ length: int(4) }, () => value(depth + 1));
      case 8: return Object.fromEntries(Array.from({ length: int(4) }, () => [pick(['to', 'subject', 'range', 'start', 'end', '__proto__', text(5)]), value(depth + 1)]));
      default: return { to: pick(['nope', 42, null, '@', 'a@']), subject: value(depth + 1) };
    }
  };
  const enqueueBody = (): unknown => {
    switch (int(6)) {
      case 0: return value();
      case 1: return { task: value(), input: value() };
      case 2: return { task: pick(['email.send', 'reports.export']), input: value() };
      // Options that are not an object, or carry a key no option has: never valid.
      case 3: return { task: 'email.send', input: { to: 'ok@example.com', subject: 'x' }, options: int(2) === 0 ? pick([null, 1, 'x', [], true]) : { [`${text(4)}!`]: value() } };
      case 4: {
        const [option, wrong] = pick(Object.entries(WRONG_OPTION_VALUES));
        return { task: 'email.send', input: { to: 'ok@example.com', subject: 'x' }, options: { [option]: pick(wrong) } };
      }
      default: return { task: text(8), input: { to: 'ok@example.com', subject: 'x' } };
    }
  };
  const rawBody = (): Pick<FuzzRequest, 'body' | 'contentType'> => {
    switch (int(9)) {
      case 0: return { body: bytes(int(512)), contentType: 'application/json' };
      case 1: return { body: text(int(200)), contentType: 'application/json' };
      case 2: return { body: nested(pick([10_000, 100_000]), '[', ']'), contentType: 'application/json' };
      case 3: return { body: deepObject(10_000), contentType: 'application/json' };
      case 4: return { body: `{"task":"email.send","input":{"to":${nested(10_000, '[', ']')},"subject":"x"}}`, contentType: 'application/json' };
      case 5: return { body: JSON.stringify(enqueueBody()).slice(0, int(60)), contentType: 'application/json' };
      case 6: return { body: JSON.stringify(enqueueBody()), contentType: pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'application/jsonx']) };
      case 7: return { body: '', contentType: pick(['application/json', '']) };
      default: return { body: JSON.stringify(enqueueBody()), contentType: 'application/json' };
    }
  };
  const queryValue = () => pick([text(int(20)), '%', '%ZZ', '%00', '%ff%fe', 'queued,,failed', 'QUEUED', '-5', '0x10', '1e3', '9'.repeat(30), ' ', 'a'.repeat(5000), encodeURIComponent(text(10))]);
  const badId = () => pick(['0', '-1', '00', '1.0', 'abc', '%00', '%2F', '%ZZ', '9'.repeat(40), encodeURIComponent(text(int(30))), 'x'.repeat(3000)]);

  return (): FuzzRequest => {
    const kind = int(10);
    if (kind < 4) return { method: 'POST', path: '/jobs', ...rawBody() };
    if (kind < 6) {
      const body = int(2) === 0 ? JSON.stringify(Array.from({ length: int(5) + 1 }, enqueueBody)) : rawBody().body;
      return { method: 'POST', path: '/jobs/bulk', body, contentType: 'application/json' };
    }
    if (kind < 9) {
      const params = Array.from({ length: int(4) + 1 }, () => `${pick(['state', 'task', 'queue', 'cursor', 'limit', 'state[]', '', '&', '=', text(3)])}=${queryValue()}`);
      return { method: 'GET', path: `/jobs?${params.join(pick(['&', '&&', ';']))}` };
    }
    return { method: pick(['GET', 'POST']), path: `/jobs/${badId()}${pick(['', '', '/cancel', '/retry'])}` };
  };
}

function bodyLength(body: FuzzRequest['body']): number {
  if (body === undefined) return 0;
  return typeof body === 'string' ? Buffer.byteLength(body) : body.length;
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

describe('fuzz: malformed requests', () => {
  it(`${REQUESTS} malformed requests get no 5xx and enqueue nothing (seed ${SEED})`, { timeout: 60_000 }, async () => {
    const next = generator(prng(SEED));
    const requests = Array.from({ length: REQUESTS }, next);
    const statuses = new Map<number, number>();
    let index = 0;
    const runOne = async (request: FuzzRequest, at: number): Promise<void> => {
      const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` };
      if (request.contentType !== undefined && request.contentType !== '') headers['content-type'] = request.contentType;
      const where = `seed ${SEED}, request #${at}: ${request.method} ${request.path.slice(0, 200)} body ${String(request.body).slice(0, 200)}`;
      let response: Response;
      try {
        response = await fetch(`${server.url}${request.path}`, { method: request.method, headers, body: request.body });
      } catch (error) {
        // Over the limit by Content-Length, the server answers 413 at once and drops the rest of the
        // upload; fetch, still writing, reports the closed socket instead of the response.
        expect(bodyLength(request.body), `${where}: ${String(error)} ${String((error as Error).cause)}`).toBeGreaterThan(DEFAULT_BODY_LIMIT_BYTES);
        statuses.set(413, (statuses.get(413) ?? 0) + 1);
        return;
      }
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      expect(response.status, where).toBeLessThan(500);
      if (response.status >= 400) await errorJson(response);
      else await response.arrayBuffer();
      // A page or a job read is fine; a created job is not.
      expect(response.status, where).not.toBe(201);
    };
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (index < requests.length) {
          const at = index++;
          await runOne(requests[at] as FuzzRequest, at);
        }
      }),
    );
    expect(await server.jobCount()).toBe(0);
    const alive = await server.request('GET', '/jobs');
    expect(alive.status).toBe(200);
    // Every kind of refusal was exercised, not just one.
    expect([...statuses.keys()].sort()).toEqual(expect.arrayContaining([200, 400, 404, 413, 415]));
  });
});
