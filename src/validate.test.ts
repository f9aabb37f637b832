import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConveyorValidationError } from './errors.js';
import { type InputSchema, defineTask } from './task.js';
import { parseTaskInput } from './validate.js';

function taskWith(input: InputSchema, name = 'reports.export') {
  return defineTask({ name, input, run: () => null });
}

async function validationError(promise: Promise<unknown>): Promise<ConveyorValidationError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a ConveyorValidationError, but the input was accepted');
    },
    (rejection: unknown) => rejection,
  );
  expect(error).toBeInstanceOf(ConveyorValidationError);
  return error as ConveyorValidationError;
}

const report = z.object({
  range: z.object({ start: z.coerce.date(), end: z.coerce.date() }),
  items: z.array(z.object({ sku: z.string(), qty: z.number().int().positive() })),
});

describe('parseTaskInput', () => {
  it('returns the parsed value, transforms applied', async () => {
    const parsed = await parseTaskInput(taskWith(report), {
      range: { start: '2024-01-01T00:00:00Z', end: '2024-02-01T00:00:00Z' },
      items: [{ sku: 'A-1', qty: 2 }],
    });
    expect(parsed).toEqual({
      range: { start: new Date('2024-01-01T00:00:00Z'), end: new Date('2024-02-01T00:00:00Z') },
      items: [{ sku: 'A-1', qty: 2 }],
    });
    expect((parsed as { range: { start: unknown } }).range.start).toBeInstanceOf(Date);
  });

  it('drops keys the schema strips and applies defaults', async () => {
    const schema = z.object({ to: z.string().trim(), retries: z.number().default(3) });
    expect(await parseTaskInput(taskWith(schema), { to: '  a@b.c ', extra: true })).toEqual({ to: 'a@b.c', retries: 3 });
  });

  it('names every bad nested field by its dotted path', async () => {
    const error = await validationError(
      parseTaskInput(taskWith(report), {
        range: { start: '2024-01-01', end: 'not a date' },
        items: [{ sku: 'A-1', qty: 1 }, { sku: 'B-2', qty: 0 }],
      }),
    );
    expect(error.task).toBe('reports.export');
    expect(error.issues.map((issue) => issue.path)).toEqual(['range.end', 'items.1.qty']);
    for (const issue of error.issues) expect(issue.message.length).toBeGreaterThan(0);
    expect(error.message).toMatch(/^Invalid input for task "reports\.export": /);
    expect(error.message).toContain(`range.end: ${error.issues[0]?.message}`);
    expect(error.message).toContain(`items.1.qty: ${error.issues[1]?.message}`);
  });

  it('keeps the message of a custom refinement', async () => {
    const schema = z
      .object({ from: z.string(), to: z.string() })
      .refine((value) => value.from < value.to, { message: 'must be after from', path: ['to'] });
    const error = await validationError(parseTaskInput(taskWith(schema), { from: '2024-02-01', to: '2024-01-01' }));
    expect(error.issues).toEqual([{ path: 'to', message: 'must be after from' }]);
    expect(error.message).toBe('Invalid input for task "reports.export": to: must be after from');
  });

  it('calls the value itself "(input)" when it is the whole input that is wrong', async () => {
    const error = await validationError(parseTaskInput(taskWith(z.string()), 42));
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]?.path).toBe('');
    expect(error.message).toMatch(/^Invalid input for task "reports\.export": \(input\): /);
  });

  it('waits for async refinements, accepting and rejecting', async () => {
    const schema = z.object({
      userId: z.string().refine(async (id) => {
        await new Promise((resolve) => setImmediate(resolve));
        return id !== 'ghost';
      }, 'no such user'),
    });
    const task = taskWith(schema, 'users.sync');
    expect(await parseTaskInput(task, { userId: 'u1' })).toEqual({ userId: 'u1' });
    const error = await validationError(parseTaskInput(task, { userId: 'ghost' }));
    expect(error.issues).toEqual([{ path: 'userId', message: 'no such user' }]);
    expect(error.message).toBe('Invalid input for task "users.sync": userId: no such user');
  });

  it('joins path segments given as { key } objects, as Standard Schema allows', async () => {
    const schema: InputSchema = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: () => ({ issues: [{ message: 'is required', path: [{ key: 'a' }, 0, { key: 'b' }] }] }),
      },
    };
    const error = await validationError(parseTaskInput(taskWith(schema), {}));
    expect(error.issues).toEqual([{ path: 'a.0.b', message: 'is required' }]);
  });
});
