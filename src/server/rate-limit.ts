/**
 * Per-token rate limiting of enqueues (`POST /jobs`, `POST /jobs/bulk`), counted in jobs: a bulk
 * request costs one per item; a sent event (`POST /events/{name}`, which may resume many jobs) costs one. A token bucket per bearer token, holding at most `limit` jobs and
 * refilling at `limit` per `intervalMs`, so a client may burst to the limit and then keep the
 * average rate. Buckets are keyed by the token's SHA-256 digest, so no raw token is kept in memory
 * longer than the request; only tokens that passed auth reach here, so there are as many buckets as
 * configured tokens at most.
 *
 * The limit is per process: behind several servers, a token may enqueue `limit` on each.
 */
import type { MiddlewareHandler } from 'hono';
import { requestTokenDigest } from './auth.js';
import type { RateLimit } from './config.js';
import { errorResponse } from './errors.js';
import { MAX_BULK_JOBS } from './routes/job-schemas.js';
import { TokenBucketLimiter } from './token-bucket.js';

/**
 * The middleware for the enqueue routes; mount it after auth and the body limit. Jobs are taken
 * before the route runs, so concurrent requests cannot overshoot, and given back when the route does
 * not answer 2xx (bad input, unknown task…): only enqueues that were accepted count.
 */
export function enqueueRateLimit(rate: RateLimit, now?: () => number): MiddlewareHandler {
  const limiter = new TokenBucketLimiter(rate, now);
  return async (c, next) => {
    if (c.req.method !== 'POST') return next();
    const key = requestTokenDigest(c);
    const cost = c.req.path === '/jobs/bulk' ? await bulkItemCount(c.req) : 1;
    if (key === undefined || cost === 0) return next();
    const decision = limiter.take(key, cost);
    if (!decision.allowed) {
      c.header('Retry-After', String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000))));
      const per = `${rate.limit} job(s) per ${rate.intervalMs} ms`;
      const message = decision.neverFits
        ? `This request enqueues ${cost} jobs, more than this token may enqueue at once (${per}); send at most ${rate.limit} per request.`
        : c.req.path.startsWith('/events/')
          ? `Too many jobs enqueued and events sent with this token (limit ${per}, an event counting as one); the event was not sent. Retry after the number of seconds in Retry-After.`
          : `Too many jobs enqueued with this token (limit ${per}); nothing was enqueued. Retry after the number of seconds in Retry-After.`;
      return errorResponse(c, 429, 'rate_limited', message);
    }
    await next();
    if (c.res.status < 200 || c.res.status >= 300) limiter.refund(key, cost);
  };
}

/**
 * How many jobs a bulk body asks for; 0 when the route will refuse it whole anyway (not JSON, not an
 * array, over the bulk maximum), so that request answers with its 400 rather than a 429. Hono keeps
 * the body text, so the route's validator does not read the body again.
 */
async function bulkItemCount(request: { json(): Promise<unknown> }): Promise<number> {
  let body: unknown;
  try {
    body = await request.json();
  } catch (error) {
    if (error instanceof SyntaxError) return 0;
    throw error;
  }
  return Array.isArray(body) && body.length <= MAX_BULK_JOBS ? body.length : 0;
}
