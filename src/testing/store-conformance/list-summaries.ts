import { expect } from 'vitest';
import type { Job } from '../../job.js';
import { jobFailed, jobSucceeded } from '../../store/state-updates.js';
import type { JobListFilter, JobSummary, Store } from '../../store/store.js';
import type { SuiteSection } from './context.js';
import { applyUpdate, at, attemptRef, claimJob, insertJob } from './helpers.js';

const PREVIEW = 40;
const MESSAGE = 30;

/** What a summary of `job` must hold, from the whole job. */
function expectedSummary(job: Job): JobSummary {
  const { input, result, errors, ...rest } = job;
  const cut = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max)}…`);
  const last = errors.at(-1);
  return {
    ...rest,
    inputPreview: cut(JSON.stringify(input), PREVIEW),
    resultPreview: result === null ? null : cut(JSON.stringify(result), PREVIEW),
    errorCount: errors.length,
    lastError: last === undefined ? null : { attempt: last.attempt, message: cut(last.message, MESSAGE), at: last.at },
  };
}

/** Every page of both listings with the same params, side by side. */
async function bothListings(store: Store, filter: JobListFilter, limit: number): Promise<{ jobs: Job[]; summaries: JobSummary[] }> {
  const jobs: Job[] = [];
  const summaries: JobSummary[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 50; page += 1) {
    const whole = await store.jobs.list({ filter, cursor, limit });
    const lean = await store.jobs.summaryList({ filter, cursor, limit, previewChars: PREVIEW, messageChars: MESSAGE });
    expect(lean.nextCursor, `nextCursor of page ${page}`).toBe(whole.nextCursor);
    jobs.push(...whole.jobs);
    summaries.push(...lean.jobs);
    if (whole.nextCursor === null) return { jobs, summaries };
    cursor = whole.nextCursor;
  }
  throw new Error('the listings kept returning a nextCursor after 50 pages');
}

export const listSummaryTests: SuiteSection = (suite) => {
  suite.group('jobs.summaryList', { migrate: true }, (group) => {
    group.test('lists the same jobs as jobs.list, page by page, for every filter, with the large fields cut in the store', async ({ store }) => {
      const big = await insertJob(store, { task: 'big', queue: 'q1', input: { blob: 'é'.repeat(5_000), tail: 'needle' } });
      await insertJob(store, { task: 'small', queue: 'q2', input: { n: 1 } });
      const done = await insertJob(store, { task: 'small.done', queue: 'q1', input: { n: 2 } });
      const doneRef = attemptRef(await claimJob(store, done, { now: at(1) }));
      expect(await applyUpdate(store, jobSucceeded(doneRef, at(2), { rows: Array.from({ length: 50 }, (_, i) => i) }))).toBe(true);
      const failing = await insertJob(store, { task: 'small.failing', queue: 'q2', input: { n: 3 } });
      const failingRef = attemptRef(await claimJob(store, failing, { now: at(3) }));
      const error = { attempt: 1, message: `upstream said no: ${'x'.repeat(100)} needle`, stack: 'Error: upstream\n    at run (task.ts:1:1)', at: at(4) };
      expect(await applyUpdate(store, jobFailed(failingRef, at(4), error, at(60)))).toBe(true);
      for (let n = 0; n < 5; n += 1) await insertJob(store, { task: 'filler', queue: 'q3', input: { n } });

      const filters: JobListFilter[] = [{}, { states: ['queued'] }, { states: ['succeeded', 'failed'] }, { task: 'small' }, { queue: 'q1' }, { text: 'needle' }, { createdAfter: at(0) }];
      for (const filter of filters) {
        const { jobs, summaries } = await bothListings(store, filter, 3);
        expect(summaries, JSON.stringify(filter)).toEqual(jobs.map(expectedSummary));
      }
      const all = (await bothListings(store, {}, 100)).summaries;
      const bigSummary = all.find((summary) => summary.id === big.id)!;
      expect(bigSummary.inputPreview).toBe(`${'{"blob":"'}${'é'.repeat(PREVIEW - 9)}…`);
      expect(all.find((summary) => summary.id === failing.id)?.lastError?.message).toBe(`${'upstream said no: xxxxxxxxxxxx'}…`);
      expect(all.find((summary) => summary.id === done.id)?.resultPreview).toBe('{"rows":[0,1,2,3,4,5,6,7,8,9,10,11,12,13…');
    });
  });
};
