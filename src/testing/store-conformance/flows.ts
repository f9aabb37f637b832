/**
 * Flows in the store, apart from settling (in `flow-settling.ts`): inserting a flow all or nothing,
 * reading it back, its children, cancelling it, and pruning around it.
 */
import { expect } from 'vitest';
import { isFinalState, JOB_STATES, type ChildFailurePolicy, type Job } from '../../job.js';
import { jobCancelled } from '../../store/state-updates.js';
import type { FlowJobInsert } from '../../store/store.js';
import type { SuiteSection } from './context.js';
import {
  applyUpdate,
  at,
  attemptRef,
  claimJob,
  compareIds,
  finishClaimed,
  getJob,
  insertFlow,
  insertJob,
  jobInsert,
  jobInState,
  rejectionOf,
  runJob,
  t0,
  unknownJobId,
} from './helpers.js';

/** Every cut-off far ahead: anything finished, and prunable, is pruned. */
const PRUNE_EVERYTHING = { succeededBefore: at(10 ** 8), deadBefore: at(10 ** 8), cancelledBefore: at(10 ** 8), limit: 100 };

/** Flow jobs to pass to `flows.insert` as they are: task `flow.<index>`, the root first, each entry's overrides applied. */
function flowInserts(spec: ReadonlyArray<Partial<FlowJobInsert>>): FlowJobInsert[] {
  return spec.map((overrides, index) => ({
    ...jobInsert({ task: `flow.${index}` }),
    parentIndex: null,
    onChildFailure: 'fail',
    ...overrides,
  }));
}

function byId(jobs: readonly Job[]): Job[] {
  return [...jobs].sort((a, b) => compareIds(a.id, b.id));
}

export const flowTests: SuiteSection = (suite) => {
  suite.group('flows.insert', { migrate: true }, (group) => {
    group.test('stores the tree: jobs with children wait, leaves are queued or scheduled by runAt', async ({ store }) => {
      // 0 ← 1 ← 2, 0 ← 3 (runAt ahead), 1 ← 4; job 1's own runAt is ahead too, yet it waits.
      const jobs = await insertFlow(store, [
        { task: 'flow.root', input: { root: true }, priority: 5 },
        { task: 'flow.inner', runAt: at(500), onChildFailure: 'continue' },
        { task: 'flow.leaf', parentIndex: 1, maxAttempts: 7 },
        { task: 'flow.later', runAt: at(600), queue: 'other' },
        { task: 'flow.leaf2', parentIndex: 1, concurrencyKey: 'tenant-1' },
      ]);
      const [root, inner, leaf, later, leaf2] = jobs;
      expect(jobs.map((job) => job.state)).toEqual(['waiting', 'waiting', 'queued', 'scheduled', 'queued']);
      expect(jobs.map((job) => job.flowId)).toEqual([root.id, root.id, root.id, root.id, root.id]);
      expect(jobs.map((job) => job.parentId)).toEqual([null, root.id, inner.id, root.id, inner.id]);
      expect(jobs.map((job) => job.onChildFailure)).toEqual(['fail', 'continue', 'fail', 'fail', 'fail']);
      expect(jobs.map((job) => job.hasChildren)).toEqual([true, true, false, false, false]);
      for (let i = 1; i < jobs.length; i += 1) {
        expect(compareIds(jobs[i - 1]?.id ?? '', jobs[i]?.id ?? ''), `id of job ${i - 1} against job ${i}'s`).toBe(-1);
      }
      expect(root).toMatchObject({ input: { root: true }, priority: 5, runAt: t0, attempt: 0, dedupKey: null, errors: [], result: null });
      expect(inner).toMatchObject({ runAt: at(500), finishedAt: null, workerId: null });
      expect(leaf).toMatchObject({ maxAttempts: 7, createdAt: t0 });
      expect(later).toMatchObject({ queue: 'other', runAt: at(600) });
      expect(leaf2.concurrencyKey).toBe('tenant-1');
      for (const job of jobs) expect(await getJob(store, job.id)).toEqual(job);
    });

    group.test('a flow of one job is a queued job whose flowId is its own id', async ({ store }) => {
      const [only] = await insertFlow(store, [{ task: 'flow.alone' }]);
      expect(only).toMatchObject({ state: 'queued', flowId: only.id, parentId: null, onChildFailure: 'fail' });
    });

    group.test('a job without children is stored with onChildFailure fail, whatever it was declared with', async ({ store }) => {
      const [root, leaf, inner, grandchild] = await insertFlow(store, [
        { onChildFailure: 'continue' },
        { onChildFailure: 'continue' },
        { onChildFailure: 'continue' },
        { parentIndex: 2, onChildFailure: 'continue' },
      ]);
      const [alone] = await insertFlow(store, [{ task: 'flow.alone', onChildFailure: 'continue' }]);
      const expected = [
        [root.id, 'continue'],
        [leaf.id, 'fail'],
        [inner.id, 'continue'],
        [grandchild.id, 'fail'],
        [alone.id, 'fail'],
      ];
      expect([root, leaf, inner, grandchild, alone].map((job) => [job.id, job.onChildFailure]), 'as flows.insert returned them').toEqual(expected);
      const reread = await Promise.all([root, leaf, inner, grandchild, alone].map((job) => getJob(store, job.id)));
      expect(reread.map((job) => [job.id, job.onChildFailure]), 'as jobs.get reads them').toEqual(expected);
    });

    group.test('refuses a dedup key before writing anything: no job is left behind', async ({ store }) => {
      const jobs = flowInserts([{}, { parentIndex: 0 }, { parentIndex: 1, dedupKey: 'not-in-a-flow' }]);
      await rejectionOf(store.flows.insert({ jobs, now: t0 }));
      expect((await store.jobs.list({ filter: {}, cursor: null, limit: 100 })).jobs).toEqual([]);
      expect(await store.jobs.countByGroup({ states: [...JOB_STATES] })).toEqual([]);
      // The store is still usable: the failed transaction was rolled back, not left open.
      const [root] = await insertFlow(store, [{}, {}]);
      expect((await store.flows.get({ id: root.id })).map((job) => job.state)).toEqual(['waiting', 'queued']);
    });

    group.test('is all or nothing: a job the database refuses after earlier jobs were written leaves no job and no event behind', async ({ store }) => {
      // Job 2 has a child, so its onChildFailure is stored as given: no store checks it before
      // writing, and the column's CHECK constraint refuses it once jobs 0 and 1 were written.
      const bogus = 'bogus' as unknown as ChildFailurePolicy;
      const jobs = flowInserts([{}, { parentIndex: 0 }, { parentIndex: 0, onChildFailure: bogus }, { parentIndex: 2 }]);
      const error = await rejectionOf(store.flows.insert({ jobs, now: t0 }));
      expect(error.message, 'refused by the database, not by a check of the store before writing').toMatch(/check constraint/i);
      expect((await store.jobs.list({ filter: {}, cursor: null, limit: 100 })).jobs).toEqual([]);
      expect(await store.jobs.countByGroup({ states: [...JOB_STATES] })).toEqual([]);
      expect(await store.events.list({ afterSeq: null, limit: 100 })).toEqual([]);
      // The store is still usable: the failed transaction was rolled back, not left open.
      const [root] = await insertFlow(store, [{}, {}]);
      expect((await store.flows.get({ id: root.id })).map((job) => job.state)).toEqual(['waiting', 'queued']);
    });

    group.test('plain jobs are in no flow: flowId and parentId null, onChildFailure fail, no children', async ({ store }) => {
      const plain = await insertJob(store);
      expect(plain).toMatchObject({ flowId: null, parentId: null, onChildFailure: 'fail', hasChildren: false });
      const succeeded = await jobInState(store, 'succeeded', { task: 'other' });
      expect(succeeded).toMatchObject({ flowId: null, parentId: null, onChildFailure: 'fail', hasChildren: false });
      expect(await store.flows.childList({ id: plain.id })).toEqual([]);
    });
  });

  suite.group('flows.get', { migrate: true }, (group) => {
    group.test('returns every job of the flow, lowest id first', async ({ store }) => {
      const jobs = await insertFlow(store, [{}, {}, { parentIndex: 1 }, { parentIndex: 0 }]);
      await insertFlow(store, [{ task: 'another.flow' }, { task: 'another.leaf' }]);
      await insertJob(store, { task: 'plain' });
      expect(await store.flows.get({ id: jobs[0].id })).toEqual(byId(jobs));
    });

    group.test('returns [] for an unknown id, a plain job and a job that is not a flow root', async ({ store }) => {
      const [root, child] = await insertFlow(store, [{}, {}]);
      const plain = await insertJob(store, { task: 'plain' });
      expect(await store.flows.get({ id: await unknownJobId(store) })).toEqual([]);
      expect(await store.flows.get({ id: plain.id })).toEqual([]);
      expect(await store.flows.get({ id: child.id }), 'a flow is named by its root').toEqual([]);
      expect(await store.flows.get({ id: root.id })).toHaveLength(2);
    });
  });

  suite.group('flows.jobList', { migrate: true }, (group) => {
    group.test('returns at most limit jobs of the flow, lowest id first, the root first', async ({ store }) => {
      const jobs = await insertFlow(store, [{}, {}, { parentIndex: 1 }, { parentIndex: 0 }]);
      await insertFlow(store, [{ task: 'another.flow' }, { task: 'another.leaf' }]);
      expect(await store.flows.jobList({ id: jobs[0].id, limit: 10 })).toEqual(byId(jobs));
      expect(await store.flows.jobList({ id: jobs[0].id, limit: 2 })).toEqual(byId(jobs).slice(0, 2));
      expect(await store.flows.jobList({ id: jobs[0].id, limit: 0 })).toEqual([]);
    });

    group.test('returns [] for an unknown id, a plain job and a job that is not a flow root', async ({ store }) => {
      const [, child] = await insertFlow(store, [{}, {}]);
      const plain = await insertJob(store, { task: 'plain' });
      expect(await store.flows.jobList({ id: await unknownJobId(store), limit: 10 })).toEqual([]);
      expect(await store.flows.jobList({ id: plain.id, limit: 10 })).toEqual([]);
      expect(await store.flows.jobList({ id: child.id, limit: 10 })).toEqual([]);
    });
  });

  suite.group('flows.childList', { migrate: true }, (group) => {
    group.test('returns the jobs one flow job waits for, lowest id first, and [] for a leaf', async ({ store }) => {
      const [root, inner, grandchild, child, grandchild2] = await insertFlow(store, [{}, {}, { parentIndex: 1 }, {}, { parentIndex: 1 }]);
      expect(await store.flows.childList({ id: root.id })).toEqual([inner, child]);
      expect(await store.flows.childList({ id: inner.id })).toEqual([grandchild, grandchild2]);
      expect(await store.flows.childList({ id: child.id })).toEqual([]);
    });
  });

  suite.group('flows.cancel', { migrate: true }, (group) => {
    group.test('cancels what is not running, asks running jobs to stop, leaves finished jobs alone', async ({ store }) => {
      const jobs = await insertFlow(store, [
        {}, // 0 root: waiting
        {}, // 1 running when the flow is cancelled
        {}, // 2 queued
        { runAt: at(3600) }, // 3 scheduled
        {}, // 4 succeeded
        {}, // 5 inner: waiting, with nothing running below it
        { parentIndex: 5 }, // 6 queued
        {}, // 7 failed, waiting for its retry
      ]);
      const [root, running, queued, scheduled, succeeded, inner, innerLeaf, failed] = jobs;
      const claimed = await claimJob(store, running, { now: at(1), leaseExpiresAt: at(61) });
      await runJob(store, succeeded, 'succeeded', { now: at(2) });
      await runJob(store, failed, 'failed', { now: at(3), retryAt: at(3600) });
      const finishedBefore = await getJob(store, succeeded.id);

      const afterCancel = await store.flows.cancel({ id: root.id, now: at(10) });
      expect(afterCancel).toEqual(await store.flows.get({ id: root.id }));
      expect(afterCancel.map((job) => job.id)).toEqual(byId(jobs).map((job) => job.id));
      for (const job of [root, queued, scheduled, inner, innerLeaf, failed]) {
        // `inner` is cancelled, not settled: its only child was cancelled by the same call.
        expect(await getJob(store, job.id), `job ${job.task}`).toMatchObject({ state: 'cancelled', finishedAt: at(10) });
      }
      expect(await getJob(store, running.id)).toMatchObject({ state: 'running', cancelRequestedAt: at(10), workerId: claimed.workerId });
      expect(await getJob(store, succeeded.id)).toEqual(finishedBefore);

      expect(await applyUpdate(store, jobCancelled(attemptRef(claimed), at(11), null))).toBe(true);
      const unfinished = (await store.flows.get({ id: root.id })).filter((job) => !isFinalState(job.state));
      expect(unfinished, 'jobs of the cancelled flow still unfinished').toEqual([]);
      expect(await getJob(store, root.id)).toMatchObject({ state: 'cancelled', finishedAt: at(10) });
    });

    group.test('returns [] for an unknown id and changes nothing', async ({ store }) => {
      const plain = await insertJob(store, { task: 'plain' });
      expect(await store.flows.cancel({ id: await unknownJobId(store), now: at(10) })).toEqual([]);
      expect(await getJob(store, plain.id)).toEqual(plain);
    });
  });

  suite.group('jobPruneFinished (flows)', { migrate: true }, (group) => {
    group.test('keeps a finished child while its parent is unfinished, prunes it once the parent finished', async ({ store }) => {
      const [parent, first, second] = await insertFlow(store, [{}, {}, {}]);
      await runJob(store, first, 'succeeded', { now: at(1) });
      expect(await store.jobs.pruneFinished(PRUNE_EVERYTHING), 'pruned while the parent waits').toBe(0);
      await runJob(store, second, 'succeeded', { now: at(2) });
      expect(await getJob(store, parent.id)).toMatchObject({ state: 'queued' });
      expect(await store.jobs.pruneFinished(PRUNE_EVERYTHING), 'pruned while the parent is queued').toBe(0);
      const runningParent = await claimJob(store, parent, { now: at(3) });
      expect(await store.jobs.pruneFinished(PRUNE_EVERYTHING), 'pruned while the parent runs').toBe(0);
      expect((await store.flows.get({ id: parent.id })).map((job) => job.state)).toEqual(['running', 'succeeded', 'succeeded']);

      await finishClaimed(store, runningParent, 'succeeded', at(5));
      // The parent itself finished after the succeeded cut-off: only its children go.
      expect(await store.jobs.pruneFinished({ ...PRUNE_EVERYTHING, succeededBefore: at(4) })).toBe(2);
      expect((await store.flows.get({ id: parent.id })).map((job) => job.id)).toEqual([parent.id]);
    });

    group.test('prunes a dead flow whole', async ({ store }) => {
      const [parent, child] = await insertFlow(store, [{}, { maxAttempts: 1 }]);
      await runJob(store, child, 'dead', { now: at(1) });
      expect(await getJob(store, parent.id)).toMatchObject({ state: 'dead' });
      const plain = await jobInState(store, 'queued', { task: 'plain' });
      expect(await store.jobs.pruneFinished(PRUNE_EVERYTHING)).toBe(2);
      expect(await store.flows.get({ id: parent.id })).toEqual([]);
      expect(await getJob(store, plain.id)).toEqual(plain);
    });
  });
};
