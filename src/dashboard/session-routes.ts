/**
 * Logging in and out. `POST /login` checks the token in constant time against the server's tokens
 * (the same check as the bearer auth), opens a session in the store and sets the session cookie (see
 * `cookies.ts` and `server/sessions.ts`); a wrong one gets the form again with 401, and counts as a
 * failed authentication of the client's address (`server/auth-throttle.ts`; over the budget, 429
 * with the form saying when to try again). `POST /logout` revokes the session in the store, so the
 * cookie is worthless even if it was copied. Both forms must come from this server's own pages
 * (`isSameOriginRequest`): otherwise another site could log a browser in under its own token, or out.
 */
import { Hono, type Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { isSameOriginRequest, SESSION_COOKIE, type TokenCheck } from '../server/auth.js';
import { clientAddress, retryAfterSeconds, type FailedAuthThrottle } from '../server/auth-throttle.js';
import type { SessionAuthority } from '../server/sessions.js';
import { clearSessionCookie, setSessionCookie } from './cookies.js';
import { loginPage } from './pages/login.js';
import { LOGIN_PATH, LOGOUT_PATH, safeNextPath } from './paths.js';

export function sessionRoutes(isKnownToken: TokenCheck, sessions: SessionAuthority, failedAuth: FailedAuthThrottle): Hono {
  const app = new Hono();

  app.get(LOGIN_PATH, async (c) => {
    const next = safeNextPath(c.req.query('next'));
    const current = getCookie(c, SESSION_COOKIE);
    if (current !== undefined && (await sessions.check(current, new Date())) !== null) return c.redirect(next, 302);
    return c.html(loginPage({ next }));
  });

  app.post(LOGIN_PATH, async (c) => {
    if (!isSameOriginRequest(c)) return crossSite(c);
    const form = await c.req.parseBody();
    const token = typeof form.token === 'string' ? form.token.trim() : '';
    const next = safeNextPath(typeof form.next === 'string' ? form.next : undefined);
    if (token === '') return c.html(loginPage({ next, problem: 'Enter an API token.' }), 401);
    // Before the token is checked, as for bearer tokens (see auth-throttle.ts): one budget for both.
    const address = clientAddress(c);
    const waitMs = failedAuth.blockedForMs(address);
    if (waitMs > 0) {
      c.header('Retry-After', String(retryAfterSeconds(waitMs)));
      return c.html(loginPage({ next, problem: `Too many failed logins from your address. Try again in ${retryAfterSeconds(waitMs)} seconds.` }), 429);
    }
    if (!isKnownToken(token)) {
      failedAuth.recordFailure(address);
      return c.html(loginPage({ next, problem: 'That token is not one this server accepts.' }), 401);
    }
    setSessionCookie(c, await sessions.open(token, new Date()), sessions.lifetimeMs);
    return c.redirect(next, 303);
  });

  app.post(LOGOUT_PATH, async (c) => {
    if (!isSameOriginRequest(c)) return crossSite(c);
    const current = getCookie(c, SESSION_COOKIE);
    if (current !== undefined) await sessions.revoke(current, new Date());
    clearSessionCookie(c);
    return c.redirect(LOGIN_PATH, 303);
  });

  return app;
}

function crossSite(c: Context): Response {
  return c.text('Refused: this form must be sent from a page of this server.', 403);
}
