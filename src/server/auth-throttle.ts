/**
 * Throttling failed authentication per client address: wrong bearer tokens (the API) and wrong
 * tokens at the dashboard's login form draw on one budget, a token bucket of `limit` failures per
 * `intervalMs` for each address. Only failures are counted, so a client with a right token never
 * uses any of it.
 *
 * Once an address has used its budget, its next attempts are refused with 429 *before* their token
 * is checked, the right token included: were a right token let through, a guesser would still learn
 * at full speed which guess is right, and the throttle would slow no one. A request with a valid
 * session cookie is not an attempt (the cookie is signed and cannot be guessed) and passes.
 *
 * The address is the TCP peer's. Behind a reverse proxy every client has the proxy's address, so
 * one client's failures block the others: raise the limit or turn it off there
 * (`CONVEYOR_AUTH_FAILURE_LIMIT=off`). The counts are per process.
 */
import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import type { RateLimit } from './config.js';
import { TokenBucketLimiter } from './token-bucket.js';

/** Failures on one budget: how long until an address may try again. */
export class FailedAuthThrottle {
  private readonly limiter: TokenBucketLimiter | null;

  /** `rate`: failures per interval per address; null never throttles. */
  constructor(
    readonly rate: RateLimit | null,
    now?: () => number,
  ) {
    this.limiter = rate === null ? null : new TokenBucketLimiter(rate, now);
  }

  /** Milliseconds until `address` may try a token again; 0 when it may now. */
  blockedForMs(address: string): number {
    return this.limiter?.waitMs(address, 1) ?? 0;
  }

  /** Count a failed attempt (a wrong token) from `address`. */
  recordFailure(address: string): void {
    this.limiter?.take(address, 1);
  }

  /** The sentence a refusal shows: what happened, the limit, and when to try again. */
  refusalMessage(address: string, waitMs: number): string {
    const seconds = retryAfterSeconds(waitMs);
    const limit = this.rate === null ? '' : ` (limit ${this.rate.limit} per ${describeInterval(this.rate.intervalMs)})`;
    return `Too many failed authentication attempts from ${address}${limit}; no token is checked from this address for now. Try again in ${seconds} s (Retry-After).`;
  }
}

/** Whole seconds for a `Retry-After` header: rounded up, at least 1. */
export function retryAfterSeconds(waitMs: number): number {
  return Math.max(1, Math.ceil(waitMs / 1000));
}

/**
 * The client's address as the TCP peer gave it, IPv4-mapped IPv6 addresses in IPv4 form; `unknown`
 * when the app is not served by the Node adapter (e.g. `app.request()` in a test).
 */
export function clientAddress(c: Context): string {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  const address = incoming?.socket.remoteAddress;
  if (address === undefined) return 'unknown';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address;
}

function describeInterval(ms: number): string {
  if (ms % 3_600_000 === 0) return ms === 3_600_000 ? 'hour' : `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return ms === 60_000 ? 'minute' : `${ms / 60_000} min`;
  if (ms % 1000 === 0) return ms === 1000 ? 'second' : `${ms / 1000} s`;
  return `${ms} ms`;
}
