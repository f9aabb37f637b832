/**
 * Failed authentication is throttled per client address (issue 13, item 10): wrong bearer tokens and
 * failed dashboard logins share one budget, over real HTTP from two loopback addresses.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startDashboardServer, type DashboardServer } from '../dashboard/testing/dashboard-server.js';
import { FailedAuthThrottle } from './auth-throttle.js';
import type { RateLimit } from './config.js';
import { requestFrom } from '../testing/loopback-client.js';
import { TokenBucketLimiter } from './token-bucket.js';
import { startTestServer, TOKEN, WRONG_TOKEN, type TestServer } from './test-server.js';

const ATTACKER = '127.0.0.1';
const NEIGHBOUR = '127.0.0.2';
// A long interval: nothing refills while the test runs, so counts are exact.
const THREE_A_MINUTE: RateLimit = { limit: 3, intervalMs: 60_000 };

let closeServer: (() => Promise<void>) | undefined;
afterEach(async () => {
  await closeServer?.();
  closeServer = undefined;
});

async function api(): Promise<TestServer> {
  const server = await startTestServer({ authFailureLimit: THREE_A_MINUTE });
  closeServer = () => server.close();
  return server;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('failed bearer tokens', () => {
  it('are refused with 429, Retry-After and when to retry once an address has used its budget; successes never count', async () => {
    const server = await api();
    for (let n = 0; n < 10; n++) expect((await requestFrom(`${server.url}/queues`, { from: ATTACKER, headers: bearer(TOKEN) })).status).toBe(200);
    for (let n = 0; n < 3; n++) expect((await requestFrom(`${server.url}/queues`, { from: ATTACKER, headers: bearer(WRONG_TOKEN) })).status).toBe(401);

    const refused = await requestFrom(`${server.url}/queues`, { from: ATTACKER, headers: bearer(WRONG_TOKEN) });
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('20');
    const { error } = JSON.parse(refused.body) as { error: { code: string; message: string } };
    expect(error.code).toBe('too_many_failed_attempts');
    expect(error.message).toContain('from 127.0.0.1 (limit 3 per minute)');
    expect(error.message).toContain('Try again in 20 s');
    expect(error.message).not.toContain(WRONG_TOKEN);
  });

  it('blocks every bearer token from that address, the right one too, and no other address', async () => {
    const server = await api();
    for (let n = 0; n < 3; n++) await requestFrom(`${server.url}/queues`, { from: ATTACKER, headers: bearer(WRONG_TOKEN) });
    // A right guess answered 200 here would tell a blocked guesser it had found the token.
    expect((await requestFrom(`${server.url}/queues`, { from: ATTACKER, headers: bearer(TOKEN) })).status).toBe(429);
    // No token at all is not a guess: still the plain 401.
    expect((await requestFrom(`${server.url}/queues`, { from: ATTACKER })).status).toBe(401);
    expect((await requestFrom(`${server.url}/queues`, { from: NEIGHBOUR, headers: bearer(TOKEN) })).status).toBe(200);
    expect((await requestFrom(`${server.url}/queues`, { from: NEIGHBOUR, headers: bearer(WRONG_TOKEN) })).status).toBe(401);
  });
});

describe('failed dashboard logins', () => {
  const login = (server: DashboardServer, from: string, token: string) =>
    requestFrom(`${server.url}/login`, {
      from,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
      body: new URLSearchParams({ token }).toString(),
    });

  it('share the budget of wrong bearer tokens, and the form says when to try again', async () => {
    const server = await startDashboardServer({ authFailureLimit: THREE_A_MINUTE });
    closeServer = () => server.close();
    expect((await login(server, ATTACKER, WRONG_TOKEN)).status).toBe(401);
    expect((await login(server, ATTACKER, WRONG_TOKEN)).status).toBe(401);
    expect((await requestFrom(`${server.url}/queues`, { from: ATTACKER, headers: bearer(WRONG_TOKEN) })).status).toBe(401);

    const refused = await login(server, ATTACKER, TOKEN);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('20');
    expect(refused.headers['set-cookie']).toBeUndefined();
    expect(refused.body).toContain('Too many failed logins from your address. Try again in 20 seconds.');
    expect((await requestFrom(`${server.url}/queues`, { from: ATTACKER, headers: bearer(TOKEN) })).status).toBe(429);

    const neighbour = await login(server, NEIGHBOUR, TOKEN);
    expect(neighbour.status).toBe(303);
    expect(neighbour.headers['set-cookie']).toBeDefined();
  });
});

describe('FailedAuthThrottle', () => {
  it('lets an address try again as its budget refills, one failure per interval/limit', () => {
    let now = 0;
    const throttle = new FailedAuthThrottle({ limit: 10, intervalMs: 60_000 }, () => now);
    for (let n = 0; n < 10; n++) throttle.recordFailure('10.0.0.1');
    expect(throttle.blockedForMs('10.0.0.1')).toBe(6000);
    expect(throttle.blockedForMs('10.0.0.2')).toBe(0);
    now = 5999;
    expect(throttle.blockedForMs('10.0.0.1')).toBe(1);
    now = 6000;
    expect(throttle.blockedForMs('10.0.0.1')).toBe(0);
    expect(new FailedAuthThrottle(null).blockedForMs('10.0.0.1')).toBe(0);
  });

  it('keeps memory bounded whatever addresses callers come from', () => {
    const limiter = new TokenBucketLimiter({ limit: 1, intervalMs: 60_000 }, () => 0, 100);
    for (let n = 0; n < 10_000; n++) limiter.take(`10.0.${n >> 8}.${n & 255}`, 1);
    expect((limiter as unknown as { buckets: Map<string, unknown> }).buckets.size).toBeLessThanOrEqual(100);
    // The newest addresses are still remembered.
    expect(limiter.waitMs('10.0.39.15', 1)).toBeGreaterThan(0);
  });
});
