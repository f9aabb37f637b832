/**
 * Token buckets by key, the counting under the enqueue rate limit (`rate-limit.ts`) and the throttle
 * of failed authentications (`auth-throttle.ts`). A module of its own, so neither of those imports
 * the other (the rate limit reads the request's token through `auth.ts`, which uses the throttle).
 */
import type { RateLimit } from './config.js';

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
