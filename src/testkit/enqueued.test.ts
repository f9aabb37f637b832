/** `expectEnqueued` and `enqueued`: what a test asserts about jobs its code enqueued. */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTask } from '../task.js';
import { createTestConveyor, TestClock, type TestConveyor } from './index.js';

let t: TestConveyor | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

const sendEmail = defineTask({ name: 'email.send', input: z.object({ to: z.string(), template: z.string(), vars: z.record(z.string(), z.unknown()).optional() }), run: () => 'sent' });
/** Signs a user up and enqueues their welcome email (reaching the test's Conveyor as an app reaches its own). */
const signUp = defineTask({
  name: 'user.sign-up',
  input: z.object({ email: z.string() }),
  run: async ({ email }) => {
    await t!.conveyor.enqueue(sendEmail, { to: email, template: 'welcome', vars: { plan: 'free', lang: 'en' } });
  },
});

describe('expectEnqueued', () => {
  it('finds an unfinished job whose input contains the matcher, deep and partially, or satisfies a predicate', async () => {
    t = await createTestConveyor({ tasks: [sendEmail] });
    const { job } = await t.conveyor.enqueue(sendEmail, { to: 'ada@example.com', template: 'welcome', vars: { plan: 'pro', lang: 'en' } });
    expect((await t.expectEnqueued(sendEmail)).id).toBe(job.id);
    expect((await t.expectEnqueued(sendEmail, { to: 'ada@example.com', vars: { plan: 'pro' } })).id).toBe(job.id);
    expect((await t.expectEnqueued(sendEmail, (input) => input.to.endsWith('@example.com'))).id).toBe(job.id);
  });

  it('fails with a message that lists what is enqueued for the task', async () => {
    t = await createTestConveyor({ tasks: [sendEmail] });
    const { job } = await t.conveyor.enqueue(sendEmail, { to: 'ada@example.com', template: 'welcome' });
    const error = await t.expectEnqueued(sendEmail, { to: 'grace@example.com' }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(
      'expectEnqueued: no unfinished "email.send" job with input matching {"to":"grace@example.com"}. Of that task, 1 is:\n' +
        `  - ${job.id} (queued, run at ${job.runAt.toISOString()}): {"to":"ada@example.com","template":"welcome"}`,
    );
  });

  it('says when nothing of the task is enqueued, and does not count finished jobs', async () => {
    t = await createTestConveyor({ tasks: [sendEmail] });
    await t.conveyor.enqueue(sendEmail, { to: 'ada@example.com', template: 'welcome' });
    await t.drain();
    await expect(t.expectEnqueued(sendEmail)).rejects.toThrow('expectEnqueued: no unfinished "email.send" job. Of that task, none is');
  });

  it('sees jobs a handler enqueued during a drain; enqueued() lists them by task, oldest first', async () => {
    // Only sign-up is under test: drain runs its jobs and leaves the emails they enqueue queued.
    t = await createTestConveyor({ tasks: [signUp] });
    await t.conveyor.enqueue(signUp, { email: 'ada@example.com' });
    await t.conveyor.enqueue(signUp, { email: 'alan@example.com' });
    expect((await t.drain()).map((outcome) => outcome.state)).toEqual(['succeeded', 'succeeded']);
    await t.expectEnqueued(sendEmail, { to: 'alan@example.com', vars: { plan: 'free' } });
    expect((await t.enqueued(sendEmail)).map((job) => job.input.to)).toEqual(['ada@example.com', 'alan@example.com']);
    expect((await t.enqueued()).map((job) => job.task)).toEqual(['email.send', 'email.send']);
  });
});

describe('TestClock', () => {
  it('advances by milliseconds or durations and can be set', () => {
    const clock = new TestClock(new Date('2026-03-02T09:00:00Z'));
    expect(clock.advance(500)).toEqual(new Date('2026-03-02T09:00:00.500Z'));
    expect(clock.advance('30s')).toEqual(new Date('2026-03-02T09:00:30.500Z'));
    expect(clock.advance('1.5h')).toEqual(new Date('2026-03-02T10:30:30.500Z'));
    expect(clock.set(new Date('2027-01-01T00:00:00Z'))).toEqual(new Date('2027-01-01T00:00:00Z'));
    expect(clock.now()).toEqual(new Date('2027-01-01T00:00:00Z'));
  });

  it('refuses a duration it cannot read, saying what a right one looks like', () => {
    expect(() => new TestClock().advance('5 minutes' as never)).toThrow(/clock\.advance\(by\).*'30s', '5m', '2h', '1d', got "5 minutes"/);
    expect(() => new TestClock().advance(-1)).toThrow(/clock\.advance\(by\)/);
  });
});
