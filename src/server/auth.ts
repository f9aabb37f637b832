/**
 * Authentication: a bearer token, or the dashboard's session cookie (a session opened by logging in
 * with a token, see `sessions.ts`; the cookie never holds the token). Tokens are compared
 * as SHA-256 digests with `timingSafeEqual`: equal lengths always, so neither a token's content nor
 * its length leaks through response timing, and every configured token is compared on every
 * request, so neither does which one matched.
 *
 * The cookie exists because a browser cannot add an `Authorization` header to a page load, a form
 * or an `EventSource`. It is accepted wherever the bearer token is, with two differences: a request
 * that changes something (any method but GET, HEAD, OPTIONS) must come from a page of this server
 * (`Sec-Fetch-Site: same-origin`, or an `Origin` whose host is the `Host` header), so another site
 * cannot make a logged-in browser post to it (CSRF); and a page without a valid credential redirects
 * (302) to its login form instead of answering 401. An `Authorization` header, when sent, decides
 * alone: a wrong bearer token is refused even beside a good cookie.
 *
 * Which paths need no credential, and which redirect to a login form, is told by the modules mounted
 * on the app (`MountedRoutes`, e.g. the dashboard's), through `PathAccess`: this module knows no page.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { SIGNED_LINK_PREFIX } from '../artifacts/signed-links.js';
import { ConveyorConfigError } from '../errors.js';
import { clientAddress, retryAfterSeconds, type FailedAuthThrottle } from './auth-throttle.js';
import { API_TOKENS_SETTING } from './config.js';
import { errorResponse } from './errors.js';
import type { SessionAuthority } from './sessions.js';
import { TOKEN_RECIPE, tokenWeakness } from './token-strength.js';

/** Paths anyone may call whatever is mounted: a liveness probe must not need a secret. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(['/health']);

/**
 * Whether anyone may call `path` whatever is mounted: `PUBLIC_PATHS`, and signed artifact links,
 * whose route checks their signature instead (and counts a tampered one in the failed-auth throttle).
 */
export function isPublicApiPath(path: string): boolean {
  return PUBLIC_PATHS.has(path) || path.startsWith(`${SIGNED_LINK_PREFIX}/`);
}

/** What the mounted route modules say about their paths (see `MountedRoutes` in `deps.ts`). */
export interface PathAccess {
  /** Whether anyone may call `path`, without a credential (besides `PUBLIC_PATHS`). */
  isPublic(path: string): boolean;
  /** Where to send a request to `path` that has no valid credential (a page's login form), or null to answer 401. */
  loginRedirect(path: string, pathWithQuery: string): string | null;
}

/** Nothing mounted beyond the API: every path but `PUBLIC_PATHS` needs a credential, and none redirects. */
export const API_ONLY_ACCESS: PathAccess = { isPublic: () => false, loginRedirect: () => null };

/** The cookie the dashboard's login form sets: a signed session (see `sessions.ts`), HttpOnly and SameSite=Strict. */
export const SESSION_COOKIE = 'conveyor_session';

const BEARER = /^Bearer[ ]+(\S+)[ ]*$/i;
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Whether a token is one of the configured ones, in constant time. */
export type TokenCheck = (token: string) => boolean;

/**
 * A constant-time check of tokens against `tokens` (the same one the middleware uses). Refuses, with
 * a `ConveyorConfigError`, an empty list and any token under the strength floor (`token-strength.ts`),
 * so an embedder that skips `parseApiTokens` gets the same floor.
 */
export function tokenCheck(tokens: readonly string[]): TokenCheck {
  const setting = `createServerApp({ tokens }) (usually from ${API_TOKENS_SETTING})`;
  if (tokens.length === 0) {
    throw new ConveyorConfigError(setting, 'is empty; the HTTP API never runs without authentication', `tokens: parseApiTokens(process.env.${API_TOKENS_SETTING})`);
  }
  for (const [index, token] of tokens.entries()) {
    const weakness = tokenWeakness(token);
    if (weakness !== null) throw new ConveyorConfigError(setting, `token ${index + 1} of ${tokens.length} ${weakness}`, TOKEN_RECIPE);
  }
  const digests = tokens.map(digest);
  return (token) => matchesAny(digests, digest(token));
}

/**
 * The auth middleware, checking bearer tokens with `isKnown` (from `tokenCheck`, built once per app)
 * and session cookies with `sessions`. A wrong bearer token counts against its address in
 * `failedAuth`; an address over that budget gets 429 for any bearer token until it has waited.
 * `access` says which paths are public and which redirect to a login form.
 */
export function bearerAuth(isKnown: TokenCheck, sessions: SessionAuthority, failedAuth: FailedAuthThrottle, access: PathAccess = API_ONLY_ACCESS): MiddlewareHandler {
  return async (c, next) => {
    const path = c.req.path;
    if (isPublicApiPath(path) || access.isPublic(path)) return next();
    const address = clientAddress(c);
    // Checked before the token, so a blocked guesser cannot tell a right guess from a wrong one.
    const waitMs = presentedBearer(c) === undefined ? 0 : failedAuth.blockedForMs(address);
    if (waitMs > 0) {
      c.header('Retry-After', String(retryAfterSeconds(waitMs)));
      return errorResponse(c, 429, 'too_many_failed_attempts', failedAuth.refusalMessage(address, waitMs));
    }
    const refusal = await refusalOf(c, isKnown, sessions);
    if (refusal === null) return next();
    if (refusal.wrongToken) failedAuth.recordFailure(address);
    if (refusal.code === 'cross_site_request') return errorResponse(c, 403, refusal.code, refusal.message);
    const loginPath = access.loginRedirect(path, pathWithQuery(c));
    if (loginPath !== null) return c.redirect(loginPath, 302);
    c.header('WWW-Authenticate', 'Bearer realm="conveyor"');
    return errorResponse(c, 401, refusal.code, refusal.message);
  };
}

interface Refusal {
  code: 'unauthorized' | 'cross_site_request';
  message: string;
  /** A bearer token was sent and is not one of the server's: a guess, counted by the throttle. */
  wrongToken?: boolean;
}

/** The bearer token of the Authorization header, if it has one. */
function presentedBearer(c: Context): string | undefined {
  return BEARER.exec(c.req.header('authorization') ?? '')?.[1];
}

/** Why a request is refused, or null when its credential is good. */
async function refusalOf(c: Context, isKnown: TokenCheck, sessions: SessionAuthority): Promise<Refusal | null> {
  const authorization = c.req.header('authorization');
  const presented = presentedBearer(c);
  if (presented !== undefined) return isKnown(presented) ? null : { code: 'unauthorized', message: 'Wrong bearer token.', wrongToken: true };
  const cookie = authorization === undefined ? getCookie(c, SESSION_COOKIE) : undefined;
  if (cookie === undefined || cookie === '') return { code: 'unauthorized', message: 'Missing bearer token: send Authorization: Bearer <token>.' };
  const session = await sessions.check(cookie, new Date());
  if (session === null) return { code: 'unauthorized', message: 'The session has ended (expired, logged out, or its token was removed); log in again at /login.' };
  sessionTokenDigests.set(c.req.raw, session.tokenDigest);
  if (!SAFE_METHODS.has(c.req.method) && !isSameOriginRequest(c)) {
    return { code: 'cross_site_request', message: 'Refused a request with the session cookie from another site: send it from a dashboard page, or use Authorization: Bearer <token>.' };
  }
  return null;
}

/**
 * Whether the browser says the request comes from a page of this server: `Sec-Fetch-Site`, which
 * every current browser sends, or else an `Origin` naming the host the request was sent to. A
 * request with neither is refused: a browser old enough to send neither is not supported.
 */
export function isSameOriginRequest(c: Context): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined) return site === 'same-origin';
  const origin = c.req.header('origin');
  if (origin === undefined || origin === 'null') return false;
  try {
    return new URL(origin).host === (c.req.header('host') ?? new URL(c.req.url).host);
  } catch {
    return false;
  }
}

/** The token digest of each request the auth middleware let in by its session cookie. */
const sessionTokenDigests = new WeakMap<Request, string>();

/**
 * The SHA-256 digest (hex) of the token a request authenticates with (its bearer token, else the
 * token its session was opened with), or undefined without one: a key for per-token state (rate
 * limits) that never holds the token itself, and the same for a token whichever way it is sent.
 */
export function requestTokenDigest(c: Context): string | undefined {
  const authorization = c.req.header('authorization');
  if (authorization === undefined) return sessionTokenDigests.get(c.req.raw);
  const token = BEARER.exec(authorization)?.[1];
  return token === undefined || token === '' ? undefined : digest(token).toString('hex');
}

function pathWithQuery(c: Context): string {
  const url = new URL(c.req.url);
  return `${url.pathname}${url.search}`;
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

function matchesAny(digests: readonly Buffer[], candidate: Buffer): boolean {
  let matched = false;
  // No early exit: the time taken does not depend on which token matched.
  for (const known of digests) matched = timingSafeEqual(known, candidate) || matched;
  return matched;
}
