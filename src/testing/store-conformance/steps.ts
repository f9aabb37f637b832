/**
 * Durable steps in the store (`store.steps`): fenced writes, the order they are listed in, waits
 * resolved by events sent before or after them (and only by those they match), the safety net that
 * queues a job whose event came while it was still running, and pruning.
 */
import { expect } from 'vitest';
import type { Job } from '../../job.js';
import { jobSnoozed } from '../../store/state-updates.js';
import type { StepRecord, Store } from '../../store/store.js';
import type { SuiteSection } from './context.js';
import { allEvents } from './events.js';
import { applyUpdate, at, attemptRef, claimJob, finishClaimed, getJob, insertJob, t0, WORKER_A, WORKER_B } from './helpers.js';

function runStep(job: Job, name: string, overrides: Partial<StepRecord> = {}): StepRecord {
  return { jobId: job.id, name, kind: 'run', status: 'succeeded', attempt: job.attempt, output: '{"value":1}', error: null, startedAt: at(2), finishedAt: at(3), until: null, event: null, match: null, ...overrides };
}

function waitStep(job: Job, name: string, event: string, match: Record<string, unknown> | null, overrides: Partial<StepRecord> = {}): StepRecord {
  return runStep(job, name, { kind: 'wait', status: 'waiting', output: null, finishedAt: null, until: at(3600), event, match: match === null ? null : JSON.stringify(match), ...overrides });
}

async function runningJob(store: Store, task = 'conformance.steps'): Promise<Job> {
  return claimJob(store, await insertJob(store, { task }));
}

/** The job leaves its worker as a waiting job does: snoozed until its wait's deadline. */
async function snoozeUntil(store: Store, job: Job, until: Date): Promise<void> {
  expect(await applyUpdate(store, jobSnoozed(attemptRef(job), at(4), until))).toBe(true);
}

export const stepTests: SuiteSection = (suite) => {
  suite.group('steps', { migrate: true }, (group) => {
    group.test('a step is saved only while its attempt holds the job, listed in start order, and logged as a step event', async ({ store, harness }) => {
      const job = await runningJob(store);
      expect(await store.steps.save({ step: runStep(job, 'b', { startedAt: at(2) }), workerId: WORKER_A, now: at(3) })).toBe(true);
      expect(await store.steps.save({ step: runStep(job, 'a', { startedAt: at(5), error: { attempt: 1, message: 'boom', stack: null, at: at(5) }, status: 'failed' }), workerId: WORKER_A, now: at(5) })).toBe(true);
      expect(await store.steps.save({ step: runStep(job, 'c'), workerId: WORKER_B, now: at(6) }), 'another worker').toBe(false);
      const listed = await (await harness.openAnother()).steps.list({ jobId: job.id });
      expect(listed).toEqual([runStep(job, 'b', { startedAt: at(2) }), runStep(job, 'a', { startedAt: at(5), error: { attempt: 1, message: 'boom', stack: null, at: at(5) }, status: 'failed' })]);
      // Saving again replaces the row.
      expect(await store.steps.save({ step: runStep(job, 'a', { startedAt: at(5), status: 'succeeded' }), workerId: WORKER_A, now: at(7) })).toBe(true);
      expect((await store.steps.list({ jobId: job.id }))[1]).toMatchObject({ name: 'a', status: 'succeeded', error: null });
      await finishClaimed(store, job, 'succeeded', at(8));
      expect(await store.steps.save({ step: runStep(job, 'late'), workerId: WORKER_A, now: at(9) }), 'after the outcome').toBe(false);
      const stepEvents = (await allEvents(store)).filter((event) => event.step !== null).map((event) => event.step);
      expect(stepEvents).toEqual([
        { name: 'b', kind: 'run', status: 'succeeded' },
        { name: 'a', kind: 'run', status: 'failed' },
        { name: 'a', kind: 'run', status: 'succeeded' },
      ]);
      expect(await store.steps.list({ jobId: 'not-an-id' })).toEqual([]);
    });

    group.test('saveMany writes the steps of many jobs in one call, each fenced by its own attempt', async ({ store }) => {
      const first = await runningJob(store, 'conformance.first');
      const second = await runningJob(store, 'conformance.second');
      const held = await store.steps.saveMany({
        saves: [
          { step: runStep(second, 's1'), workerId: WORKER_A },
          { step: runStep(first, 's1'), workerId: WORKER_B },
          { step: runStep(first, 's2'), workerId: WORKER_A },
        ],
        now: at(3),
      });
      expect(held).toEqual([true, false, true]);
      expect((await store.steps.list({ jobId: first.id })).map((step) => step.name)).toEqual(['s2']);
      expect((await store.steps.list({ jobId: second.id })).map((step) => step.name)).toEqual(['s1']);
      expect((await allEvents(store)).filter((event) => event.step !== null)).toHaveLength(2);
      expect(await store.steps.saveMany({ saves: [], now: at(4) })).toEqual([]);
    });

    group.test('steps started in the same millisecond are listed as they were first written, also after one is written again', async ({ store }) => {
      const job = await runningJob(store);
      const names = ['zeta', 'alpha', 'mid', 'beta'];
      for (const name of names) expect(await store.steps.save({ step: runStep(job, name, { startedAt: at(2) }), workerId: WORKER_A, now: at(3) })).toBe(true);
      expect(await store.steps.save({ step: runStep(job, 'alpha', { startedAt: at(2), output: '{"value":2}' }), workerId: WORKER_A, now: at(4) })).toBe(true);
      expect((await store.steps.list({ jobId: job.id })).map((step) => step.name)).toEqual(names);
    });

    group.test('saveMany keeps every value of a batch as given: quotes, backslashes, braces, commas, "NULL", newlines, nulls and errors', async ({ store }) => {
      const jobs = [await runningJob(store, 'conformance.one'), await runningJob(store, 'conformance.two'), await runningJob(store, 'conformance.three')];
      const awkward = ['{"value":"say \\"hi\\", {x}, NULL"}', '{"value":"back\\\\slash\\nline ünïcode 🚚"}', '{"value":null}'];
      const steps = [
        runStep(jobs[0]!, 'a "quoted", {braced} name', { output: awkward[0]! }),
        runStep(jobs[1]!, 'NULL', { output: awkward[1]!, until: at(9), finishedAt: null }),
        runStep(jobs[2]!, 'failed\\one', { status: 'failed', output: null, error: { attempt: 1, message: 'bad "input", {x}', stack: 'at a\nat b', at: at(4) } }),
        runStep(jobs[0]!, 'wait', { kind: 'wait', status: 'waiting', output: null, finishedAt: null, until: at(3600), event: 'export.approved', match: awkward[2]! }),
      ];
      expect(await store.steps.saveMany({ saves: steps.map((step) => ({ step, workerId: WORKER_A })), now: at(5) })).toEqual([true, true, true, true]);
      const listed = (await Promise.all(jobs.map((job) => store.steps.list({ jobId: job.id })))).flat();
      expect(new Set(listed)).toEqual(new Set(steps));
      expect(listed).toHaveLength(steps.length);
    });

    group.test('an event sent while a job waits resolves the wait it matches and queues the job at once; others stay', async ({ store }) => {
      const approval = await runningJob(store, 'conformance.approval');
      const other = await runningJob(store, 'conformance.other');
      expect(await store.steps.wait({ step: waitStep(approval, 'approval', 'export.approved', { exportId: 1 }), workerId: WORKER_A, now: at(3), lookBackFrom: t0 })).toEqual({ held: true, resolved: null });
      expect(await store.steps.wait({ step: waitStep(other, 'approval', 'export.approved', { exportId: 2 }), workerId: WORKER_A, now: at(3), lookBackFrom: t0 })).toEqual({ held: true, resolved: null });
      await snoozeUntil(store, approval, at(3600));
      await snoozeUntil(store, other, at(3600));
      expect((await getJob(store, approval.id)).state).toBe('scheduled');

      const sent = await store.steps.deliverEvent({ name: 'export.approved', payload: '{"exportId":1,"by":"ada"}', now: at(10) });
      expect(sent).toEqual({ seq: expect.stringMatching(/^\d+$/), resolvedJobIds: [approval.id], wokenQueues: ['default'] });
      expect(await getJob(store, approval.id)).toMatchObject({ state: 'queued', runAt: at(10) });
      expect((await getJob(store, other.id)).state).toBe('scheduled');
      const [resolved] = await store.steps.list({ jobId: approval.id });
      expect(resolved).toMatchObject({ status: 'succeeded', finishedAt: at(10) });
      expect(JSON.parse(resolved!.output!)).toEqual({ payload: { exportId: 1, by: 'ada' }, sentAt: at(10).toISOString() });
      expect((await store.steps.list({ jobId: other.id }))[0]?.status).toBe('waiting');
      expect((await store.steps.deliverEvent({ name: 'export.rejected', payload: '{"exportId":2}', now: at(11) })).resolvedJobIds, 'another event name').toEqual([]);
    });

    group.test('a wait finds a matching event sent before it, since it looks back; not one sent before its look-back', async ({ store }) => {
      await store.steps.deliverEvent({ name: 'file.ready', payload: '{"path":"/in/a.csv"}', now: at(1) });
      await store.steps.deliverEvent({ name: 'file.ready', payload: '{"path":"/in/b.csv"}', now: at(5) });
      const job = await runningJob(store);
      const early = await store.steps.wait({ step: waitStep(job, 'a', 'file.ready', { path: '/in/a.csv' }), workerId: WORKER_A, now: at(6), lookBackFrom: at(2) });
      expect(early).toEqual({ held: true, resolved: null });
      const found = await store.steps.wait({ step: waitStep(job, 'b', 'file.ready', { path: '/in/b.csv' }), workerId: WORKER_A, now: at(6), lookBackFrom: at(2) });
      expect(found).toEqual({ held: true, resolved: { seq: expect.any(String), name: 'file.ready', payload: '{"path":"/in/b.csv"}', sentAt: at(5) } });
      expect((await store.steps.list({ jobId: job.id })).map((step) => [step.name, step.status])).toEqual([['a', 'waiting'], ['b', 'succeeded']]);
      expect(await store.steps.wait({ step: waitStep(job, 'c', 'file.ready', null), workerId: WORKER_B, now: at(6), lookBackFrom: t0 }), 'another worker').toEqual({ held: false });
    });

    group.test('one event resolves every wait it matches; a wait with no match takes any event of its name', async ({ store }) => {
      const jobs = [await runningJob(store, 't.a'), await runningJob(store, 't.b'), await runningJob(store, 't.c')];
      await store.steps.wait({ step: waitStep(jobs[0]!, 'w', 'batch.ready', null), workerId: WORKER_A, now: at(3), lookBackFrom: at(3) });
      await store.steps.wait({ step: waitStep(jobs[1]!, 'w', 'batch.ready', { batch: { id: 7 } }), workerId: WORKER_A, now: at(3), lookBackFrom: at(3) });
      await store.steps.wait({ step: waitStep(jobs[2]!, 'w', 'batch.ready', { batch: { id: 8 } }), workerId: WORKER_A, now: at(3), lookBackFrom: at(3) });
      const sent = await store.steps.deliverEvent({ name: 'batch.ready', payload: '{"batch":{"id":7},"rows":10}', now: at(4) });
      expect([...sent.resolvedJobIds].sort()).toEqual([jobs[0]!.id, jobs[1]!.id].sort());
      // Still running (they had not left their worker): not queued by the event, but by the safety net once scheduled.
      expect(sent.wokenQueues).toEqual([]);
      await snoozeUntil(store, jobs[0]!, at(3600));
      await snoozeUntil(store, jobs[2]!, at(3600));
      expect(await store.steps.wakeResolved({ since: at(0), now: at(5), limit: 10 })).toBe(1);
      expect((await getJob(store, jobs[0]!.id)).state).toBe('queued');
      expect((await getJob(store, jobs[2]!.id)).state, 'its wait is not resolved').toBe('scheduled');
      expect(await store.steps.wakeResolved({ since: at(5), now: at(6), limit: 10 }), 'resolved before `since`').toBe(0);
    });

    group.test('the steps of pruned jobs and old sent events are pruned in bounded calls', async ({ store }) => {
      const kept = await runningJob(store, 'conformance.kept');
      await store.steps.save({ step: runStep(kept, 'one'), workerId: WORKER_A, now: at(3) });
      await finishClaimed(store, kept, 'succeeded', at(500));
      const old = await runningJob(store, 'conformance.old');
      for (const name of ['one', 'two', 'three']) await store.steps.save({ step: runStep(old, name), workerId: WORKER_A, now: at(3) });
      await finishClaimed(store, old, 'succeeded', at(4));
      expect(await store.steps.pruneOfPrunedJobs({ limit: 10 })).toBe(0);
      expect(await store.jobs.pruneFinished({ succeededBefore: at(100), deadBefore: at(100), cancelledBefore: at(100), limit: 10 })).toBe(1);
      expect(await store.steps.pruneOfPrunedJobs({ limit: 2 })).toBe(2);
      expect(await store.steps.pruneOfPrunedJobs({ limit: 2 })).toBe(1);
      expect((await store.steps.list({ jobId: kept.id })).map((step) => step.name)).toEqual(['one']);
      await store.steps.deliverEvent({ name: 'e', payload: '1', now: at(1) });
      await store.steps.deliverEvent({ name: 'e', payload: '2', now: at(200) });
      expect(await store.steps.pruneSentEvents({ before: at(100), limit: 10 })).toBe(1);
      expect(await store.steps.pruneSentEvents({ before: at(100), limit: 10 })).toBe(0);
    });
  });
};
