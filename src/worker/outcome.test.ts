import { describe, expect, it } from 'vitest';
import { PermanentJobError } from '../errors.js';
import { discard, snooze } from '../handler-outcomes.js';
import type { Job } from '../job.js';
import type { BackoffPolicy } from '../retry.js';
import { attemptError, outcomeToUpdate } from './outcome.js';

const now = new Date('2026-01-01T12:00:00Z');
const WORKER = 'worker-1';
// No jitter, so retry times are exact.
const backoff: BackoffPolicy = { initialMs: 1000, factor: 2, maxMs: 60_000, jitter: 0 };

function runningJob(overrides: Partial<Job> = {}): Job {
  return {
    id: 'job-1',
    task: 'email.send',
    queue: 'default',
    input: { to: 'a@b.c' },
    state: 'running',
    priority: 0,
    runAt: new Date('2026-01-01T11:59:00Z'),
    attempt: 1,
    maxAttempts: 3,
    dedupKey: null,
    flowId: null,
    parentId: null,
    onChildFailure: 'fail',
    hasChildren: false,
    concurrencyKey: null, traceContext: null,
    progress: null,
    result: null,
    errors: [],
    workerId: WORKER,
    leaseExpiresAt: new Date('2026-01-01T12:00:30Z'),
    cancelRequestedAt: null,
    createdAt: new Date('2026-01-01T11:59:00Z'),
    startedAt: new Date('2026-01-01T11:59:50Z'),
    finishedAt: null,
    updatedAt: new Date('2026-01-01T11:59:50Z'),
    ...overrides,
  };
}

const inMs = (ms: number) => new Date(now.getTime() + ms);

describe('outcomeToUpdate', () => {
  describe('returned', () => {
    it('succeeds with the value as result', () => {
      const update = outcomeToUpdate(runningJob({ attempt: 2 }), WORKER, { kind: 'returned', value: { sent: 3 } }, backoff, now);
      expect(update).toEqual({ kind: 'succeeded', id: 'job-1', attempt: 2, workerId: WORKER, at: now, result: { sent: 3 } });
    });

    it('stores undefined and null as null', () => {
      for (const value of [undefined, null]) {
        expect(outcomeToUpdate(runningJob(), WORKER, { kind: 'returned', value }, backoff, now)).toEqual({
          kind: 'succeeded',
          id: 'job-1',
          attempt: 1,
          workerId: WORKER,
          at: now,
          result: null,
        });
      }
    });

    it('fails the attempt, to retry, when the result holds a BigInt', () => {
      const update = outcomeToUpdate(runningJob(), WORKER, { kind: 'returned', value: { total: 10n } }, backoff, now);
      expect(update).toMatchObject({ kind: 'failed', id: 'job-1', attempt: 1, workerId: WORKER, at: now, retryAt: inMs(1000) });
      expect(update?.kind === 'failed' && update.error.message).toMatch(/^The handler's result is not JSON-serializable: .*BigInt/);
    });

    it('kills the job when a circular result comes on the last attempt', () => {
      const circular: Record<string, unknown> = { name: 'loop' };
      circular.self = circular;
      const update = outcomeToUpdate(runningJob({ attempt: 3 }), WORKER, { kind: 'returned', value: circular }, backoff, now);
      expect(update).toMatchObject({ kind: 'dead', attempt: 3, at: now });
      expect(update?.kind === 'dead' && update.error).toMatchObject({ attempt: 3, at: now });
      expect(update?.kind === 'dead' && update.error.message).toMatch(/^The handler's result is not JSON-serializable: .*circular/i);
    });

    it('fails the attempt when the result is a function, which JSON cannot hold', () => {
      // JSON.stringify(() => 1) returns undefined instead of throwing; the result would be lost.
      const update = outcomeToUpdate(runningJob(), WORKER, { kind: 'returned', value: () => 1 }, backoff, now);
      expect(update?.kind).toBe('failed');
    });
  });

  describe('threw', () => {
    it('fails with a retry after the backoff for this attempt while attempts remain', () => {
      const error = new Error('SMTP refused');
      const first = outcomeToUpdate(runningJob({ attempt: 1, maxAttempts: 4 }), WORKER, { kind: 'threw', error }, backoff, now);
      expect(first).toEqual({
        kind: 'failed',
        id: 'job-1',
        attempt: 1,
        workerId: WORKER,
        at: now,
        retryAt: inMs(1000),
        error: { attempt: 1, message: 'SMTP refused', stack: error.stack, at: now },
      });
      const third = outcomeToUpdate(runningJob({ attempt: 3, maxAttempts: 4 }), WORKER, { kind: 'threw', error }, backoff, now);
      expect(third).toMatchObject({ kind: 'failed', attempt: 3, retryAt: inMs(4000) });
    });

    it('caps the retry delay at the policy maximum', () => {
      const update = outcomeToUpdate(runningJob({ attempt: 20, maxAttempts: 50 }), WORKER, { kind: 'threw', error: new Error('x') }, backoff, now);
      expect(update).toMatchObject({ kind: 'failed', retryAt: inMs(60_000) });
    });

    it('retries no later than the backoff allows when jitter is on', () => {
      const jittery = { ...backoff, jitter: 0.5 };
      const update = outcomeToUpdate(runningJob({ attempt: 2 }), WORKER, { kind: 'threw', error: new Error('x') }, jittery, now);
      expect(update?.kind).toBe('failed');
      const retryAt = update?.kind === 'failed' ? update.retryAt.getTime() : Number.NaN;
      expect(retryAt).toBeGreaterThanOrEqual(now.getTime() + 1000);
      expect(retryAt).toBeLessThanOrEqual(now.getTime() + 2000);
    });

    it('kills the job when the last attempt fails', () => {
      const update = outcomeToUpdate(runningJob({ attempt: 3, maxAttempts: 3 }), WORKER, { kind: 'threw', error: new Error('still down') }, backoff, now);
      expect(update).toMatchObject({ kind: 'dead', id: 'job-1', attempt: 3, workerId: WORKER, at: now });
      expect(update).not.toHaveProperty('retryAt');
      expect(update?.kind === 'dead' && update.error.message).toBe('still down');
    });

    it('kills the job when the attempt count already passed the maximum', () => {
      const update = outcomeToUpdate(runningJob({ attempt: 4, maxAttempts: 3 }), WORKER, { kind: 'threw', error: new Error('x') }, backoff, now);
      expect(update?.kind).toBe('dead');
    });

    it.each([
      ['a PermanentJobError', new PermanentJobError('user 42 no longer exists'), 'user 42 no longer exists'],
      ['discard(reason), recording the reason', discard('customer deleted'), 'Discarded: customer deleted'],
    ])('kills the job at once on %s, attempts left or not', (_label, error, message) => {
      const update = outcomeToUpdate(runningJob({ attempt: 1, maxAttempts: 5 }), WORKER, { kind: 'threw', error }, backoff, now);
      expect(update).toEqual({
        kind: 'dead',
        id: 'job-1',
        attempt: 1,
        workerId: WORKER,
        at: now,
        error: { attempt: 1, message, stack: error.stack, at: now },
      });
    });

    it('snoozes until now + delay without an error, even on the last attempt', () => {
      const update = outcomeToUpdate(runningJob({ attempt: 3, maxAttempts: 3 }), WORKER, { kind: 'threw', error: snooze(30_000) }, backoff, now);
      expect(update).toEqual({ kind: 'snoozed', id: 'job-1', attempt: 3, workerId: WORKER, at: now, runAt: inMs(30_000) });
    });

    it('snoozes with no delay until now', () => {
      const update = outcomeToUpdate(runningJob(), WORKER, { kind: 'threw', error: snooze(0) }, backoff, now);
      expect(update).toMatchObject({ kind: 'snoozed', runAt: now });
    });

    it('records a thrown non-Error and still retries', () => {
      const update = outcomeToUpdate(runningJob(), WORKER, { kind: 'threw', error: 'plain string' }, backoff, now);
      expect(update).toMatchObject({ kind: 'failed', error: { attempt: 1, message: 'Non-error thrown: plain string', stack: null, at: now } });
    });
  });

  describe('aborted', () => {
    it('fails a timed-out attempt with the timeout in the message, to retry', () => {
      const update = outcomeToUpdate(runningJob(), WORKER, { kind: 'aborted', reason: 'timeout', timeoutMs: 30_000 }, backoff, now);
      expect(update).toMatchObject({ kind: 'failed', attempt: 1, retryAt: inMs(1000) });
      expect(update?.kind === 'failed' && update.error).toMatchObject({
        attempt: 1,
        message: 'Timed out after 30000 ms; the handler was aborted',
        at: now,
      });
    });

    it('kills a job whose last attempt timed out', () => {
      const update = outcomeToUpdate(runningJob({ attempt: 3 }), WORKER, { kind: 'aborted', reason: 'timeout', timeoutMs: 500 }, backoff, now);
      expect(update).toMatchObject({ kind: 'dead', error: { message: 'Timed out after 500 ms; the handler was aborted' } });
    });

    it('cancels a job aborted on request, recording why', () => {
      const update = outcomeToUpdate(runningJob({ attempt: 2 }), WORKER, { kind: 'aborted', reason: 'cancel', timeoutMs: 30_000 }, backoff, now);
      expect(update).toMatchObject({ kind: 'cancelled', id: 'job-1', attempt: 2, workerId: WORKER, at: now });
      expect(update?.kind === 'cancelled' && update.error).toMatchObject({
        attempt: 2,
        message: 'Cancelled while running; the handler was aborted',
        at: now,
      });
    });

    it('releases a job aborted for shutdown, even on its last attempt', () => {
      const update = outcomeToUpdate(runningJob({ attempt: 3, maxAttempts: 3 }), WORKER, { kind: 'aborted', reason: 'shutdown', timeoutMs: 30_000 }, backoff, now);
      expect(update).toEqual({ kind: 'released', id: 'job-1', attempt: 3, workerId: WORKER, at: now });
    });

    it('records nothing when the lease was lost', () => {
      expect(outcomeToUpdate(runningJob(), WORKER, { kind: 'aborted', reason: 'lease-lost', timeoutMs: 30_000 }, backoff, now)).toBeNull();
    });
  });
});

describe('attemptError', () => {
  it('keeps an Error message and stack', () => {
    const error = new TypeError('bad thing');
    expect(attemptError({ attempt: 2 }, error, now)).toEqual({ attempt: 2, message: 'bad thing', stack: error.stack, at: now });
  });

  it('falls back to the error name when the message is empty', () => {
    expect(attemptError({ attempt: 1 }, new RangeError(''), now).message).toBe('RangeError');
  });

  it('records a missing stack as null', () => {
    const error = new Error('no stack');
    error.stack = undefined;
    expect(attemptError({ attempt: 1 }, error, now).stack).toBeNull();
  });

  it.each([
    ['a string', 'boom', 'Non-error thrown: boom'],
    ['an object', { code: 'E42' }, 'Non-error thrown: {"code":"E42"}'],
    ['a number', 7, 'Non-error thrown: 7'],
    ['undefined', undefined, 'Non-error thrown: undefined'],
    ['null', null, 'Non-error thrown: null'],
    ['a BigInt', 10n, 'Non-error thrown: 10'],
  ])('describes %s thrown', (_label, thrown, message) => {
    expect(attemptError({ attempt: 3 }, thrown, now)).toEqual({ attempt: 3, message, stack: null, at: now });
  });

  it('describes a circular object without throwing', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(attemptError({ attempt: 1 }, circular, now).message).toBe('Non-error thrown: [object Object]');
  });
});

describe('JobSnooze from another copy of the package', () => {
  it('is recognised by its brand, so the job snoozes', () => {
    const foreign = Object.assign(new Error('Snoozed for 5000 ms'), { delayMs: 5000, [Symbol.for('conveyor.JobSnooze')]: true });
    expect(outcomeToUpdate(runningJob(), WORKER, { kind: 'threw', error: foreign }, backoff, now)).toMatchObject({ kind: 'snoozed', runAt: inMs(5000) });
  });
});

describe('PermanentJobError from another copy of the package', () => {
  it('is recognised by its brand, so the job dies at once', () => {
    const foreign = Object.assign(new Error('gone'), { [Symbol.for('conveyor.PermanentJobError')]: true });
    expect(foreign instanceof PermanentJobError).toBe(true);
    expect(new Error('plain') instanceof PermanentJobError).toBe(false);
    expect(outcomeToUpdate(runningJob(), WORKER, { kind: 'threw', error: foreign }, backoff, now)?.kind).toBe('dead');
  });
});
