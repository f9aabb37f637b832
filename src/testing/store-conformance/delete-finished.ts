/**
 * `jobs.deleteFinished`, an operator's delete: only finished jobs among the ids given go, never an
 * unfinished one, and never a child whose flow parent still waits to read its result.
 */
import { expect } from 'vitest';
import type { Job, JobState } from '../../job.js';
import type { SuiteSection } from './context.js';
import { at, claimJob, finishClaimed, insertFlow, jobInState, sortedIds, unknownJobId } from './helpers.js';

export const deleteFinishedTests: SuiteSection = (suite) => {
  suite.group('jobs.deleteFinished', { migrate: true }, (group) => {
    group.test('deletes the finished jobs among the ids and leaves every other job', async ({ store }) => {
      // A task per job, so making one job running or failed never claims another.
      const make = (state: JobState) => jobInState(store, state, { task: `delete.${state}` });
      const finished = [await make('succeeded'), await make('dead'), await make('cancelled')];
      const unfinished = [await make('scheduled'), await make('queued'), await make('running'), await make('failed')];
      const notAsked = await jobInState(store, 'dead', { task: 'not.asked' });
      const deleted = await store.jobs.deleteFinished({ ids: [...finished, ...unfinished].map((job) => job.id) });
      expect(deleted).toEqual(sortedIds(finished));
      for (const job of finished) expect(await store.jobs.get({ id: job.id })).toBeNull();
      for (const job of [...unfinished, notAsked]) expect(await store.jobs.get({ id: job.id })).toEqual(job);
    });

    group.test('keeps a finished child whose parent is unfinished, and deletes it once the parent is finished', async ({ store }) => {
      const [root, child] = await insertFlow(store, [{}, { parentIndex: 0 }]);
      const claimed = await claimJob(store, child, { now: at(1) });
      await finishClaimed(store, claimed, 'succeeded', at(2));
      expect(await store.jobs.deleteFinished({ ids: [child.id] }), 'the waiting parent reads its result').toEqual([]);
      const parentAfter = (await store.jobs.get({ id: root.id })) as Job;
      expect(parentAfter.state).toBe('queued');
      expect(await store.jobs.deleteFinished({ ids: [child.id] }), 'the parent is queued: still unfinished').toEqual([]);
      await store.jobs.cancel({ id: root.id, now: at(3) });
      expect(await store.jobs.deleteFinished({ ids: [child.id] })).toEqual([child.id]);
    });

    group.test('ignores unknown and malformed ids, and an empty list', async ({ store }) => {
      expect(await store.jobs.deleteFinished({ ids: [] })).toEqual([]);
      expect(await store.jobs.deleteFinished({ ids: [await unknownJobId(store), 'not-an-id'] })).toEqual([]);
    });
  });
};
