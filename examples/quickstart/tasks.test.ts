/**
 * Unit tests of the quick start's tasks with `conveyor/testing`: no worker, no database file, no
 * waiting. What a user's own task tests look like (the README's "Testing your tasks" points here).
 */
import { ConveyorValidationError } from 'conveyor';
import { createTestConveyor, type TestConveyor } from 'conveyor/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { approvedExport, exportApproved, exportReport, Mailer, sendWelcomeEmail, tasks } from './tasks.js';

let t: TestConveyor | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

describe('quick start tasks', () => {
  it('report.export fails its first attempt, and its retry after the backoff writes the CSV', async () => {
    t = await createTestConveyor({ tasks });
    await t.conveyor.enqueue(exportReport, { from: '2026-01-01', to: '2026-03-31', groupBy: 'month' });
    const [first] = await t.drain();
    expect(first?.state).toBe('failed');
    expect((first?.error as Error).message).toMatch(/warehouse query timed out/);
    t.clock.advance('500ms');
    const [retry] = await t.drain();
    expect([retry?.state, retry?.result]).toEqual(['succeeded', { artifact: 'report.csv', rows: 3, bytes: expect.any(Number) }]);
  });

  it('report.export refuses a range that ends before it starts, naming the field', async () => {
    t = await createTestConveyor({ tasks });
    const error = await t.conveyor.enqueue(exportReport, { from: '2026-02-01', to: '2026-01-01', groupBy: 'day' }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ConveyorValidationError);
    expect((error as ConveyorValidationError).issues.map((issue) => issue.path)).toEqual(['to']);
    await expect(t.expectEnqueued(exportReport)).rejects.toThrow('no unfinished "report.export" job');
  });

  it('report.approved-export sleeps, waits for its approval, then writes the export', async () => {
    t = await createTestConveyor({ tasks });
    await t.conveyor.enqueue(approvedExport, { exportId: 'exp-7', year: 2025 });
    expect((await t.drain()).map((outcome) => outcome.state)).toEqual(['scheduled']);
    t.clock.advance('3s');
    expect((await t.drain()).map((outcome) => outcome.state)).toEqual(['scheduled']);
    await t.expectEnqueued(approvedExport, { exportId: 'exp-7' });
    await t.conveyor.sendEvent(exportApproved, { exportId: 'exp-7', by: 'ada' });
    const [done] = await t.drain();
    expect([done?.state, done?.result]).toEqual(['succeeded', { artifact: 'export-2025.csv', months: 12, approvedBy: 'ada' }]);
  });

  it('email.welcome sends through the mailer resource', async () => {
    t = await createTestConveyor({ tasks });
    const result = await t.runTask(sendWelcomeEmail, { to: 'ada@example.com', name: 'Ada' }, { resources: { mailer: new Mailer() } });
    expect(result.messageId).toMatch(/^<1\.\d+@mail\.example> to ada@example\.com: Welcome aboard, Ada!$/);
  });
});
