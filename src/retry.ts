/** Retry policies and the exponential backoff with jitter between attempts. */
import { definedOnly } from './config.js';
import { ConveyorConfigError } from './errors.js';

export interface BackoffPolicy {
  /** Delay before the second attempt. @default 1000 */
  initialMs: number;
  /** Each further delay is this many times the previous one. @default 2 */
  factor: number;
  /** No delay exceeds this. @default 3_600_000 (an hour) */
  maxMs: number;
  /** Fraction of each delay drawn at random, so failed jobs do not retry in lockstep. 0 to 1. @default 0.25 */
  jitter: number;
}

export interface RetryPolicy {
  /** Attempts in all, the first included. 1 means never retry. @default 5 */
  maxAttempts: number;
  backoff: BackoffPolicy;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 5,
  backoff: Object.freeze({ initialMs: 1000, factor: 2, maxMs: 3_600_000, jitter: 0.25 }),
});

export type RetryOptions = Partial<Omit<RetryPolicy, 'backoff'>> & { backoff?: Partial<BackoffPolicy> };

/** Fill in defaults and check every number; `where` names the setting in errors. */
export function resolveRetryPolicy(where: string, options: RetryOptions | undefined): RetryPolicy {
  const backoff = { ...DEFAULT_RETRY_POLICY.backoff, ...definedOnly(options?.backoff ?? {}) };
  const policy: RetryPolicy = { maxAttempts: options?.maxAttempts ?? DEFAULT_RETRY_POLICY.maxAttempts, backoff };
  checkMaxAttempts(`${where}.maxAttempts`, policy.maxAttempts);
  check(`${where}.backoff.initialMs`, backoff.initialMs, Number.isInteger(backoff.initialMs) && backoff.initialMs >= 0, 'an integer ≥ 0', '1000');
  check(`${where}.backoff.factor`, backoff.factor, Number.isFinite(backoff.factor) && backoff.factor >= 1, 'a number ≥ 1', '2');
  check(`${where}.backoff.maxMs`, backoff.maxMs, Number.isInteger(backoff.maxMs) && backoff.maxMs >= backoff.initialMs, 'an integer ≥ initialMs', '3600000');
  check(`${where}.backoff.jitter`, backoff.jitter, Number.isFinite(backoff.jitter) && backoff.jitter >= 0 && backoff.jitter <= 1, 'a number from 0 to 1', '0.25');
  return policy;
}

export function checkMaxAttempts(setting: string, value: unknown): void {
  check(setting, value, Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 1000, 'an integer from 1 to 1000', '5');
}

/**
 * Delay before the attempt after `failedAttempt` (1-based): `initialMs · factor^(failedAttempt−1)`,
 * capped at `maxMs`, of which a `jitter` fraction is drawn at random (`random` returns [0, 1)).
 */
export function backoffDelayMs(policy: BackoffPolicy, failedAttempt: number, random: () => number = Math.random): number {
  const exponential = policy.initialMs * policy.factor ** Math.max(0, failedAttempt - 1);
  const capped = Math.min(policy.maxMs, exponential);
  return Math.round(capped * (1 - policy.jitter * random()));
}

function check(setting: string, value: unknown, ok: boolean, expected: string, example: string): void {
  if (!ok) throw new ConveyorConfigError(setting, `must be ${expected}, got ${String(value)}`, example);
}
