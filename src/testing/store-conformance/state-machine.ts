import { expect } from 'vitest';
import { JOB_STATES, JOB_TRANSITIONS, type JobState } from '../../job.js';
import { jobCancelled, jobDead, jobFailed, jobReleased, jobSnoozed, jobSucceeded } from '../../store/state-updates.js';
import type { Store } from '../../store/store.js';
import type { SuiteSection } from './context.js';
import { applyUpdate, at, attemptError, attemptRef, claimJob, getJob, insertFlow, insertJob, runJob, WORKER_A } from './helpers.js';

/**
 * Follows one job through a sequence of store calls, checking after each that the job reached the
 * state the step expects by a transition `JOB_TRANSITIONS` allows, and recording the transitions seen.
 */
class JobWalk {
  private state: JobState;

  constructor(
    private readonly store: Store,
    private readonly id: string,
    initial: JobState,
    private readonly seen: Set<string>,
  ) {
    this.state = initial;
  }

  async step(description: string, expected: JobState, act: () => Promise<unknown>): Promise<void> {
    await act();
    const { state } = await getJob(this.store, this.id);
    expect(state, `state after ${description}`).toBe(expected);
    if (state !== this.state) {
      expect(JOB_TRANSITIONS[this.state], `${this.state} → ${state} (${description}) must be allowed`).toContain(state);
      this.seen.add(`${this.state} → ${state}`);
    }
    this.state = state;
  }
}

export const stateMachineTests: SuiteSection = (suite) => {
  suite.group('state machine', { migrate: true }, (group) => {
    group.test('jobs move only along JOB_TRANSITIONS, and every transition is reachable', async ({ store }) => {
      const seen = new Set<string>();
      const running = async (id: string, now: Date) => claimJob(store, await getJob(store, id), { workerId: WORKER_A, now });
      const error = (attempt: number, when: Date) => attemptError(attempt, `attempt ${attempt} failed`, when);

      const main = await insertJob(store, { task: 'main', runAt: at(10), maxAttempts: 3 });
      const a = new JobWalk(store, main.id, main.state, seen);
      await a.step('promoting', 'queued', () => store.jobs.promoteDue({ now: at(10), limit: 10 }));
      await a.step('claiming', 'running', () => claimJob(store, main, { now: at(11) }));
      await a.step('failing', 'failed', async () => {
        const ref = attemptRef(await getJob(store, main.id));
        await applyUpdate(store, jobFailed(ref, at(12), error(ref.attempt, at(12)), at(20)));
      });
      await a.step('promoting the retry', 'queued', () => store.jobs.promoteDue({ now: at(21), limit: 10 }));
      await a.step('claiming attempt 2', 'running', () => running(main.id, at(22)));
      await a.step('releasing', 'queued', async () => {
        await applyUpdate(store, jobReleased(attemptRef(await getJob(store, main.id)), at(23)));
      });
      await a.step('claiming attempt 2 again', 'running', () => running(main.id, at(24)));
      await a.step('killing', 'dead', async () => {
        const ref = attemptRef(await getJob(store, main.id));
        await applyUpdate(store, jobDead(ref, at(25), error(ref.attempt, at(25))));
      });
      await a.step('retrying the dead job', 'queued', () => store.jobs.retry({ id: main.id, now: at(30) }));
      await a.step('claiming attempt 3', 'running', () => running(main.id, at(31)));
      await a.step('requesting a cancel', 'running', () => store.jobs.cancel({ id: main.id, now: at(32) }));
      await a.step('cancelling', 'cancelled', async () => {
        await applyUpdate(store, jobCancelled(attemptRef(await getJob(store, main.id)), at(33), null));
      });
      await a.step('retrying the cancelled job', 'queued', () => store.jobs.retry({ id: main.id, now: at(40) }));
      await a.step('claiming attempt 4', 'running', () => running(main.id, at(41)));
      await a.step('succeeding', 'succeeded', async () => {
        await applyUpdate(store, jobSucceeded(attemptRef(await getJob(store, main.id)), at(42), 'done'));
      });
      await a.step('retrying the succeeded job', 'queued', () => store.jobs.retry({ id: main.id, now: at(50) }));
      await a.step('cancelling the queued job', 'cancelled', () => store.jobs.cancel({ id: main.id, now: at(51) }));

      const scheduled = await insertJob(store, { task: 'scheduled', runAt: at(1000) });
      const b = new JobWalk(store, scheduled.id, scheduled.state, seen);
      await b.step('cancelling the scheduled job', 'cancelled', () => store.jobs.cancel({ id: scheduled.id, now: at(1) }));

      const failing = await insertJob(store, { task: 'failing' });
      const c = new JobWalk(store, failing.id, failing.state, seen);
      await c.step('claiming', 'running', () => running(failing.id, at(1)));
      await c.step('failing', 'failed', async () => {
        const ref = attemptRef(await getJob(store, failing.id));
        await applyUpdate(store, jobFailed(ref, at(2), error(ref.attempt, at(2)), at(1000)));
      });
      await c.step('cancelling the failed job', 'cancelled', () => store.jobs.cancel({ id: failing.id, now: at(3) }));

      const abandoned = await insertJob(store, { task: 'abandoned' });
      const d = new JobWalk(store, abandoned.id, abandoned.state, seen);
      await d.step('claiming', 'running', () => claimJob(store, abandoned, { now: at(1), leaseExpiresAt: at(61) }));
      await d.step('recovering the expired lease', 'queued', () => store.jobs.recoverExpiredLeases({ now: at(62), limit: 10 }));

      const snoozing = await insertJob(store, { task: 'snoozing' });
      const e = new JobWalk(store, snoozing.id, snoozing.state, seen);
      await e.step('claiming', 'running', () => running(snoozing.id, at(1)));
      await e.step('snoozing', 'scheduled', async () => {
        await applyUpdate(store, jobSnoozed(attemptRef(await getJob(store, snoozing.id)), at(2), at(100)));
      });
      await e.step('promoting the snoozed job', 'queued', () => store.jobs.promoteDue({ now: at(100), limit: 10 }));

      // A flow's root: it waits for its child, and retrying it while the child is unfinished makes it wait again.
      const [root, leaf] = await insertFlow(store, [{ task: 'flow.root' }, { task: 'flow.leaf', maxAttempts: 1 }]);
      const f = new JobWalk(store, root.id, root.state, seen);
      await f.step("its child dying under 'fail'", 'dead', () => runJob(store, leaf, 'dead', { now: at(1) }));
      await f.step('retrying the child, then the dead parent', 'waiting', async () => {
        await store.jobs.retry({ id: leaf.id, now: at(10) });
        await store.jobs.retry({ id: root.id, now: at(11) });
      });
      await f.step('its child succeeding', 'queued', () => runJob(store, leaf, 'succeeded', { now: at(12) }));
      await f.step('claiming', 'running', () => running(root.id, at(13)));
      await f.step('succeeding', 'succeeded', async () => {
        await applyUpdate(store, jobSucceeded(attemptRef(await getJob(store, root.id)), at(14), 'published'));
      });
      await f.step('retrying the child, then the succeeded parent', 'waiting', async () => {
        await store.jobs.retry({ id: leaf.id, now: at(20) });
        await store.jobs.retry({ id: root.id, now: at(21) });
      });
      await f.step('cancelling the waiting job', 'cancelled', () => store.jobs.cancel({ id: root.id, now: at(22) }));
      await f.step('retrying the cancelled parent of an unfinished child', 'waiting', () => store.jobs.retry({ id: root.id, now: at(23) }));

      const [later, laterLeaf] = await insertFlow(store, [{ task: 'flow.later', runAt: at(1000) }, { task: 'flow.later-leaf' }]);
      const g = new JobWalk(store, later.id, later.state, seen);
      await g.step('its child succeeding while its runAt is ahead', 'scheduled', () => runJob(store, laterLeaf, 'succeeded', { now: at(1) }));

      const allowed = JOB_STATES.flatMap((from) => JOB_TRANSITIONS[from].map((to) => `${from} → ${to}`));
      expect([...seen].sort(), 'transitions exercised by this test').toEqual([...allowed].sort());
    });
  });
};
