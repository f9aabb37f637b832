import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConveyorConfigError, ConveyorValidationError } from '../errors.js';
import { defineTask } from '../task.js';
import { buildJobInsert } from './enqueue.js';

const now = new Date('2026-01-01T12:00:00Z');
const WHERE = 'enqueue("email.send") options';

const sendEmail = defineTask({
  name: 'email.send',
  queue: 'mail',
  input: z.object({ to: z.string().email(), subject: z.string() }),
  run: () => ({ sent: true }),
  retry: { maxAttempts: 4 },
  priority: 2,
});

const syncUser = defineTask({
  name: 'users.sync',
  input: z.object({ userId: z.string(), at: z.coerce.date() }),
  run: () => null,
  dedup: { key: (input) => `user:${input.userId}` },
});

const anything = defineTask({ name: 'any.thing', input: z.unknown(), run: () => null });

const email = { to: 'a@example.com', subject: 'Hi' };

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected buildJobInsert to reject, but it resolved');
    },
    (error: unknown) => error,
  );
}

async function configError(promise: Promise<unknown>): Promise<ConveyorConfigError> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(ConveyorConfigError);
  return error as ConveyorConfigError;
}

async function validationError(promise: Promise<unknown>): Promise<ConveyorValidationError> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(ConveyorValidationError);
  return error as ConveyorValidationError;
}

describe('buildJobInsert', () => {
  it('takes queue, priority and maxAttempts from the task, and runs now', async () => {
    expect(await buildJobInsert(sendEmail, email, {}, now)).toEqual({
      task: 'email.send',
      queue: 'mail',
      input: email,
      priority: 2,
      runAt: now,
      maxAttempts: 4,
      dedupKey: null,
      concurrencyKey: null,
      traceContext: null,
    });
  });

  it('stores the input as given, not as the schema transforms it', async () => {
    const input = { userId: 'u1', at: '2026-01-01T00:00:00Z' };
    const insert = await buildJobInsert(syncUser, input, {}, now);
    expect(insert.input).toBe(input);
  });

  it('lets options override priority and maxAttempts', async () => {
    const insert = await buildJobInsert(sendEmail, email, { priority: -5, maxAttempts: 1 }, now);
    expect(insert).toMatchObject({ priority: -5, maxAttempts: 1 });
  });

  describe('runAt', () => {
    it('is now plus delayMs', async () => {
      expect((await buildJobInsert(sendEmail, email, { delayMs: 60_000 }, now)).runAt).toEqual(new Date('2026-01-01T12:01:00Z'));
      expect((await buildJobInsert(sendEmail, email, { delayMs: 0 }, now)).runAt).toEqual(now);
    });

    it('is the runAt given, past or future', async () => {
      const future = new Date('2030-01-01T09:00:00Z');
      const past = new Date('2020-01-01T09:00:00Z');
      expect((await buildJobInsert(sendEmail, email, { runAt: future }, now)).runAt).toEqual(future);
      expect((await buildJobInsert(sendEmail, email, { runAt: past }, now)).runAt).toEqual(past);
    });

    it('refuses delayMs and runAt together', async () => {
      const error = await configError(buildJobInsert(sendEmail, email, { delayMs: 1000, runAt: new Date('2030-01-01T00:00:00Z') }, now));
      expect(error.setting).toBe(WHERE);
      expect(error.message).toBe(`${WHERE}: sets both delayMs and runAt; give one. Example of a valid value: { delayMs: 60000 }`);
    });

    it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects delayMs %s', async (delayMs) => {
      const error = await configError(buildJobInsert(sendEmail, email, { delayMs }, now));
      expect(error.setting).toBe(`${WHERE}.delayMs`);
      expect(error.message).toBe(`${WHERE}.delayMs: must be an integer ≥ 0 of milliseconds that yields a valid date, got ${String(delayMs)}. Example of a valid value: 60000`);
    });

    it('rejects a delayMs that puts runAt past the last representable Date', async () => {
      // Number.isInteger(MAX_SAFE_INTEGER) is true, but now + MAX_SAFE_INTEGER is an Invalid Date.
      const result = await buildJobInsert(sendEmail, email, { delayMs: Number.MAX_SAFE_INTEGER }, now).then(
        (insert) => insert.runAt,
        (error: unknown) => error,
      );
      expect(result).toBeInstanceOf(ConveyorConfigError);
    });

    it.each([
      ['an Invalid Date', new Date('not a date'), 'Invalid Date'],
      ['a string', '2030-01-01', '2030-01-01'],
      ['a timestamp', 1_893_456_000_000, '1893456000000'],
    ])('rejects %s as runAt', async (_label, runAt, shown) => {
      const error = await configError(buildJobInsert(sendEmail, email, { runAt: runAt as Date }, now));
      expect(error.setting).toBe(`${WHERE}.runAt`);
      expect(error.message).toBe(`${WHERE}.runAt: must be a valid Date, got ${shown}. Example of a valid value: new Date('2030-01-01T09:00:00Z')`);
    });
  });

  it.each([0.5, Number.NaN, 2 ** 31])('rejects priority %s', async (priority) => {
    const error = await configError(buildJobInsert(sendEmail, email, { priority }, now));
    expect(error.setting).toBe(`${WHERE}.priority`);
    expect(error.message).toBe(`${WHERE}.priority: must be an integer from -2147483648 to 2147483647, got ${String(priority)}. Example of a valid value: 10`);
  });

  it.each([0, 1001, 2.5])('rejects maxAttempts %s', async (maxAttempts) => {
    const error = await configError(buildJobInsert(sendEmail, email, { maxAttempts }, now));
    expect(error.setting).toBe(`${WHERE}.maxAttempts`);
    expect(error.message).toBe(`${WHERE}.maxAttempts: must be an integer from 1 to 1000, got ${maxAttempts}. Example of a valid value: 5`);
  });

  describe('concurrencyKey', () => {
    const perTenant = defineTask({ name: 'tenant.sync', input: z.object({ tenantId: z.string() }), run: () => null, concurrencyKey: (input) => input.tenantId });

    it("comes from the task's concurrencyKey, given the input as enqueued", async () => {
      expect((await buildJobInsert(perTenant, { tenantId: 't42' }, {}, now)).concurrencyKey).toBe('t42');
    });

    it.each([
      ['an empty string', '', '""'],
      ['513 characters', 'k'.repeat(513), JSON.stringify('k'.repeat(513))],
      ['a NUL character', 'a\u0000b', '"a\\u0000b"'],
    ])('rejects %s, naming the task option', async (_label, tenantId, shown) => {
      const error = await configError(buildJobInsert(perTenant, { tenantId }, {}, now));
      expect(error.message).toBe(
        `defineTask("tenant.sync").concurrencyKey(input): must be a string of 1 to 512 characters without NUL (\\u0000) or unpaired surrogates, got ${shown}. Example of a valid value: "tenant:42"`,
      );
    });
  });

  describe('dedupKey', () => {
    it("comes from the task's dedup.key, given the input as enqueued", async () => {
      const insert = await buildJobInsert(syncUser, { userId: 'u7', at: '2026-01-01' }, {}, now);
      expect(insert.dedupKey).toBe('user:u7');
    });

    it('is overridden by options.dedupKey', async () => {
      const insert = await buildJobInsert(syncUser, { userId: 'u7', at: '2026-01-01' }, { dedupKey: 'manual:1' }, now);
      expect(insert.dedupKey).toBe('manual:1');
    });

    it('is taken from options on a task without dedup', async () => {
      expect((await buildJobInsert(sendEmail, email, { dedupKey: 'x'.repeat(512) }, now)).dedupKey).toHaveLength(512);
    });

    it.each([
      ['an empty string', '', '""'],
      ['513 characters', 'k'.repeat(513), JSON.stringify('k'.repeat(513))],
      ['a number', 42, '42'],
      ['a NUL character, which PostgreSQL text cannot hold', 'a\u0000b', '"a\\u0000b"'],
      ['an unpaired surrogate', 'a\ud800', '"a\\ud800"'],
    ])('rejects %s', async (_label, dedupKey, shown) => {
      const error = await configError(buildJobInsert(sendEmail, email, { dedupKey: dedupKey as string }, now));
      expect(error.setting).toBe(`${WHERE}.dedupKey`);
      expect(error.message).toBe(`${WHERE}.dedupKey: must be a string of 1 to 512 characters without NUL (\\u0000) or unpaired surrogates, got ${shown}. Example of a valid value: "trace:4711"`);
    });

    it("names the task's dedup.key, not an option, when the key it derives is bad", async () => {
      const blankKey = defineTask({ name: 'blank.key', input: z.object({ id: z.string() }), run: () => null, dedup: { key: (input) => input.id } });
      const error = await configError(buildJobInsert(blankKey, { id: '' }, {}, now));
      // No dedupKey option was passed, so "options.dedupKey" points the reader to the wrong place.
      expect(error.setting).toMatch(/dedup\.key/);
    });
  });

  describe('input', () => {
    it('is validated against the task schema, naming the bad fields', async () => {
      const error = await validationError(buildJobInsert(sendEmail, { to: 'not-an-email', subject: 7 }, {}, now));
      expect(error.task).toBe('email.send');
      expect(error.issues.map((issue) => issue.path).sort()).toEqual(['subject', 'to']);
      expect(error.message).toMatch(/^Invalid input for task "email\.send": /);
    });

    it('is validated before the options are looked at', async () => {
      await validationError(buildJobInsert(sendEmail, { to: 'x' }, { priority: 0.5 }, now));
    });

    it('must be JSON-serializable, even when the schema accepts it', async () => {
      const error = await validationError(buildJobInsert(anything, { total: 10n }, {}, now));
      expect(error.task).toBe('any.thing');
      expect(error.issues).toHaveLength(1);
      expect(error.issues[0]?.path).toBe('');
      expect(error.issues[0]?.message).toMatch(/^is not JSON-serializable \(.*BigInt.*\)$/);
      expect(error.message).toMatch(/^Invalid input for task "any\.thing": \(input\): is not JSON-serializable/);
    });

    it('must not be undefined, which JSON cannot hold', async () => {
      const error = await validationError(buildJobInsert(anything, undefined, {}, now));
      expect(error.issues[0]?.message).toBe('is not JSON-serializable (nothing to serialize)');
    });
  });
});
