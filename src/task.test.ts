import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConveyorConfigError } from './errors.js';
import { DEFAULT_RETRY_POLICY } from './retry.js';
import { type TaskOptions, defineTask } from './task.js';
import { configError } from './testing/thrown.js';

const input = z.object({ to: z.string() });
const run = async () => ({ sent: true });


/** defineTask with options a caller could only pass by going around the types (from JS, or `as any`). */
function defineLoosely(options: Record<string, unknown>) {
  return defineTask({ name: 'email.send', input, run, ...options } as unknown as TaskOptions<typeof input, unknown>);
}

describe('defineTask', () => {
  it('applies the defaults', () => {
    const task = defineTask({ name: 'email.send', input, run });
    expect(task).toEqual({
      name: 'email.send',
      queue: 'default',
      input,
      run,
      retry: DEFAULT_RETRY_POLICY,
      timeoutMs: 600_000,
      dedup: null,
      priority: 0,
      concurrencyKey: null,
      dependencies: [],
      whileDependencyDown: 'wait',
    });
  });

  it('keeps the options given', () => {
    const dedup = { key: (value: { to: string }) => value.to };
    const task = defineTask({
      name: 'reports:export.v2_x-y',
      queue: 'reports',
      input,
      run,
      retry: { maxAttempts: 2, backoff: { initialMs: 50 } },
      timeoutMs: 30_000,
      dedup,
      priority: -3,
      concurrencyKey: ({ to }) => to,
    });
    expect(task.queue).toBe('reports');
    expect(task.retry).toEqual({ maxAttempts: 2, backoff: { ...DEFAULT_RETRY_POLICY.backoff, initialMs: 50 } });
    expect(task.timeoutMs).toBe(30_000);
    expect(task.dedup).toBe(dedup);
    expect(task.priority).toBe(-3);
    expect(task.concurrencyKey?.({ to: 'a@x.io' })).toBe('a@x.io');
  });

  it('refuses a concurrencyKey that is not a function', () => {
    expect(() => defineTask({ name: 'email.send', input, run, concurrencyKey: 'tenantId' as never })).toThrow(
      'defineTask("email.send").concurrencyKey: is not a function. Example of a valid value: (input) => input.tenantId',
    );
  });

  it('returns a frozen task', () => {
    const task = defineTask({ name: 'email.send', input, run });
    expect(Object.isFrozen(task)).toBe(true);
    expect(() => {
      (task as { queue: string }).queue = 'other';
    }).toThrow(TypeError);
    expect(task.queue).toBe('default');
  });

  it('accepts a 128-character name and refuses 129', () => {
    expect(defineTask({ name: `a${'b'.repeat(127)}`, input, run }).name).toHaveLength(128);
    const long = `a${'b'.repeat(128)}`;
    expect(configError(() => defineTask({ name: long, input, run })).setting).toBe(`defineTask(${JSON.stringify(long)}).name`);
  });

  it.each(['', '.hidden', '-flag', 'has space', 'slash/name', 'émoji'])('rejects the name %j, showing the rule and an example', (name) => {
    const error = configError(() => defineTask({ name, input, run }));
    expect(error.setting).toBe(`defineTask(${JSON.stringify(name)}).name`);
    expect(error.message).toBe(
      `defineTask(${JSON.stringify(name)}).name: must be 1–128 letters, digits, ".", "_", "-" or ":" starting with a letter or digit, ` +
        `got ${JSON.stringify(name)}. Example of a valid value: "reports.export"`,
    );
  });

  it('rejects a name that is not a string', () => {
    const error = configError(() => defineLoosely({ name: 42 }));
    expect(error.setting).toBe('defineTask(42).name');
    expect(error.message).toContain('got 42');
  });

  it.each(['', 'two words', '_private'])('rejects the queue %j, naming defineTask("email.send").queue', (queue) => {
    const error = configError(() => defineTask({ name: 'email.send', queue, input, run }));
    expect(error.setting).toBe('defineTask("email.send").queue');
    expect(error.message).toContain(`got ${JSON.stringify(queue)}`);
    expect(error.message).toContain('Example of a valid value: "reports.export"');
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects timeoutMs %s', (timeoutMs) => {
    const error = configError(() => defineTask({ name: 'email.send', input, run, timeoutMs }));
    expect(error.setting).toBe('defineTask("email.send").timeoutMs');
    expect(error.message).toBe(
      `defineTask("email.send").timeoutMs: must be an integer of milliseconds from 1 to 2147483647 (about 24.8 days), got ${String(timeoutMs)}. Example of a valid value: 30000`,
    );
  });

  it('rejects a timeoutMs longer than a timer can wait', () => {
    // Node fires a setTimeout longer than 2^31−1 ms after 1 ms, so such a task would time out at once.
    expect(() => defineTask({ name: 'email.send', input, run, timeoutMs: 2 ** 31 })).toThrow(ConveyorConfigError);
  });

  it.each([0.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, -(2 ** 31) - 1])('rejects priority %s', (priority) => {
    const error = configError(() => defineTask({ name: 'email.send', input, run, priority }));
    expect(error.setting).toBe('defineTask("email.send").priority');
    expect(error.message).toBe(`defineTask("email.send").priority: must be an integer from -2147483648 to 2147483647, got ${String(priority)}. Example of a valid value: 10`);
  });

  it.each([
    ['undefined', undefined],
    ['a plain object', { parse: () => ({}) }],
    ['a string', 'z.object({})'],
  ])('rejects %s as input, asking for a Standard Schema', (_label, schema) => {
    const error = configError(() => defineLoosely({ input: schema }));
    expect(error.setting).toBe('defineTask("email.send").input');
    expect(error.message).toBe(
      'defineTask("email.send").input: is not a schema implementing Standard Schema. Example of a valid value: z.object({ userId: z.string() })',
    );
  });

  it('rejects null as input with a ConveyorConfigError, not a TypeError', () => {
    const error = configError(() => defineLoosely({ input: null }));
    expect(error.setting).toBe('defineTask("email.send").input');
  });

  it.each([undefined, 'handler', { run }])('rejects run = %j, which is not a function', (notAFunction) => {
    const error = configError(() => defineLoosely({ run: notAFunction }));
    expect(error.setting).toBe('defineTask("email.send").run');
    expect(error.message).toBe('defineTask("email.send").run: is not a function. Example of a valid value: async (input, ctx) => ({ done: true })');
  });

  it('names the retry setting under the task', () => {
    const error = configError(() => defineTask({ name: 'email.send', input, run, retry: { backoff: { factor: 0 } } }));
    expect(error.setting).toBe('defineTask("email.send").retry.backoff.factor');
    expect(configError(() => defineTask({ name: 'email.send', input, run, retry: { maxAttempts: 0 } })).setting).toBe(
      'defineTask("email.send").retry.maxAttempts',
    );
  });
});
