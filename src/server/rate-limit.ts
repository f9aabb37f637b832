/**
 * Per-token rate limiting of enqueues (`POST /jobs`, `POST /jobs/bulk`), counted in jobs: a bulk
 * request costs one per item. A token bucket per bearer token, holding at most `limit` jobs and
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

/** What `take` decided: allowed, or refused with how long until that many jobs would be allowed. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number; neverFits: boolean };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * Token buckets by key. Time comes from `now` so tests can drive it. Keys come and go (client
 * addresses): past `maxKeys` buckets, full ones are forgotten (a full bucket is what a new key gets
 * anyway), and if all are in use the oldest is, so memory stays bounded whatever the callers send.
 */
export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;

  constructor(
    readonly rate: RateLimit,
    private readonly now: () => number = Date.now,
    private readonly maxKeys: number = 100_000,
  ) {
    if (!Number.isInteger(rate.limit) || rate.limit < 1 || !Number.isFinite(rate.intervalMs) || rate.intervalMs <= 0) {
      throw new RangeError(`A rate limit needs a whole limit ≥ 1 and an interval > 0 ms, got ${rate.limit} per ${rate.intervalMs} ms`);
    }
    this.perMs = rate.limit / rate.intervalMs;
  }

  /** Take `cost` from `key`'s bucket if it holds that many; take nothing otherwise. */
  take(key: string, cost: number): RateDecision {
    const bucket = this.refilled(key);
    if (cost <= bucket.tokens) {
      bucket.tokens -= cost;
      return { allowed: true };
    }
    const neverFits = cost > this.rate.limit;
    const missing = (neverFits ? this.rate.limit : cost) - bucket.tokens;
    return { allowed: false, retryAfterMs: Math.ceil(missing / this.perMs), neverFits };
  }

  /** How long until `cost` could be taken from `key`'s bucket (0: now), taking nothing. */
  waitMs(key: string, cost: number): number {
    const bucket = this.buckets.get(key);
    if (bucket === undefined) return 0;
    const tokens = this.tokensAt(bucket, this.now());
    return tokens >= cost ? 0 : Math.ceil((cost - tokens) / this.perMs);
  }

  /** Give back what a request took but did not use (it was refused further on). */
  refund(key: string, cost: number): void {
    const bucket = this.refilled(key);
    bucket.tokens = Math.min(this.rate.limit, bucket.tokens + cost);
  }

  private refilled(key: string): Bucket {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxKeys) this.forgetSome(now);
      bucket = { tokens: this.rate.limit, updatedAt: now };
      this.buckets.set(key, bucket);
    }
    bucket.tokens = this.tokensAt(bucket, now);
    bucket.updatedAt = now;
    return bucket;
  }

  /** What `bucket` holds at `now`, refilled since it was last updated, up to the limit. */
  private tokensAt(bucket: Bucket, now: number): number {
    return Math.min(this.rate.limit, bucket.tokens + Math.max(0, now - bucket.updatedAt) * this.perMs);
  }

  private forgetSome(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (this.tokensAt(bucket, now) >= this.rate.limit) this.buckets.delete(key);
    }
    // Still full: drop the oldest tenth, so the next sweep is that many new keys away.
    let excess = this.buckets.size >= this.maxKeys ? Math.max(1, Math.floor(this.maxKeys / 10)) : 0;
    for (const key of this.buckets.keys()) {
      if (excess-- <= 0) break;
      this.buckets.delete(key);
    }
  }
}

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
