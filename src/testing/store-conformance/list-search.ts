/**
 * `jobs.list` by creation time and by text: the half-open time range, the text search over the input
 * JSON and the error messages, and both combined with the indexed filters and the cursor.
 */
import { expect } from 'vitest';
import type { JobListFilter, Store } from '../../store/store.js';
import type { SuiteSection } from './context.js';
import { at, insertJob, runJob } from './helpers.js';
import { walk } from './list-count.js';

async function listedIds(store: Store, filter: JobListFilter): Promise<string[]> {
  return (await store.jobs.list({ filter, cursor: null, limit: 100 })).jobs.map((job) => job.id);
}

export const listSearchTests: SuiteSection = (suite) => {
  suite.group('jobs.list search', { migrate: true }, (group) => {
    group.test('createdAfter is inclusive and createdBefore exclusive', async ({ store }) => {
      const jobs = [];
      for (let second = 1; second <= 4; second += 1) jobs.push(await insertJob(store, { now: at(second) }));
      const [one, two, three, four] = jobs.map((job) => job.id);
      expect(await listedIds(store, { createdAfter: at(2), createdBefore: at(4) })).toEqual([three, two]);
      expect(await listedIds(store, { createdAfter: at(3) })).toEqual([four, three]);
      expect(await listedIds(store, { createdBefore: at(2) })).toEqual([one]);
      expect(await listedIds(store, { createdAfter: at(2.5), createdBefore: at(2.5) })).toEqual([]);
    });

    group.test('text matches a word of the input or of an error message, in any case', async ({ store }) => {
      const byInput = await insertJob(store, { input: { customer: 'Ada Lovelace', plan: 'pro' }, now: at(1) });
      const byError = await insertJob(store, { task: 'mailer', input: { n: 2 }, now: at(2) });
      await runJob(store, byError, 'dead', { now: at(2), message: 'SMTP connection Timed Out' });
      await insertJob(store, { input: { customer: 'Grace Hopper' }, now: at(3) });
      expect(await listedIds(store, { text: 'lovelace' })).toEqual([byInput.id]);
      expect(await listedIds(store, { text: 'ADA LOVE' })).toEqual([byInput.id]);
      expect(await listedIds(store, { text: 'timed out' })).toEqual([byError.id]);
      // Keys are part of the input's JSON text too.
      expect(await listedIds(store, { text: '"plan"' })).toEqual([byInput.id]);
      // The stack is not searched: every stack names files, so every failed job would match.
      expect(await listedIds(store, { text: 'task.ts' })).toEqual([]);
      expect(await listedIds(store, { text: 'nobody' })).toEqual([]);
    });

    group.test('% and _ and \\ in the text are literal characters, not patterns', async ({ store }) => {
      const percent = await insertJob(store, { input: { code: '100%_off' }, now: at(1) });
      const lookalike = await insertJob(store, { input: { code: '100 xoff' }, now: at(2) });
      const backslash = await insertJob(store, { input: { path: 'C:\\tmp' }, now: at(3) });
      expect(await listedIds(store, { text: '%' })).toEqual([percent.id]);
      expect(await listedIds(store, { text: '_' })).toEqual([percent.id]);
      expect(await listedIds(store, { text: '100%_o' })).toEqual([percent.id]);
      expect(await listedIds(store, { text: '100__off' })).toEqual([]);
      expect(await listedIds(store, { text: '\\' })).toEqual([backslash.id]);
      expect(await listedIds(store, { text: 'xoff' })).toEqual([lookalike.id]);
    });

    group.test('combines with states, task and queue', async ({ store }) => {
      const deadA = await insertJob(store, { task: 'a', queue: 'q1', now: at(1) });
      await runJob(store, deadA, 'dead', { message: 'boom in a' });
      const deadB = await insertJob(store, { task: 'b', queue: 'q1', now: at(2) });
      await runJob(store, deadB, 'dead', { now: at(2), message: 'boom in b' });
      const queuedA = await insertJob(store, { task: 'a', queue: 'q2', input: { note: 'boom soon' }, now: at(3) });
      const lateA = await insertJob(store, { task: 'a', queue: 'q1', input: { note: 'boom later' }, now: at(10) });
      // Each leading filter (state, task, queue, none) walks its own index; the search applies on each.
      expect(await listedIds(store, { states: ['dead'], text: 'BOOM' })).toEqual([deadB.id, deadA.id]);
      expect(await listedIds(store, { states: ['dead', 'queued'], task: 'a', text: 'boom' })).toEqual([lateA.id, queuedA.id, deadA.id]);
      expect(await listedIds(store, { task: 'a', text: 'boom', createdBefore: at(10) })).toEqual([queuedA.id, deadA.id]);
      expect(await listedIds(store, { queue: 'q1', text: 'boom', createdAfter: at(2) })).toEqual([lateA.id, deadB.id]);
      expect(await listedIds(store, { text: 'boom', createdAfter: at(2), createdBefore: at(10) })).toEqual([queuedA.id, deadB.id]);
      expect(await listedIds(store, { states: ['succeeded'], text: 'boom' })).toEqual([]);
    });

    group.test('cursor pagination keeps the search on every page', async ({ store }) => {
      const wanted = [];
      for (let i = 0; i < 9; i += 1) {
        wanted.push(await insertJob(store, { input: { word: `Needle-${i}` }, now: at(i) }));
        await insertJob(store, { input: { word: `hay-${i}` }, now: at(i) });
      }
      const pages = await walk(store, { text: 'needle', createdAfter: at(1) }, 3);
      expect(pages.flat().map((job) => job.id)).toEqual(wanted.slice(1).reverse().map((job) => job.id));
    });

    group.test('a text search reads at most textSearchWindow ids per call, and its cursor goes on below them', async ({ store }) => {
      const ids: string[] = [];
      for (let i = 0; i < 10; i += 1) ids.push((await insertJob(store, { input: { word: i === 1 || i === 8 ? 'needle' : 'hay' }, now: at(i) })).id);
      const search = (cursor: string | null) => store.jobs.list({ filter: { text: 'needle' }, cursor, limit: 5, textSearchWindow: 4 });
      // Ids 10..7 (the newest four): one match, and older jobs exist, so a cursor.
      const first = await search(null);
      expect(first.jobs.map((job) => job.id)).toEqual([ids[8]]);
      expect(first.nextCursor).not.toBeNull();
      // Ids 6..3: no match, yet a cursor: the window ended, not the search.
      const second = await search(first.nextCursor);
      expect(second.jobs).toEqual([]);
      expect(second.nextCursor).not.toBeNull();
      // Ids 2..1: the last match, and nothing older: the last page.
      const third = await search(second.nextCursor);
      expect(third.jobs.map((job) => job.id)).toEqual([ids[1]]);
      expect(third.nextCursor).toBeNull();
      // Other filters walk indexes and ignore the window.
      expect((await store.jobs.list({ filter: {}, cursor: null, limit: 10, textSearchWindow: 4 })).jobs).toHaveLength(10);
      await expect(store.jobs.list({ filter: { text: 'x' }, cursor: null, limit: 5, textSearchWindow: 0 })).rejects.toThrow(/textSearchWindow: must be an integer ≥ 1/);
    });
  });
};
