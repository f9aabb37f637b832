/** The job routes over real HTTP against real stores (SQLite, PostgreSQL): each route's happy path and errors. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobDto } from './job-dto.js';
import { describeEachStore, errorJson, startTestServer, type TestServer } from './test-server.js';

let server: TestServer;

const email = { to: 'ada@example.com', subject: 'Hello' };

async function enqueueEmail(input: unknown = email, options?: unknown): Promise<JobDto> {
  const response = await server.request('POST', '/jobs', { body: { task: 'email.send', input, options } });
  expect(response.status).toBe(201);
  return ((await response.json()) as { job: JobDto }).job;
}

describeEachStore('job routes', (store) => {
  beforeEach(async () => {
    server = await startTestServer({ store });
  });
  afterEach(async () => {
    await server.close();
  });

  describe('POST /jobs', () => {
    it('stores the job and returns it as JSON with ISO dates', async () => {
      const response = await server.request('POST', '/jobs', { body: { task: 'email.send', input: email, options: { priority: 7, maxAttempts: 2 } } });
      expect(response.status).toBe(201);
      const { job, duplicate } = (await response.json()) as { job: JobDto; duplicate: boolean };
      expect(duplicate).toBe(false);
      expect(job).toMatchObject({ task: 'email.send', queue: 'mail', input: email, state: 'queued', priority: 7, maxAttempts: 2, errors: [] });
      expect(new Date(job.createdAt).toISOString()).toBe(job.createdAt);
      const stored = await server.conveyor.getJob(job.id);
      expect(stored?.input).toEqual(email);
    });

    it('schedules a job with runAt or delayMs', async () => {
      const at = await enqueueEmail({ ...email, subject: 'later' }, { runAt: '2099-01-01T09:00:00+02:00' });
      expect(at).toMatchObject({ state: 'scheduled', runAt: '2099-01-01T07:00:00.000Z' });
      const delayed = await enqueueEmail({ ...email, subject: 'delayed' }, { delayMs: 3_600_000 });
      expect(delayed.state).toBe('scheduled');
    });

    it('returns the unfinished job holding the dedup key with duplicate: true', async () => {
      const first = await enqueueEmail();
      const response = await server.request('POST', '/jobs', { body: { task: 'email.send', input: email } });
      expect(response.status).toBe(201);
      expect(await response.json()).toMatchObject({ duplicate: true, job: { id: first.id } });
      expect(await server.jobCount()).toBe(1);
    });

    it('refuses an unknown task with 400 naming it and the known ones, storing nothing', async () => {
      const response = await server.request('POST', '/jobs', { body: { task: 'email.sned', input: email } });
      expect(response.status).toBe(400);
      const { error } = await errorJson(response);
      expect(error.code).toBe('unknown_task');
      expect(error.message).toContain('"email.sned"');
      expect(error.message).toContain('"email.send", "reports.export"');
      expect(error.details).toEqual([{ path: 'task', message: expect.any(String) }]);
      expect(await server.jobCount()).toBe(0);
    });

    it("refuses input that fails the task's schema with 400 and each field's path, storing nothing", async () => {
      const response = await server.request('POST', '/jobs', { body: { task: 'reports.export', input: { range: { start: '2024-02-01', end: '2024-01-01' } } } });
      expect(response.status).toBe(400);
      const { error } = await errorJson(response);
      expect(error.code).toBe('invalid_input');
      expect(error.details).toEqual([{ path: 'input.range.end', message: 'must not be before start' }]);
      const missing = await errorJson(await server.request('POST', '/jobs', { body: { task: 'email.send', input: { to: 'not an email' } } }));
      expect(missing.error.details?.map((detail) => detail.path).sort()).toEqual(['input.subject', 'input.to']);
      const absent = await errorJson(await server.request('POST', '/jobs', { body: { task: 'email.send' } }));
      expect(absent.error).toMatchObject({ code: 'invalid_request', details: [{ path: 'input' }] });
      expect(await server.jobCount()).toBe(0);
    });

    it('refuses options of the wrong type or out of range with 400 naming the option', async () => {
      const cases: Array<[unknown, string, string]> = [
        [{ priority: 'high' }, 'invalid_request', 'options.priority'],
        [{ runAt: 'tomorrow' }, 'invalid_request', 'options.runAt'],
        [{ delayMs: -1 }, 'invalid_request', 'options.delayMs'],
        [{ delay: 5 }, 'invalid_request', 'options'],
        [{ priority: 2 ** 40 }, 'invalid_option', 'enqueue("email.send") options.priority'],
        [{ delayMs: 1, runAt: '2030-01-01T00:00:00Z' }, 'invalid_option', 'enqueue("email.send") options'],
        [{ dedupKey: '' }, 'invalid_option', 'enqueue("email.send") options.dedupKey'],
      ];
      for (const [options, code, path] of cases) {
        const response = await server.request('POST', '/jobs', { body: { task: 'email.send', input: email, options } });
        expect(response.status, JSON.stringify(options)).toBe(400);
        const { error } = await errorJson(response);
        expect(error.code, JSON.stringify(options)).toBe(code);
        expect(error.details?.[0]?.path, JSON.stringify(options)).toBe(path);
      }
      expect(await server.jobCount()).toBe(0);
    });

    it('refuses bodies that are not a JSON object of the right shape', async () => {
      const invalidJson = await server.request('POST', '/jobs', { rawBody: '{"task": ', headers: { 'content-type': 'application/json' } });
      expect(invalidJson.status).toBe(400);
      expect((await errorJson(invalidJson)).error.code).toBe('invalid_json');
      const notJson = await server.request('POST', '/jobs', { rawBody: 'task=email.send', headers: { 'content-type': 'text/plain' } });
      expect(notJson.status).toBe(415);
      expect((await errorJson(notJson)).error.code).toBe('unsupported_media_type');
      const noBody = await server.request('POST', '/jobs');
      expect(noBody.status).toBe(400);
      await errorJson(noBody);
      const extra = await errorJson(await server.request('POST', '/jobs', { body: { task: 'email.send', input: email, queue: 'x' } }));
      expect(extra.error.code).toBe('invalid_request');
      expect(await server.jobCount()).toBe(0);
    });

    it('refuses a body over the size limit with 413 and stores nothing', async () => {
      const small = await startTestServer({ bodyLimitBytes: 1024 });
      try {
        const response = await small.request('POST', '/jobs', { body: { task: 'email.send', input: { ...email, subject: 'x'.repeat(2000) } } });
        expect(response.status).toBe(413);
        expect((await errorJson(response)).error.code).toBe('payload_too_large');
        const fits = await small.request('POST', '/jobs', { body: { task: 'email.send', input: email } });
        expect(fits.status).toBe(201);
        expect(await small.jobCount()).toBe(1);
      } finally {
        await small.close();
      }
    });
  });

  describe('POST /jobs/bulk', () => {
    it('stores every job in order', async () => {
      const body = [
        { task: 'email.send', input: email },
        { task: 'reports.export', input: { range: { start: '2024-01-01', end: '2024-02-01' } }, options: { priority: 3 } },
      ];
      const response = await server.request('POST', '/jobs/bulk', { body });
      expect(response.status).toBe(201);
      const { results } = (await response.json()) as { results: Array<{ job: JobDto; duplicate: boolean }> };
      expect(results.map((result) => [result.job.task, result.job.priority, result.duplicate])).toEqual([
        ['email.send', 0, false],
        ['reports.export', 3, false],
      ]);
      expect(await server.jobCount()).toBe(2);
    });

    it('stores none when one item fails, naming the item and field', async () => {
      const body = [
        { task: 'email.send', input: email },
        { task: 'email.send', input: { ...email, to: 'nope' } },
      ];
      const response = await server.request('POST', '/jobs/bulk', { body });
      expect(response.status).toBe(400);
      expect((await errorJson(response)).error).toMatchObject({ code: 'invalid_input', details: [{ path: '1.input.to' }] });
      const unknown = await server.request('POST', '/jobs/bulk', { body: [{ task: 'email.send', input: email }, { task: 'nope', input: {} }] });
      expect(unknown.status).toBe(400);
      expect((await errorJson(unknown)).error).toMatchObject({ code: 'unknown_task', message: expect.stringContaining('"nope"') });
      const single = await errorJson(await server.request('POST', '/jobs/bulk', { body: [{ task: 'email.send', input: {} }] }));
      expect(single.error.details?.map((detail) => detail.path).sort()).toEqual(['0.input.subject', '0.input.to']);
      expect(await server.jobCount()).toBe(0);
    });

    it('refuses an empty list, a non-list and more than 1000 items', async () => {
      for (const body of [[], { task: 'email.send', input: email }, Array.from({ length: 1001 }, () => ({ task: 'email.send', input: email }))]) {
        const response = await server.request('POST', '/jobs/bulk', { body });
        expect(response.status).toBe(400);
        expect((await errorJson(response)).error.code).toBe('invalid_request');
      }
      expect(await server.jobCount()).toBe(0);
    });
  });

  describe('GET /jobs/{id}', () => {
    it('returns the job with its artifacts and steps (none yet)', async () => {
      const job = await enqueueEmail();
      const response = await server.request('GET', `/jobs/${job.id}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ job: { ...job, artifacts: [], steps: [] } });
    });

    it('answers 404 for a job that does not exist, whatever the id looks like', async () => {
      for (const id of ['999999', 'abc', '-1', '1e3', '%00', '9'.repeat(40)]) {
        const response = await server.request('GET', `/jobs/${id}`);
        expect(response.status, id).toBe(404);
        expect((await errorJson(response)).error.code).toBe('not_found');
      }
    });
  });

  describe('GET /jobs', () => {
    it('lists newest first, filtered by state, task and queue, page by page', async () => {
      const a = await enqueueEmail({ ...email, subject: 'a' });
      const b = await enqueueEmail({ ...email, subject: 'b' }, { delayMs: 60_000 });
      const c = await server.request('POST', '/jobs', { body: { task: 'reports.export', input: { range: { start: '2024-01-01', end: '2024-01-02' } } } });
      const report = ((await c.json()) as { job: JobDto }).job;
      const list = async (query: string) => {
        const response = await server.request('GET', `/jobs${query}`);
        expect(response.status, query).toBe(200);
        return (await response.json()) as { jobs: JobDto[]; nextCursor: string | null };
      };
      expect((await list('')).jobs.map((job) => job.id)).toEqual([report.id, b.id, a.id]);
      expect((await list('?state=scheduled')).jobs.map((job) => job.id)).toEqual([b.id]);
      expect((await list('?state=queued,scheduled&task=email.send')).jobs.map((job) => job.id)).toEqual([b.id, a.id]);
      expect((await list('?queue=default')).jobs.map((job) => job.id)).toEqual([report.id]);
      const first = await list('?limit=2');
      expect(first.jobs.map((job) => job.id)).toEqual([report.id, b.id]);
      expect(first.nextCursor).not.toBeNull();
      const second = await list(`?limit=2&cursor=${first.nextCursor}`);
      expect(second).toEqual({ jobs: [expect.objectContaining({ id: a.id })], nextCursor: null });
    });

    it('refuses bad query values with 400 naming the parameter', async () => {
      const cases: Array<[string, string]> = [
        ['?state=done', 'query.state'],
        ['?state=queued,', 'query.state'],
        ['?limit=0', 'query.limit'],
        ['?limit=1001', 'query.limit'],
        ['?limit=ten', 'query.limit'],
        ['?limit=1.5', 'query.limit'],
        ['?cursor=abc', 'query.cursor'],
        ['?cursor=99999999999999999999', 'query.cursor'],
        ['?task=', 'query.task'],
        ['?state=queued&state=failed', 'query.state'],
      ];
      for (const [query, path] of cases) {
        const response = await server.request('GET', `/jobs${query}`);
        expect(response.status, query).toBe(400);
        const { error } = await errorJson(response);
        expect(error.code, query).toBe('invalid_request');
        expect(error.details?.[0]?.path, query).toBe(path);
      }
    });
  });

  describe('POST /jobs/{id}/cancel and /retry', () => {
    it('cancels a queued job, retries it, and refuses to retry a queued job with 409', async () => {
      const job = await enqueueEmail();
      const cancelled = await server.request('POST', `/jobs/${job.id}/cancel`);
      expect(cancelled.status).toBe(200);
      expect(await cancelled.json()).toMatchObject({ job: { id: job.id, state: 'cancelled' } });
      const again = await server.request('POST', `/jobs/${job.id}/cancel`);
      expect(await again.json()).toMatchObject({ job: { state: 'cancelled' } });
      const retried = await server.request('POST', `/jobs/${job.id}/retry`);
      expect(retried.status).toBe(200);
      expect(await retried.json()).toMatchObject({ job: { id: job.id, state: 'queued' } });
      const conflict = await server.request('POST', `/jobs/${job.id}/retry`);
      expect(conflict.status).toBe(409);
      expect((await errorJson(conflict)).error).toMatchObject({ code: 'conflict', message: expect.stringContaining('queued') });
    });

    it('runs a scheduled job now, and refuses a queued one with 409 naming its state', async () => {
      const scheduled = await enqueueEmail({ ...email, subject: 'later' }, { delayMs: 3_600_000 });
      expect(scheduled.state).toBe('scheduled');
      const ran = await server.request('POST', `/jobs/${scheduled.id}/run-now`);
      expect(ran.status).toBe(200);
      const { job } = (await ran.json()) as { job: JobDto };
      expect(job).toMatchObject({ id: scheduled.id, state: 'queued' });
      expect(Date.parse(job.runAt)).toBeLessThan(Date.parse(scheduled.runAt));
      const conflict = await server.request('POST', `/jobs/${scheduled.id}/run-now`);
      expect(conflict.status).toBe(409);
      expect((await errorJson(conflict)).error).toMatchObject({ code: 'conflict', message: expect.stringContaining('is queued') });
    });

    it('answers 404 for a job that does not exist', async () => {
      for (const action of ['cancel', 'retry', 'run-now']) {
        for (const id of ['424242', 'not-a-job']) {
          const response = await server.request('POST', `/jobs/${id}/${action}`);
          expect(response.status, `${action} ${id}`).toBe(404);
          expect((await errorJson(response)).error.code).toBe('not_found');
        }
      }
    });
  });

  describe('any other route', () => {
    it('answers 404 in the error shape', async () => {
      for (const [method, path] of [['GET', '/nope'], ['DELETE', '/jobs/1'], ['PUT', '/jobs']] as const) {
        const response = await server.request(method, path);
        expect(response.status, `${method} ${path}`).toBe(404);
        expect((await errorJson(response)).error.code).toBe('not_found');
      }
    });
  });
});
