/**
 * Settling flow jobs: a job with children waits until every child finished, then is released
 * (queued or scheduled) or, when a child ended dead or cancelled under onChildFailure 'fail', dies
 * naming that child. Every store call that finishes a child settles its parent before it returns.
 */
import { expect } from 'vitest';
import type { Job } from '../../job.js';
import { settleDecision } from '../../store/flow-settling.js';
import { jobDead, jobSucceeded } from '../../store/state-updates.js';
import type { Store } from '../../store/store.js';
import type { SuiteSection } from './context.js';
import { at, attemptError, attemptRef, claimJob, finishClaimed, getJob, insertFlow, runJob, WORKER_A } from './helpers.js';

/** A whole word of `text`, so id 1 does not match inside id 12. */
function word(text: string): RegExp {
  return new RegExp(`(^|[^\\w-])${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\w-])`);
}

/** Claim every queued job of these tasks at `now` (lease 60 s), failing the test unless there are exactly `count`. */
async function claimExactly(store: Store, tasks: string[], count: number, now = at(1)): Promise<Job[]> {
  const leaseExpiresAt = new Date(now.getTime() + 60_000);
  const claimed = await store.jobs.claim({ queues: ['default'], tasks, workerId: WORKER_A, limit: count + 1, now, leaseExpiresAt });
  expect(claimed, `jobs of ${tasks.join(', ')} claimed at ${now.toISOString()}`).toHaveLength(count);
  return claimed;
}

/**
 * Read the parent and check the store settled it dead because of `child`: finished, and its latest
 * error names the child's id, task and state, and the child's own latest error message if it has one.
 */
async function expectDeadBecauseOf(store: Store, parentId: string, child: Job): Promise<Job> {
  const parent = await getJob(store, parentId);
  expect(parent.state, `state of parent ${parentId}`).toBe('dead');
  expect(parent.finishedAt).toBeInstanceOf(Date);
  const message = parent.errors.at(-1)?.message ?? '';
  expect(message, 'the parent error names the child id').toMatch(word(child.id));
  expect(message, 'the parent error names the child task').toContain(child.task);
  expect(message, 'the parent error names the child state').toContain(child.state);
  const childMessage = child.errors.at(-1)?.message;
  if (childMessage !== undefined) expect(message, 'the parent error quotes the child error').toContain(childMessage);
  return parent;
}

export const flowSettlingTests: SuiteSection = (suite) => {
  suite.group('flow settling', { migrate: true }, (group) => {
    group.test('waiting jobs are never claimed, promoted or lease-recovered', async ({ store }) => {
      const [root, child] = await insertFlow(store, [{}, { maxAttempts: 3 }]);
      const claimed = await claimExactly(store, [root.task, child.task], 1, at(1));
      expect(claimed.map((job) => job.id), 'claimed from a flow with one leaf').toEqual([child.id]);
      expect(await store.jobs.promoteDue({ now: at(10 ** 6), limit: 10 })).toBe(0);
      expect(await store.jobs.recoverExpiredLeases({ now: at(62), limit: 10 }), 'recovered: only the leaf').toBe(1);
      expect(await getJob(store, child.id)).toMatchObject({ state: 'queued', attempt: 1 });
      expect(await getJob(store, root.id)).toEqual(root);
      await claimExactly(store, [root.task], 0, at(70));
    });

    group.test('a chain releases each job when the job it waits for succeeds', async ({ store }) => {
      const [root, middle, leaf] = await insertFlow(store, [{ task: 'publish' }, { task: 'resize' }, { task: 'scan', parentIndex: 1 }]);
      await runJob(store, leaf, 'succeeded', { now: at(1) });
      expect(await getJob(store, middle.id)).toMatchObject({ state: 'queued' });
      expect(await getJob(store, root.id)).toMatchObject({ state: 'waiting' });
      await runJob(store, middle, 'succeeded', { now: at(2) });
      expect(await getJob(store, root.id)).toMatchObject({ state: 'queued' });
      const runningRoot = await claimJob(store, root, { now: at(3) });
      expect(runningRoot.attempt).toBe(1);
    });

    group.test('a parent whose runAt is still ahead is released scheduled, then promoted', async ({ store }) => {
      const [parent, child] = await insertFlow(store, [{ runAt: at(100) }, { runAt: at(0) }]);
      await runJob(store, child, 'succeeded', { now: at(1) });
      expect(await getJob(store, parent.id)).toMatchObject({ state: 'scheduled', runAt: at(100) });
      expect(await store.jobs.promoteDue({ now: at(99), limit: 10 })).toBe(0);
      expect(await store.jobs.promoteDue({ now: at(100), limit: 10 })).toBe(1);
      await claimJob(store, parent, { now: at(100) });
    });

    group.test('fan-in: a parent waits for all of its 20 children, then reads their results', async ({ store }) => {
      const children = Array.from({ length: 20 }, (_, n) => ({ task: 'export.month', input: { month: n } }));
      const [parent, ...spec] = await insertFlow(store, [{ task: 'export.zip' }, ...children]);
      const running = await claimExactly(store, ['export.month'], 20);
      expect(running.map((job) => job.id).sort()).toEqual(spec.map((job) => job.id).sort());
      for (const [n, job] of spec.entries()) {
        const claimed = running.find((each) => each.id === job.id);
        if (claimed === undefined) throw new Error(`child ${job.id} was not claimed`);
        await finishClaimed(store, claimed, 'succeeded', at(2 + n), { result: { month: n } });
        const expected = n < 19 ? 'waiting' : 'queued';
        expect((await getJob(store, parent.id)).state, `parent state after ${n + 1} children succeeded`).toBe(expected);
      }
      await claimJob(store, parent, { now: at(30) });
      const listed = await store.flows.childList({ id: parent.id });
      expect(listed.map((job) => job.id)).toEqual(spec.map((job) => job.id));
      expect(listed.map((job) => job.result)).toEqual(spec.map((_, n) => ({ month: n })));
      expect(listed.every((job) => job.state === 'succeeded')).toBe(true);
    });

    group.test('children finished in one jobs.setStateIfRunningMany call settle their parent', async ({ store }) => {
      const [released] = await insertFlow(store, [{ task: 'a.parent' }, { task: 'a.child' }, { task: 'a.child' }]);
      const mortal = { task: 'b.child', maxAttempts: 1 };
      const [killed, firstKilled] = await insertFlow(store, [{ task: 'b.parent' }, mortal, mortal]);
      const aRunning = await claimExactly(store, ['a.child'], 2);
      const bRunning = await claimExactly(store, ['b.child'], 2);
      const updates = [
        ...aRunning.map((job) => jobSucceeded(attemptRef(job), at(2), 'ok')),
        ...bRunning.map((job) => jobDead(attemptRef(job), at(2), attemptError(job.attempt, `${job.id} broke`, at(2)))),
      ];
      const results = await store.jobs.setStateIfRunningMany({ updates });
      expect(results.every((result) => result.applied)).toBe(true);
      expect(await getJob(store, released.id)).toMatchObject({ state: 'queued' });
      const dead = await expectDeadBecauseOf(store, killed.id, await getJob(store, firstKilled.id));
      expect(dead.errors, 'errors of a parent settled once').toHaveLength(1);
    });

    group.test('a child that failed with a retry left keeps its parent waiting', async ({ store }) => {
      const [parent, child] = await insertFlow(store, [{}, { maxAttempts: 3 }]);
      await runJob(store, child, 'failed', { now: at(1), retryAt: at(10) });
      expect(await getJob(store, child.id)).toMatchObject({ state: 'failed' });
      expect(await getJob(store, parent.id)).toMatchObject({ state: 'waiting' });
      expect(await store.jobs.promoteDue({ now: at(10), limit: 10 })).toBe(1);
      await runJob(store, child, 'succeeded', { now: at(11) });
      expect(await getJob(store, parent.id)).toMatchObject({ state: 'queued' });
    });

    group.test("a dead child under 'fail' kills the parent, naming the child, its task, its state and its error", async ({ store }) => {
      const [parent, child] = await insertFlow(store, [{ task: 'publish' }, { task: 'scan.upload', maxAttempts: 1 }]);
      await runJob(store, child, 'dead', { now: at(5), message: 'virus found in avatar.png' });
      const deadParent = await expectDeadBecauseOf(store, parent.id, await getJob(store, child.id));
      expect(deadParent.errors).toHaveLength(1);
      expect(deadParent.errors[0]?.message).toContain('virus found in avatar.png');
      await claimExactly(store, ['publish'], 0, at(6));
    });

    group.test("a dead child under 'fail' waits for its siblings, and the error names the lowest dead child", async ({ store }) => {
      const [parent, lowest, sibling, highest] = await insertFlow(store, [{}, { maxAttempts: 1 }, {}, { maxAttempts: 1 }]);
      const [runningLowest, runningSibling, runningHighest] = [
        await claimJob(store, lowest, { now: at(1) }),
        await claimJob(store, sibling, { now: at(1) }),
        await claimJob(store, highest, { now: at(1) }),
      ];
      await finishClaimed(store, runningHighest, 'dead', at(5), { message: 'highest broke' });
      expect(await getJob(store, parent.id), 'parent while two children run').toMatchObject({ state: 'waiting' });
      await finishClaimed(store, runningLowest, 'dead', at(6), { message: 'lowest broke' });
      expect(await getJob(store, parent.id), 'parent while one child runs').toMatchObject({ state: 'waiting' });
      await finishClaimed(store, runningSibling, 'succeeded', at(7));
      const deadParent = await expectDeadBecauseOf(store, parent.id, await getJob(store, lowest.id));
      expect(deadParent.errors.at(-1)?.message).not.toContain('highest broke');
    });

    group.test('a dead parent kills its own parent in turn, up the chain', async ({ store }) => {
      const [root, middle, leaf] = await insertFlow(store, [
        { task: 'publish' },
        { task: 'resize' },
        { task: 'scan', parentIndex: 1, maxAttempts: 1 },
      ]);
      await runJob(store, leaf, 'dead', { now: at(5), message: 'virus found' });
      const deadMiddle = await expectDeadBecauseOf(store, middle.id, await getJob(store, leaf.id));
      await expectDeadBecauseOf(store, root.id, deadMiddle);
    });

    group.test("under 'continue' the parent is queued once every child finished, dead and cancelled ones too", async ({ store }) => {
      const [parent, dead, cancelled, succeeded] = await insertFlow(store, [{ onChildFailure: 'continue' }, { maxAttempts: 1 }, {}, {}]);
      await runJob(store, dead, 'dead', { now: at(1), message: 'month 1 broke' });
      await store.jobs.cancel({ id: cancelled.id, now: at(2) });
      expect(await getJob(store, parent.id)).toMatchObject({ state: 'waiting' });
      await runJob(store, succeeded, 'succeeded', { now: at(3), result: { rows: 3 } });
      expect(await getJob(store, parent.id)).toMatchObject({ state: 'queued', errors: [] });
      const listed = await store.flows.childList({ id: parent.id });
      expect(listed.map((job) => job.state)).toEqual(['dead', 'cancelled', 'succeeded']);
      expect(listed[0]?.errors).toEqual([expect.objectContaining({ attempt: 1, message: 'month 1 broke' })]);
      expect(listed[2]?.result).toEqual({ rows: 3 });
    });

    group.test('the error a parent dies with is exactly the one settleDecision builds, for a dead child and for one cancelled before it ran', async ({ store }) => {
      const [deadParent, deadChild] = await insertFlow(store, [{ task: 'publish' }, { task: 'scan.upload', maxAttempts: 1 }]);
      await runJob(store, deadChild, 'dead', { now: at(5), message: 'virus found in avatar.png' });
      const [cancelledParent, cancelledChild] = await insertFlow(store, [{ task: 'report' }, { task: 'fetch.month' }]);
      await store.jobs.cancel({ id: cancelledChild.id, now: at(6) });
      for (const [parent, child, now] of [[deadParent, deadChild, at(5)], [cancelledParent, cancelledChild, at(6)]] as const) {
        const failed = await getJob(store, child.id);
        if (failed.state !== 'dead' && failed.state !== 'cancelled') throw new Error(`child ${failed.id} is ${failed.state}, not failed`);
        const decided = settleDecision(
          { id: parent.id, attempt: parent.attempt, onChildFailure: 'fail' },
          { id: failed.id, task: failed.task, state: failed.state, lastErrorMessage: failed.errors.at(-1)?.message ?? null },
          now,
        );
        if (decided.kind !== 'dead') throw new Error('settleDecision released a parent whose child failed');
        expect((await getJob(store, parent.id)).errors).toEqual([decided.error]);
      }
    });

    group.test("a child cancelled before it ran kills its parent under 'fail', naming 'cancelled'", async ({ store }) => {
      const [parent, child] = await insertFlow(store, [{}, {}]);
      await store.jobs.cancel({ id: child.id, now: at(5) });
      await expectDeadBecauseOf(store, parent.id, await getJob(store, child.id));
    });

    group.test('a running child settles its parent when its worker reports the cancel', async ({ store }) => {
      const [parent, child] = await insertFlow(store, [{}, {}]);
      const running = await claimJob(store, child, { now: at(1) });
      await store.jobs.cancel({ id: running.id, now: at(2) });
      expect(await getJob(store, parent.id), 'parent while the cancel is only requested').toMatchObject({ state: 'waiting' });
      await finishClaimed(store, running, 'cancelled', at(3));
      await expectDeadBecauseOf(store, parent.id, await getJob(store, running.id));
    });

    group.test('a lease recovery that kills a child settles its parent', async ({ store }) => {
      const [parent, child] = await insertFlow(store, [{}, { maxAttempts: 1 }]);
      await claimJob(store, child, { now: at(1), leaseExpiresAt: at(61) });
      expect(await store.jobs.recoverExpiredLeases({ now: at(62), limit: 10 })).toBe(1);
      const deadChild = await getJob(store, child.id);
      expect(deadChild.state).toBe('dead');
      await expectDeadBecauseOf(store, parent.id, deadChild);
    });

    group.test('cancelling a waiting job cancels it alone; its children go on and do not revive it', async ({ store }) => {
      const [parent, child] = await insertFlow(store, [{}, {}]);
      expect(await store.jobs.cancel({ id: parent.id, now: at(5) })).toMatchObject({ state: 'cancelled', finishedAt: at(5) });
      expect(await getJob(store, child.id)).toMatchObject({ state: 'queued' });
      await runJob(store, child, 'succeeded', { now: at(6) });
      expect(await getJob(store, parent.id)).toMatchObject({ state: 'cancelled', finishedAt: at(5) });
    });

    group.test('children finishing at once through three stores settle their parent exactly once', async ({ store, harness }) => {
      const PART = { task: 'part', maxAttempts: 1 };
      const [parent, firstPart] = await insertFlow(store, [{}, PART, ...Array.from({ length: 11 }, () => PART)]);
      const running = await claimExactly(store, [PART.task], 12);
      const stores = [store, await harness.openAnother(), await harness.openAnother()];
      await Promise.all(
        stores.map(async (each, s) => {
          for (const job of running.filter((_, n) => n % stores.length === s)) {
            const update = jobDead(attemptRef(job), at(5), attemptError(job.attempt, `part ${job.id} broke`, at(5)));
            expect(await each.jobs.setStateIfRunningMany({ updates: [update] })).toEqual([{ id: job.id, applied: true }]);
          }
        }),
      );
      const deadParent = await expectDeadBecauseOf(store, parent.id, await getJob(store, firstPart.id));
      expect(deadParent.errors, 'errors of a parent settled once').toHaveLength(1);
    });
  });

  suite.group('jobRetry (flows)', { migrate: true }, (group) => {
    group.test('retrying a dead parent whose child is still dead ends it dead again', async ({ store }) => {
      const [parent, child] = await insertFlow(store, [{}, { maxAttempts: 1 }]);
      await runJob(store, child, 'dead', { now: at(1), message: 'broke' });
      const deadChild = await getJob(store, child.id);
      const retried = await store.jobs.retry({ id: parent.id, now: at(10) });
      expect(retried).toEqual(await getJob(store, parent.id));
      await expectDeadBecauseOf(store, parent.id, deadChild);
      expect(await getJob(store, deadChild.id)).toEqual(deadChild);
    });

    group.test('retrying a dead parent after its child makes it wait for the child, then queues it', async ({ store }) => {
      const [parent, child] = await insertFlow(store, [{}, { maxAttempts: 1 }]);
      await runJob(store, child, 'dead', { now: at(1) });
      expect(await store.jobs.retry({ id: child.id, now: at(10) })).toMatchObject({ state: 'queued' });
      expect(await getJob(store, parent.id), 'parent after its child was retried').toMatchObject({ state: 'dead' });
      expect(await store.jobs.retry({ id: parent.id, now: at(11) })).toMatchObject({ state: 'waiting' });
      await claimExactly(store, [parent.task], 0, at(12));
      await runJob(store, child, 'succeeded', { now: at(13) });
      expect(await getJob(store, parent.id)).toMatchObject({ state: 'queued' });
      expect((await claimJob(store, parent, { now: at(14) })).attempt).toBe(1);
    });

    group.test('retrying a succeeded parent whose children succeeded queues it at once', async ({ store }) => {
      const [parent, child] = await insertFlow(store, [{}, {}]);
      await runJob(store, child, 'succeeded', { now: at(1) });
      await runJob(store, parent, 'succeeded', { now: at(2) });
      const retried = await store.jobs.retry({ id: parent.id, now: at(10) });
      expect(retried).toMatchObject({ state: 'queued', runAt: at(10) });
      expect(await getJob(store, parent.id)).toEqual(retried);
      expect((await claimJob(store, parent, { now: at(10) })).attempt).toBe(2);
    });
  });

  suite.group('flows.settleWaiting', { migrate: true }, (group) => {
    // Not reachable here: what this sweep exists for, a waiting job whose children are all finished.
    // Only a process that stops between a child finishing and its parent's settle (or a settle that
    // fails) leaves one; every store call that finishes a child settles the parent before it
    // returns, so no sequence of `Store` calls makes one, and the sweep settling it, within `limit`,
    // cannot be checked through the interface: a store's own tests make that state with SQL (as
    // sqlite-flows.test.ts does). This checks the other half: the sweep changes nothing not due.
    group.test('returns 0 and changes nothing when no waiting job has only finished children', async ({ store }) => {
      const [waitingOnRunning, running] = await insertFlow(store, [{ task: 'a' }, { task: 'a.child' }]);
      await claimJob(store, running, { now: at(1) });
      // Its children: one succeeded, one failed with a retry ahead, one waiting on a queued leaf.
      const [waitingOnOthers, done, failed] = await insertFlow(store, [
        { task: 'b' },
        { task: 'b.done' },
        { task: 'b.failed' },
        { task: 'b.inner' },
        { task: 'b.leaf', parentIndex: 3 },
      ]);
      await runJob(store, done, 'succeeded', { now: at(2) });
      await runJob(store, failed, 'failed', { now: at(3), retryAt: at(3600) });
      const [settled, killer] = await insertFlow(store, [{ task: 'c' }, { task: 'c.child', maxAttempts: 1 }]);
      await runJob(store, killer, 'dead', { now: at(4) });
      const flows = [waitingOnRunning, waitingOnOthers, settled].map((root) => root.id);
      const before = await Promise.all(flows.map((id) => store.flows.get({ id })));
      expect(before.map((jobs) => jobs[0]?.state)).toEqual(['waiting', 'waiting', 'dead']);
      expect(await store.flows.settleWaiting({ now: at(100), limit: 10 })).toBe(0);
      expect(await Promise.all(flows.map((id) => store.flows.get({ id })))).toEqual(before);
    });
  });
};
