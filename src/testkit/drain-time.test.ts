/** What the test clock makes due: cron schedules, durable sleeps; and flows settling within one drain. */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { chain, flowStep } from '../client/flows.js';
import { defineSchedule } from '../schedule/define-schedule.js';
import { defineTask } from '../task.js';
import { createTestConveyor, type TestConveyor } from './index.js';

let t: TestConveyor | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

describe('drain with the test clock', () => {
  it('fires a cron schedule once the clock passes its tick, and not before', async () => {
    const report = defineTask({ name: 'reports.nightly', input: z.object({ kind: z.string() }), run: ({ kind }) => `report ${kind}` });
    const nightly = defineSchedule({ name: 'reports.nightly', task: report, cron: '0 3 * * *', input: { kind: 'daily' } });
    t = await createTestConveyor({ tasks: [report], schedules: [nightly], now: new Date('2026-03-02T02:58:00Z') });
    expect(await t.drain()).toEqual([]);
    t.clock.advance('1m');
    expect(await t.drain()).toEqual([]);
    t.clock.advance('1m');
    const outcomes = await t.drain();
    expect(outcomes.map((o) => [o.job.task, o.state, o.result])).toEqual([['reports.nightly', 'succeeded', 'report daily']]);
    expect(await t.drain()).toEqual([]);
  });

  it('completes a durable ctx.sleep once the clock has moved past it', async () => {
    const reached: string[] = [];
    const followUp = defineTask({
      name: 'onboarding.follow-up',
      input: z.object({ user: z.string() }),
      run: async ({ user }, ctx) => {
        reached.push('before');
        await ctx.sleep('wait-a-day', 86_400_000);
        reached.push('after');
        return `followed up with ${user}`;
      },
    });
    t = await createTestConveyor({ tasks: [followUp], now: new Date('2026-03-02T09:00:00Z') });
    await t.conveyor.enqueue(followUp, { user: 'ada' });
    const [slept] = await t.drain();
    expect(slept?.state).toBe('scheduled');
    expect(slept?.job.runAt).toEqual(new Date('2026-03-03T09:00:00Z'));
    t.clock.advance('23h');
    expect(await t.drain()).toEqual([]);
    t.clock.advance('1h');
    const [woke] = await t.drain();
    expect([woke?.state, woke?.result]).toEqual(['succeeded', 'followed up with ada']);
    expect(reached).toEqual(['before', 'before', 'after']);
  });

  it('runs a flow through in one drain: children first, then the parent that was waiting for them', async () => {
    const part = defineTask({ name: 'export.part', input: z.object({ month: z.number() }), run: ({ month }) => ({ rows: month * 10 }) });
    const zip = defineTask({ name: 'export.zip', input: z.object({}), run: (_input, ctx) => ctx.children.map((child) => child.result) });
    const notify = defineTask({ name: 'export.notify', input: z.object({}), run: () => 'sent' });
    t = await createTestConveyor({ tasks: [part, zip, notify], now: new Date('2026-03-02T09:00:00Z') });
    const flow = await t.conveyor.flows.enqueue(chain(flowStep(zip, {}, { children: [flowStep(part, { month: 1 }), flowStep(part, { month: 2 })] }), flowStep(notify, {})));
    const outcomes = await t.drain();
    expect(outcomes.map((o) => [o.job.task, o.state])).toEqual([
      ['export.part', 'succeeded'],
      ['export.part', 'succeeded'],
      ['export.zip', 'succeeded'],
      ['export.notify', 'succeeded'],
    ]);
    expect(outcomes[2]?.result).toEqual([{ rows: 10 }, { rows: 20 }]);
    expect((await t.conveyor.getJob(flow.id))?.state).toBe('succeeded');
  });
});
