/**
 * Searching jobs by creation time and text, and retrying every job matching a filter, over real HTTP
 * against a real store (SQLite and PostgreSQL). Jobs are driven to `dead` through the store itself,
 * as a worker would.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { jobDead } from '../store/state-updates.js';
import { DEFAULT_TEXT_SEARCH_WINDOW } from '../store/store.js';
import type { JobDto } from './job-dto.js';
import { describeEachStore, errorJson, startTestServer, type TestServer } from './test-server.js';

let server: TestServer;

const WORKER = 'search-test-worker';

async function enqueue(task: string, input: unknown): Promise<JobDto> {
  const response = await server.request('POST', '/jobs', { body: { task, input } });
  expect(response.status).toBe(201);
  return ((await response.json()) as { job: JobDto }).job;
}

/** Claim this job (the only queued job of its task) and record its attempt as dead with `message`. */
async function killJob(job: JobDto, message: string): Promise<void> {
  const store = server.conveyor.store;
  const now = new Date();
  const claimed = await store.jobs.claim({ queues: [job.queue], tasks: [job.task], workerId: WORKER, limit: 1, now, leaseExpiresAt: new Date(now.getTime() + 60_000) });
  expect(claimed.map((running) => running.id)).toEqual([job.id]);
  const attempt = claimed[0]?.attempt ?? 1;
  const error = { attempt, message, stack: `Error: ${message}\n    at run (tasks.ts:1:1)`, at: now };
  const [result] = await store.jobs.setStateIfRunningMany({ updates: [jobDead({ id: job.id, attempt, workerId: WORKER }, now, error)] });
  expect(result?.applied).toBe(true);
}

/** Insert an `email.send` job as if enqueued at `createdAt`. */
async function insertEmailAt(createdAt: string, subject: string): Promise<string> {
  const [result] = await server.conveyor.store.jobs.insertMany({
    jobs: [{ task: 'email.send', queue: 'mail', input: { to: 'ops@example.com', subject }, priority: 0, runAt: new Date(createdAt), maxAttempts: 3, dedupKey: null, concurrencyKey: null, traceContext: null }],
    now: new Date(createdAt),
  });
  if (result === undefined) throw new Error('jobs.insertMany returned no result');
  return result.job.id;
}

async function listIds(query: string): Promise<string[]> {
  const response = await server.request('GET', `/jobs?${query}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { jobs: JobDto[] }).jobs.map((job) => job.id);
}

describeEachStore('job search routes', (store) => {
  beforeEach(async () => {
    server = await startTestServer({ store });
  });
  afterEach(async () => {
    await server.close();
  });

  describe('GET /jobs search', () => {
    it('finds a job by a word of its input and by a word of its error message, in any case', async () => {
      const invoice = await enqueue('email.send', { to: 'ada@example.com', subject: 'Invoice 2026-07' });
      const other = await enqueue('email.send', { to: 'grace@example.com', subject: 'Welcome' });
      const report = await enqueue('reports.export', { range: { start: '2026-01-01', end: '2026-01-31' } });
      await killJob(report, 'S3 bucket Unreachable');
      expect(await listIds('q=INVOICE')).toEqual([invoice.id]);
      expect(await listIds(`q=${encodeURIComponent('grace@')}`)).toEqual([other.id]);
      expect(await listIds('q=unreachable')).toEqual([report.id]);
      expect(await listIds('q=unreachable&state=queued')).toEqual([]);
      expect(await listIds(`q=${encodeURIComponent('100%')}`)).toEqual([]);
    });

    it('filters by creation time: createdAfter inclusive, createdBefore exclusive', async () => {
      const first = await insertEmailAt('2026-03-01T10:00:00Z', 'first');
      const second = await insertEmailAt('2026-03-01T11:00:00Z', 'second');
      const third = await insertEmailAt('2026-03-01T12:00:00Z', 'third');
      expect(await listIds('createdAfter=2026-03-01T11:00:00Z')).toEqual([third, second]);
      expect(await listIds('createdBefore=2026-03-01T11:00:00Z')).toEqual([first]);
      // An offset is honoured: 12:30+01:00 is 11:30Z.
      expect(await listIds(`createdAfter=2026-03-01T10:00:00Z&createdBefore=${encodeURIComponent('2026-03-01T12:30:00+01:00')}`)).toEqual([second, first]);
      expect(await listIds('createdAfter=2026-03-01T11:00:00Z&q=third')).toEqual([third]);
    });

    it('pages a search with the cursor', async () => {
      const wanted: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        wanted.push(await insertEmailAt(`2026-03-01T10:0${i}:00Z`, `needle ${i}`));
        await insertEmailAt(`2026-03-01T10:0${i}:30Z`, `hay ${i}`);
      }
      const listed: string[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 10; page += 1) {
        const response = await server.request('GET', `/jobs?q=needle&limit=2${cursor === null ? '' : `&cursor=${cursor}`}`);
        const body = (await response.json()) as { jobs: JobDto[]; nextCursor: string | null };
        listed.push(...body.jobs.map((job) => job.id));
        cursor = body.nextCursor;
        if (cursor === null) break;
      }
      expect(listed).toEqual([...wanted].reverse());
    });

    it('refuses bad datetimes and text with 400 naming the field', async () => {
      const cases: Array<[string, string]> = [
        ['createdAfter=yesterday', 'query.createdAfter'],
        ['createdBefore=2026-13-01T00:00:00Z', 'query.createdBefore'],
        ['createdAfter=2026-03-01', 'query.createdAfter'],
        ['createdBefore=2026-03-01T10:00:00', 'query.createdBefore'],
        ['q=', 'query.q'],
        [`q=${'x'.repeat(201)}`, 'query.q'],
      ];
      for (const [query, path] of cases) {
        const response = await server.request('GET', `/jobs?${query}`);
        expect(response.status, query).toBe(400);
        const { error } = await errorJson(response);
        expect(error.code, query).toBe('invalid_request');
        expect(error.details?.map((detail) => detail.path), query).toEqual([path]);
      }
    });
  });

  describe('POST /jobs/retry', () => {
    it('retries only the dead jobs of one task and reports them', async () => {
      const deadReports: JobDto[] = [];
      for (const month of ['01', '02']) {
        const job = await enqueue('reports.export', { range: { start: `2026-${month}-01`, end: `2026-${month}-28` } });
        await killJob(job, `export of ${month} failed`);
        deadReports.push(job);
      }
      const deadEmail = await enqueue('email.send', { to: 'ada@example.com', subject: 'Dead too' });
      await killJob(deadEmail, 'smtp refused');
      const queuedReport = await enqueue('reports.export', { range: { start: '2026-03-01', end: '2026-03-31' } });

      const response = await server.request('POST', '/jobs/retry', { body: { task: 'reports.export' } });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { retried: string[]; failed: unknown[] };
      expect(body).toEqual({ retried: deadReports.map((job) => job.id).reverse(), failed: [] });
      for (const job of deadReports) expect((await server.conveyor.getJob(job.id))?.state).toBe('queued');
      expect((await server.conveyor.getJob(deadEmail.id))?.state).toBe('dead');
      expect((await server.conveyor.getJob(queuedReport.id))?.attempt).toBe(0);
    });

    it('narrows by text, time and limit, and reports a dedup conflict without stopping the others', async () => {
      // Two dead jobs with the same dedup key: once the newer is queued again, the older cannot be.
      const older = await enqueue('email.send', { to: 'ada@example.com', subject: 'Same' });
      await killJob(older, 'mailbox full');
      const newer = await enqueue('email.send', { to: 'ada@example.com', subject: 'Same' });
      await killJob(newer, 'mailbox full');
      const unrelated = await enqueue('email.send', { to: 'bob@example.com', subject: 'Other' });
      await killJob(unrelated, 'mailbox full');

      const response = await server.request('POST', '/jobs/retry', { body: { states: ['dead'], q: 'ADA@', limit: 10 } });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { retried: string[]; failed: Array<{ id: string; error: { code: string; message: string } }> };
      expect(body.retried).toEqual([newer.id]);
      expect(body.failed).toEqual([{ id: older.id, error: { code: 'conflict', message: expect.stringContaining('dedup key') } }]);
      expect((await server.conveyor.getJob(unrelated.id))?.state).toBe('dead');

      const limited = await server.request('POST', '/jobs/retry', { body: { limit: 1 } });
      expect(await limited.json()).toEqual({ retried: [unrelated.id], failed: [] });
      const future = await server.request('POST', '/jobs/retry', { body: { states: ['dead', 'queued'], createdAfter: '2099-01-01T00:00:00Z' } });
      expect(future.status).toBe(400);
      const none = await server.request('POST', '/jobs/retry', { body: { createdAfter: '2099-01-01T00:00:00Z' } });
      expect(await none.json()).toEqual({ retried: [], failed: [] });
    });

    it('refuses a bad filter with 400 naming the field, retrying nothing', async () => {
      const job = await enqueue('email.send', { to: 'ada@example.com', subject: 'Stays dead' });
      await killJob(job, 'boom');
      const cases: Array<[unknown, string]> = [
        [{ states: ['queued'] }, 'states.0'],
        [{ states: [] }, 'states'],
        [{ limit: 0 }, 'limit'],
        [{ limit: 1001 }, 'limit'],
        [{ createdBefore: 'soon' }, 'createdBefore'],
        [{ q: '' }, 'q'],
        [{ task: 'reports.export', extra: true }, ''],
      ];
      for (const [body, path] of cases) {
        const response = await server.request('POST', '/jobs/retry', { body });
        expect(response.status, JSON.stringify(body)).toBe(400);
        expect((await errorJson(response)).error.details?.map((detail) => detail.path), JSON.stringify(body)).toEqual([path]);
      }
      expect((await server.conveyor.getJob(job.id))?.state).toBe('dead');
    });
  });
});

describe('a text search over more jobs than one window (SQLite)', () => {
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('GET /jobs pages on below the window with an empty page, and POST /jobs/retry follows the cursor to the match', async () => {
    const needle = await enqueue('email.send', { to: 'needle@example.com', subject: 'old' });
    await killJob(needle, 'mailbox full');
    // More jobs above it than one text search reads (DEFAULT_TEXT_SEARCH_WINDOW), inserted straight into the file.
    const db = new Database(server.storeUrl.replace(/^sqlite:/, ''));
    db.prepare(`
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${DEFAULT_TEXT_SEARCH_WINDOW})
      INSERT INTO conveyor_jobs (task, queue, input, state, priority, run_at, attempt, max_attempts, created_at, updated_at, finished_at)
      SELECT 'email.send', 'mail', '{"to":"hay@example.com"}', 'succeeded', 0, 0, 1, 3, 0, 0, 0 FROM n`).run();
    db.close();

    const first = await server.request('GET', '/jobs?q=needle');
    const firstPage = (await first.json()) as { jobs: JobDto[]; nextCursor: string | null };
    expect(firstPage.jobs).toEqual([]);
    expect(firstPage.nextCursor).not.toBeNull();
    const second = (await (await server.request('GET', `/jobs?q=needle&cursor=${firstPage.nextCursor}`)).json()) as { jobs: JobDto[]; nextCursor: string | null };
    expect(second.jobs.map((job) => job.id)).toEqual([needle.id]);
    expect(second.nextCursor).toBeNull();

    const retry = await server.request('POST', '/jobs/retry', { body: { states: ['dead'], q: 'needle' } });
    expect(await retry.json()).toEqual({ retried: [needle.id], failed: [] });
  });
});
