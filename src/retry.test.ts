import { describe, expect, it } from 'vitest';
import { type BackoffPolicy, DEFAULT_RETRY_POLICY, backoffDelayMs, checkMaxAttempts, resolveRetryPolicy } from './retry.js';
import { configError } from './testing/thrown.js';

const WHERE = 'defineTask("email.send").retry';


describe('resolveRetryPolicy', () => {
  it('defaults to 5 attempts, 1 s doubling up to an hour, a quarter jitter', () => {
    expect(resolveRetryPolicy(WHERE, undefined)).toEqual({
      maxAttempts: 5,
      backoff: { initialMs: 1000, factor: 2, maxMs: 3_600_000, jitter: 0.25 },
    });
    expect(resolveRetryPolicy(WHERE, {})).toEqual(DEFAULT_RETRY_POLICY);
  });

  it('keeps the default backoff when only maxAttempts is given', () => {
    expect(resolveRetryPolicy(WHERE, { maxAttempts: 1 })).toEqual({ maxAttempts: 1, backoff: DEFAULT_RETRY_POLICY.backoff });
  });

  it('merges a partial backoff with the defaults', () => {
    expect(resolveRetryPolicy(WHERE, { backoff: { initialMs: 200, jitter: 0 } })).toEqual({
      maxAttempts: 5,
      backoff: { initialMs: 200, factor: 2, maxMs: 3_600_000, jitter: 0 },
    });
  });

  it('accepts the edges: 1000 attempts, no delay, factor 1, jitter 0 and 1', () => {
    expect(resolveRetryPolicy(WHERE, { maxAttempts: 1000, backoff: { initialMs: 0, factor: 1, maxMs: 0, jitter: 1 } })).toEqual({
      maxAttempts: 1000,
      backoff: { initialMs: 0, factor: 1, maxMs: 0, jitter: 1 },
    });
  });

  it('does not change the defaults it merges into', () => {
    const policy = resolveRetryPolicy(WHERE, { backoff: { initialMs: 5 } });
    policy.backoff.factor = 9;
    expect(DEFAULT_RETRY_POLICY.backoff).toEqual({ initialMs: 1000, factor: 2, maxMs: 3_600_000, jitter: 0.25 });
  });

  it.each([
    [{ maxAttempts: 0 }, 'maxAttempts', 'must be an integer from 1 to 1000, got 0', '5'],
    [{ maxAttempts: 1001 }, 'maxAttempts', 'must be an integer from 1 to 1000, got 1001', '5'],
    [{ maxAttempts: 2.5 }, 'maxAttempts', 'must be an integer from 1 to 1000, got 2.5', '5'],
    [{ backoff: { initialMs: -1 } }, 'backoff.initialMs', 'must be an integer ≥ 0, got -1', '1000'],
    [{ backoff: { initialMs: 0.5 } }, 'backoff.initialMs', 'must be an integer ≥ 0, got 0.5', '1000'],
    [{ backoff: { factor: 0.5 } }, 'backoff.factor', 'must be a number ≥ 1, got 0.5', '2'],
    [{ backoff: { factor: Number.POSITIVE_INFINITY } }, 'backoff.factor', 'must be a number ≥ 1, got Infinity', '2'],
    [{ backoff: { maxMs: 500 } }, 'backoff.maxMs', 'must be an integer ≥ initialMs, got 500', '3600000'],
    [{ backoff: { maxMs: 5000.5 } }, 'backoff.maxMs', 'must be an integer ≥ initialMs, got 5000.5', '3600000'],
    [{ backoff: { jitter: -0.1 } }, 'backoff.jitter', 'must be a number from 0 to 1, got -0.1', '0.25'],
    [{ backoff: { jitter: 1.5 } }, 'backoff.jitter', 'must be a number from 0 to 1, got 1.5', '0.25'],
    [{ backoff: { jitter: Number.NaN } }, 'backoff.jitter', 'must be a number from 0 to 1, got NaN', '0.25'],
  ])('rejects %j, naming %s', (options, field, problem, example) => {
    const error = configError(() => resolveRetryPolicy(WHERE, options));
    expect(error.setting).toBe(`${WHERE}.${field}`);
    expect(error.message).toBe(`${WHERE}.${field}: ${problem}. Example of a valid value: ${example}`);
  });

  it('treats a backoff field set to undefined as not set, as it does maxAttempts', () => {
    // maxAttempts: undefined falls back to 5; a backoff field set to undefined should fall back the same way.
    expect(resolveRetryPolicy(WHERE, { maxAttempts: undefined })).toEqual(DEFAULT_RETRY_POLICY);
    expect(resolveRetryPolicy(WHERE, { backoff: { initialMs: undefined } })).toEqual(DEFAULT_RETRY_POLICY);
  });
});

describe('checkMaxAttempts', () => {
  it('accepts 1 to 1000 and rejects the rest, naming the setting', () => {
    expect(() => checkMaxAttempts('opt.maxAttempts', 1)).not.toThrow();
    expect(() => checkMaxAttempts('opt.maxAttempts', 1000)).not.toThrow();
    expect(configError(() => checkMaxAttempts('opt.maxAttempts', '3')).message).toBe(
      'opt.maxAttempts: must be an integer from 1 to 1000, got 3. Example of a valid value: 5',
    );
  });
});

describe('backoffDelayMs', () => {
  const policy: BackoffPolicy = { initialMs: 1000, factor: 2, maxMs: 60_000, jitter: 0.25 };
  const noJitterDraw = () => 0;

  it('grows exponentially from initialMs, one factor per failed attempt', () => {
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelayMs(policy, attempt, noJitterDraw))).toEqual([1000, 2000, 4000, 8000, 16_000]);
  });

  it('uses another factor as given', () => {
    const triple = { ...policy, factor: 3 };
    expect([1, 2, 3].map((attempt) => backoffDelayMs(triple, attempt, noJitterDraw))).toEqual([1000, 3000, 9000]);
  });

  it('is capped at maxMs, even when the exponential overflows', () => {
    expect(backoffDelayMs(policy, 7, noJitterDraw)).toBe(60_000);
    expect(backoffDelayMs(policy, 100, noJitterDraw)).toBe(60_000);
    expect(backoffDelayMs(policy, 5000, noJitterDraw)).toBe(60_000);
  });

  it('treats an attempt below 1 as the first', () => {
    expect(backoffDelayMs(policy, 0, noJitterDraw)).toBe(1000);
  });

  it('takes at most the jitter fraction off the delay', () => {
    expect(backoffDelayMs(policy, 1, () => 0)).toBe(1000);
    expect(backoffDelayMs(policy, 1, () => 0.5)).toBe(875);
    expect(backoffDelayMs(policy, 1, () => 0.999_999)).toBe(750);
    expect(backoffDelayMs(policy, 100, () => 0.999_999)).toBe(45_000);
  });

  it('stays within [delay·(1−jitter), delay] whatever the draw', () => {
    for (let draw = 0; draw < 1; draw += 0.05) {
      const delay = backoffDelayMs(policy, 3, () => draw);
      expect(delay).toBeGreaterThan(2999);
      expect(delay).toBeLessThanOrEqual(4000);
    }
  });

  it('ignores the draw when jitter is 0', () => {
    expect(backoffDelayMs({ ...policy, jitter: 0 }, 2, () => 0.9)).toBe(2000);
  });

  it('rounds to whole milliseconds', () => {
    const fractional: BackoffPolicy = { initialMs: 3, factor: 1.5, maxMs: 1000, jitter: 0.5 };
    expect(backoffDelayMs(fractional, 2, () => 0)).toBe(5); // 4.5
    expect(backoffDelayMs(fractional, 3, () => 0)).toBe(7); // 6.75
    expect(backoffDelayMs({ ...policy, initialMs: 999 }, 1, () => 0.5)).toBe(874); // 874.125
  });

  it('draws from Math.random by default', () => {
    const delay = backoffDelayMs(policy, 2);
    expect(Number.isInteger(delay)).toBe(true);
    expect(delay).toBeGreaterThanOrEqual(1500);
    expect(delay).toBeLessThanOrEqual(2000);
  });
});
