/** Logging in to a test server's dashboard as a browser does, for tests that need a session cookie. */
import { expect } from 'vitest';
import { SESSION_COOKIE } from '../server/auth.js';

/** Post `token` to the login form of the server at `url`; the session cookie's value it sets. */
export async function logIn(url: string, token: string): Promise<string> {
  const response = await fetch(`${url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: url, 'sec-fetch-site': 'same-origin', 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
  });
  expect(response.status, 'logging in').toBe(303);
  const cookie = response.headers.getSetCookie().find((header) => header.startsWith(`${SESSION_COOKIE}=`));
  const value = cookie?.slice(SESSION_COOKIE.length + 1).split(';')[0];
  if (value === undefined || value === '') throw new Error(`The login set no ${SESSION_COOKIE} cookie`);
  return value;
}

/** The `cookie` header that sends a session. */
export function sessionCookie(session: string): { cookie: string } {
  return { cookie: `${SESSION_COOKIE}=${session}` };
}
