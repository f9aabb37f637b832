/** Per-token enqueue rate limiting over real HTTP, the token bucket on its own, and its setting. */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ConveyorConfigError } from '../errors.js';
import { DEFAULT_ENQUEUE_RATE_LIMIT, parseAuthFailureLimit, parseEnqueueRateLimit, type RateLimit } from './config.js';
import { TokenBucketLimiter } from './token-bucket.js';
import { SESSION_COOKIE } from './auth.js';
import { SessionAuthority } from './sessions.js';
import { errorJson, OTHER_TOKEN, startTestServer, TOKEN, type TestServer } from './test-server.js';

const email = (n: number): { task: string; input: { to: string; subject: string } } => ({ task: 'email.send', input: { to: `user${n}@example.com`, subject: `hello ${n}` } });

let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(enqueueRateLimit: RateLimit | null | undefined): Promise<TestServer> {
  server = await startTestServer({ enqueueRateLimit });
  return server;
}

describe('enqueue rate limit over HTTP', () => {
  // A long interval: nothing refills while the test runs, so counts are exact.
  const MINUTE: RateLimit = { limit: 3, intervalMs: 60_000 };

  it('refuses the enqueue after the limit with 429, Retry-After and the error shape, storing nothing', async () => {
    const api = await serve(MINUTE);
    for (let n = 1; n <= 3; n++) expect((await api.request('POST', '/jobs', { body: email(n) })).status).toBe(201);
    const refused = await api.request('POST', '/jobs', { body: email(4) });
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
    expect((await errorJson(refused)).error.code).toBe('rate_limited');
    expect(await api.jobCount()).toBe(3);
    // Single and bulk enqueues share the budget.
    expect((await api.request('POST', '/jobs/bulk', { body: [email(5)] })).status).toBe(429);
    expect(await api.jobCount()).toBe(3);
  });

  it('keeps a budget per token: another token is not affected', async () => {
    const api = await serve(MINUTE);
    expect((await api.request('POST', '/jobs/bulk', { body: [email(1), email(2), email(3)] })).status).toBe(201);
    expect((await api.request('POST', '/jobs', { body: email(4) })).status).toBe(429);
    expect((await api.request('POST', '/jobs', { body: email(4), token: OTHER_TOKEN })).status).toBe(201);
    expect(await api.jobCount()).toBe(4);
  });

  it('draws on the same budget whether the token comes as a bearer token or as the dashboard session cookie', async () => {
    const api = await serve(MINUTE);
    expect((await api.request('POST', '/jobs/bulk', { body: [email(1), email(2)] })).status).toBe(201);
    // A session opened with TOKEN, as the dashboard's login form opens one (this server has no form).
    const session = await new SessionAuthority(api.conveyor.loginSessions, [TOKEN, OTHER_TOKEN]).open(TOKEN, new Date());
    const cookie = { cookie: `${SESSION_COOKIE}=${session}`, 'sec-fetch-site': 'same-origin' };
    expect((await api.request('POST', '/jobs', { body: email(3), token: null, headers: cookie })).status).toBe(201);
    const refused = await api.request('POST', '/jobs', { body: email(4), token: null, headers: cookie });
    expect(refused.status).toBe(429);
    expect(await api.jobCount()).toBe(3);
  });

  it('counts a bulk request by its items and refuses a bulk larger than what remains, whole', async () => {
    const api = await serve(MINUTE);
    expect((await api.request('POST', '/jobs', { body: email(1) })).status).toBe(201);
    const refused = await api.request('POST', '/jobs/bulk', { body: [email(2), email(3), email(4)] });
    expect(refused.status).toBe(429);
    expect((await errorJson(refused)).error.code).toBe('rate_limited');
    expect(await api.jobCount()).toBe(1);
    expect((await api.request('POST', '/jobs/bulk', { body: [email(2), email(3)] })).status).toBe(201);
    expect(await api.jobCount()).toBe(3);
  });

  it('says so when one bulk request is larger than the whole limit', async () => {
    const api = await serve(MINUTE);
    const refused = await api.request('POST', '/jobs/bulk', { body: [email(1), email(2), email(3), email(4)] });
    expect(refused.status).toBe(429);
    expect((await errorJson(refused)).error.message).toMatch(/send at most 3 per request/);
    expect(await api.jobCount()).toBe(0);
  });

  it('does not count requests refused for their content', async () => {
    const api = await serve(MINUTE);
    for (let n = 0; n < 5; n++) {
      expect((await api.request('POST', '/jobs', { body: { task: 'no.such.task', input: {} } })).status).toBe(400);
      expect((await api.request('POST', '/jobs/bulk', { body: [email(n), { task: 'email.send', input: { to: 'not an email' } }] })).status).toBe(400);
      expect((await api.request('POST', '/jobs/bulk', { rawBody: '[{', headers: { 'content-type': 'application/json' } })).status).toBe(400);
    }
    expect((await api.request('POST', '/jobs/bulk', { body: [email(1), email(2), email(3)] })).status).toBe(201);
  });

  it('allows enqueues again once the interval has passed', async () => {
    const interval: RateLimit = { limit: 3, intervalMs: 200 };
    const api = await serve(interval);
    // A bulk of the whole limit empties the bucket; only a whole interval refills enough for another.
    expect((await api.request('POST', '/jobs/bulk', { body: [email(1), email(2), email(3)] })).status).toBe(201);
    expect((await api.request('POST', '/jobs/bulk', { body: [email(4), email(5), email(6)] })).status).toBe(429);
    await sleep(interval.intervalMs + 20);
    expect((await api.request('POST', '/jobs/bulk', { body: [email(4), email(5), email(6)] })).status).toBe(201);
    expect(await api.jobCount()).toBe(6);
  });

  it('limits nothing with null', async () => {
    const api = await serve(null);
    const bulk = Array.from({ length: 1000 }, (_, n) => email(n));
    expect((await api.request('POST', '/jobs/bulk', { body: bulk })).status).toBe(201);
    expect((await api.request('POST', '/jobs/bulk', { body: bulk.map((_, n) => email(n + 1000)) })).status).toBe(201);
  });

  it('allows 1000 jobs per second per token by default', async () => {
    const api = await serve(undefined);
    expect((await api.request('POST', '/jobs/bulk', { body: Array.from({ length: 1000 }, (_, n) => email(n)) })).status).toBe(201);
    // Refilling 1000 a second, the bucket holds far fewer than 500 this soon after.
    expect((await api.request('POST', '/jobs/bulk', { body: Array.from({ length: 500 }, (_, n) => email(n + 1000)) })).status).toBe(429);
  });
});

describe('TokenBucketLimiter', () => {
  it('refills at limit per interval and tells how long until a refused cost fits', () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ limit: 10, intervalMs: 1000 }, () => now);
    expect(limiter.take('a', 10)).toEqual({ allowed: true });
    expect(limiter.take('a', 1)).toEqual({ allowed: false, retryAfterMs: 100, neverFits: false });
    expect(limiter.take('b', 10)).toEqual({ allowed: true });
    now = 500;
    expect(limiter.take('a', 6)).toEqual({ allowed: false, retryAfterMs: 100, neverFits: false });
    expect(limiter.take('a', 5)).toEqual({ allowed: true });
    limiter.refund('a', 5);
    now = 10_000;
    expect(limiter.take('a', 11)).toEqual({ allowed: false, retryAfterMs: 0, neverFits: true });
    expect(limiter.take('a', 10)).toEqual({ allowed: true });
  });

  it('refuses a limit that is not a whole number of at least 1 per positive interval', () => {
    expect(() => new TokenBucketLimiter({ limit: 0, intervalMs: 1000 })).toThrow(RangeError);
    expect(() => new TokenBucketLimiter({ limit: 1.5, intervalMs: 1000 })).toThrow(RangeError);
    expect(() => new TokenBucketLimiter({ limit: 1, intervalMs: 0 })).toThrow(RangeError);
  });
});

describe('parseEnqueueRateLimit (CONVEYOR_API_RATE_LIMIT)', () => {
  it('reads <jobs>/<interval> with ms, s, m or h, "off", and the default when unset', () => {
    expect(parseEnqueueRateLimit('1000/1s')).toEqual({ limit: 1000, intervalMs: 1000 });
    expect(parseEnqueueRateLimit(' 50 / 200ms ')).toEqual({ limit: 50, intervalMs: 200 });
    expect(parseEnqueueRateLimit('6000/m')).toEqual({ limit: 6000, intervalMs: 60_000 });
    expect(parseEnqueueRateLimit('10/2H')).toEqual({ limit: 10, intervalMs: 7_200_000 });
    expect(parseEnqueueRateLimit('off')).toBeNull();
    expect(parseEnqueueRateLimit(undefined)).toEqual(DEFAULT_ENQUEUE_RATE_LIMIT);
    expect(parseEnqueueRateLimit('  ')).toEqual(DEFAULT_ENQUEUE_RATE_LIMIT);
  });

  it('names the setting and shows a right value for anything else', () => {
    for (const [value, problem] of [
      ['1000', 'is not <jobs>/<interval>'],
      ['1000/1', 'is not <jobs>/<interval>'],
      ['1000 per second', 'is not <jobs>/<interval>'],
      ['-5/1s', 'is not <jobs>/<interval>'],
      ['0/1s', 'allows 0 jobs'],
      ['5/0s', 'interval of 0 ms'],
    ] as const) {
      const error = (() => {
        try {
          parseEnqueueRateLimit(value);
        } catch (caught) {
          return caught;
        }
        throw new Error(`${value} was accepted`);
      })();
      expect(error).toBeInstanceOf(ConveyorConfigError);
      expect((error as Error).message).toContain(`CONVEYOR_API_RATE_LIMIT: `);
      expect((error as Error).message).toContain(problem);
      expect((error as Error).message).toContain('1000/1s');
    }
  });
});

describe('parseAuthFailureLimit (CONVEYOR_AUTH_FAILURE_LIMIT)', () => {
  it('reads <failures>/<interval> like the enqueue limit, 10 a minute by default', () => {
    expect(parseAuthFailureLimit('20/1m')).toEqual({ limit: 20, intervalMs: 60_000 });
    expect(parseAuthFailureLimit('off')).toBeNull();
    expect(parseAuthFailureLimit(undefined)).toEqual({ limit: 10, intervalMs: 60_000 });
    expect(() => parseAuthFailureLimit('ten')).toThrow(/^CONVEYOR_AUTH_FAILURE_LIMIT: "ten" is not <failures>\/<interval>\. Example of a valid value: CONVEYOR_AUTH_FAILURE_LIMIT=10\/1m/);
    expect(() => parseAuthFailureLimit('0/1m')).toThrow('allows 0 failures');
  });
});
