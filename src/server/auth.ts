/**
 * Bearer-token authentication. Tokens are compared as SHA-256 digests with `timingSafeEqual`: equal
 * lengths always, so neither a token's content nor its length leaks through response timing, and
 * every configured token is compared on every request, so neither does which one matched.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { ConveyorConfigError } from '../errors.js';
import { API_TOKENS_SETTING } from './config.js';
import { errorResponse } from './errors.js';

/** Paths anyone may call: a liveness probe must not need a secret. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(['/health']);

const BEARER = /^Bearer[ ]+(\S+)[ ]*$/i;

export function bearerAuth(tokens: readonly string[]): MiddlewareHandler {
  if (tokens.length === 0) {
    throw new ConveyorConfigError(`createServerApp({ tokens }) (usually from ${API_TOKENS_SETTING})`, 'is empty; the HTTP API never runs without authentication', "tokens: parseApiTokens(process.env.CONVEYOR_API_TOKENS)");
  }
  const digests = tokens.map(digest);
  return async (c, next) => {
    if (PUBLIC_PATHS.has(c.req.path)) return next();
    const presented = BEARER.exec(c.req.header('authorization') ?? '')?.[1];
    if (presented === undefined || !matchesAny(digests, digest(presented))) {
      c.header('WWW-Authenticate', 'Bearer realm="conveyor"');
      const message = presented === undefined ? 'Missing bearer token: send Authorization: Bearer <token>.' : 'Wrong bearer token.';
      return errorResponse(c, 401, 'unauthorized', message);
    }
    return next();
  };
}

/**
 * The SHA-256 digest (hex) of the bearer token in an `Authorization` header, or undefined without
 * one: a key for per-token state (rate limits) that never holds the token itself.
 */
export function bearerTokenDigest(authorization: string | undefined): string | undefined {
  const presented = BEARER.exec(authorization ?? '')?.[1];
  return presented === undefined ? undefined : digest(presented).toString('hex');
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
