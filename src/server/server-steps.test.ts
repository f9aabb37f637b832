/**
 * Durable steps over real HTTP on both stores, run by a real worker: the steps of `GET /jobs/{id}`
 * (a run step, a sleep, a wait), `POST /events/{name}` resuming a waiting job, refusing a payload
 * that fails the event's schema (400 naming each field, nothing resumed) and an undeclared event
 * (404 naming the declared ones), the enqueue rate limit on it, the `step` of SSE job events, and
 * the OpenAPI document.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { defineEvent } from '../step.js';
import { defineTask } from '../task.js';
import { FAST_WORKER } from '../testing/worker-conformance/helpers.js';
import type { Worker } from '../worker/worker.js';
import type { StepDto } from './step-dto.js';
import { connectSse, jobEvents } from './sse-test-client.js';
import { describeEachStore, errorJson, startTestServer, TOKEN, type TestServer, type TestServerOptions, type TestStoreFactory } from './test-server.js';

const approved = defineEvent({ name: 'export.approved', payload: z.object({ exportId: z.number().int(), by: z.string().min(1) }) });
const cancelled = defineEvent({ name: 'export.cancelled', payload: z.object({ exportId: z.number().int() }) });

const approveExport = defineTask({
  name: 'exports.approve',
  input: z.object({ exportId: z.number().int() }),
  run: async ({ exportId }, ctx) => {
    const rows = await ctx.step('count-rows', () => 3);
    await ctx.sleep('cool-down', 30);
    const approval = await ctx.waitForEvent<{ by: string }>('approval', { event: approved.name, match: { exportId }, timeoutMs: 60_000 });
    return approval.timedOut ? 'timed out' : `${rows} rows approved by ${approval.payload.by}`;
  },
});

let server: TestServer;
let worker: Worker;

async function start(store: TestStoreFactory, options: TestServerOptions = {}): Promise<void> {
  server = await startTestServer({ store, tasks: [approveExport], eventDefinitions: [approved, cancelled], events: { pollMs: 50 }, ...options });
  worker = server.conveyor.createWorker({ ...FAST_WORKER, tasks: [approveExport] });
  await worker.start();
}

/** Enqueue an export and resolve once it waits for its approval. */
async function waitingExport(exportId: number): Promise<string> {
  const { job } = await server.conveyor.enqueue(approveExport, { exportId });
  await vi.waitFor(async () => expect((await server.conveyor.listSteps(job.id)).find((step) => step.name === 'approval')?.status).toBe('waiting'), { timeout: 10_000, interval: 20 });
  return job.id;
}

async function stepsOf(jobId: string): Promise<StepDto[]> {
  const response = await server.request('GET', `/jobs/${jobId}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { job: { steps: StepDto[] } }).job.steps;
}

describeEachStore('durable steps over HTTP', (store) => {
  afterEach(async () => {
    await worker.stop();
    await server.close();
  });

  it('GET /jobs/{id} lists the steps; POST /events/{name} resumes the waiting job, which then finishes', async () => {
    await start(store);
    const jobId = await waitingExport(42);
    const waiting = await stepsOf(jobId);
    expect(waiting.map(({ name, kind, status, attempt, event, error }) => ({ name, kind, status, attempt, event, error }))).toEqual([
      { name: 'count-rows', kind: 'run', status: 'succeeded', attempt: 1, event: null, error: null },
      { name: 'cool-down', kind: 'sleep', status: 'succeeded', attempt: 1, event: null, error: null },
      { name: 'approval', kind: 'wait', status: 'waiting', attempt: 1, event: 'export.approved', error: null },
    ]);
    const [run, sleep, wait] = waiting as [StepDto, StepDto, StepDto];
    expect(run.until).toBeNull();
    expect(new Date(run.startedAt).toISOString()).toBe(run.startedAt);
    expect(run.durationMs).toBe(new Date(run.finishedAt!).getTime() - new Date(run.startedAt).getTime());
    expect(new Date(sleep.until!).getTime() - new Date(sleep.startedAt).getTime()).toBeGreaterThanOrEqual(30);
    expect(wait).toMatchObject({ finishedAt: null, durationMs: null });
    expect(new Date(wait.until!).getTime()).toBeGreaterThan(Date.now() + 50_000);
    expect(Object.keys(wait)).not.toContain('output');
    expect((await server.conveyor.getJob(jobId))?.state).toBe('scheduled');

    const sent = await server.request('POST', '/events/export.approved', { body: { exportId: 42, by: 'ada' } });
    expect(sent.status).toBe(200);
    const result = (await sent.json()) as { seq: string; resolvedJobIds: string[] };
    expect(result).toEqual({ seq: expect.stringMatching(/^\d+$/), resolvedJobIds: [jobId] });
    expect(await server.conveyor.waitFor(jobId, { timeoutMs: 10_000 })).toMatchObject({ state: 'succeeded', result: '3 rows approved by ada' });
    const done = (await stepsOf(jobId)).find((step) => step.name === 'approval');
    expect(done).toMatchObject({ kind: 'wait', status: 'succeeded', event: 'export.approved', error: null });
    expect(done!.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('a payload that fails the schema is 400 naming each field, and resumes nothing', async () => {
    await start(store);
    const jobId = await waitingExport(7);
    const response = await server.request('POST', '/events/export.approved', { body: { exportId: 'seven' } });
    expect(response.status).toBe(400);
    const { error } = await errorJson(response);
    expect(error.code).toBe('invalid_input');
    expect(error.message).toMatch(/^Invalid payload for event "export\.approved": /);
    expect(error.details?.map((detail) => detail.path).sort()).toEqual(['by', 'exportId']);
    const notAnObject = await server.request('POST', '/events/export.approved', { body: [1, 2] });
    expect(notAnObject.status).toBe(400);
    expect((await errorJson(notAnObject)).error.details?.[0]?.path).toBe('');
    // Nothing was sent: a valid event now is the one that resumes it, and the job still waits meanwhile.
    expect((await server.conveyor.getJob(jobId))?.state).toBe('scheduled');
    expect((await stepsOf(jobId)).find((step) => step.name === 'approval')?.status).toBe('waiting');
    const sent = (await (await server.request('POST', '/events/export.approved', { body: { exportId: 7, by: 'grace' } })).json()) as { resolvedJobIds: string[] };
    expect(sent.resolvedJobIds).toEqual([jobId]);
    expect(await server.conveyor.waitFor(jobId, { timeoutMs: 10_000 })).toMatchObject({ state: 'succeeded', result: '3 rows approved by grace' });
  });

  it('an undeclared event is 404 naming the declared ones; a malformed name is 400; both need the token', async () => {
    await start(store);
    const unknown = await server.request('POST', '/events/export.rejected', { body: { exportId: 1 } });
    expect(unknown.status).toBe(404);
    const { error } = await errorJson(unknown);
    expect(error).toMatchObject({ code: 'unknown_event', message: 'No event "export.rejected": this server declares only "export.approved", "export.cancelled".' });
    const malformed = await server.request('POST', `/events/${encodeURIComponent('no spaces')}`, { body: {} });
    expect(malformed.status).toBe(400);
    expect((await errorJson(malformed)).error.details?.[0]?.path).toBe('path.name');
    expect((await server.request('POST', '/events/export.approved', { body: { exportId: 1, by: 'ada' }, token: null })).status).toBe(401);
  });

  it('with no events declared, the 404 says how to declare them', async () => {
    await start(store, { eventDefinitions: [] });
    const { error } = await errorJson(await server.request('POST', '/events/export.approved', { body: { exportId: 1, by: 'ada' } }));
    expect(error.message).toMatch(/^No event "export\.approved": this server declares no events/);
  });

  it('sending an event draws on the enqueue rate limit, one per request; a refused payload costs nothing', async () => {
    await start(store, { enqueueRateLimit: { limit: 1, intervalMs: 60_000 } });
    expect((await server.request('POST', '/events/export.cancelled', { body: { exportId: 'one' } })).status).toBe(400);
    expect((await server.request('POST', '/events/export.cancelled', { body: { exportId: 1 } })).status).toBe(200);
    const limited = await server.request('POST', '/events/export.cancelled', { body: { exportId: 2 } });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).not.toBeNull();
    expect((await errorJson(limited)).error).toMatchObject({ code: 'rate_limited', message: expect.stringContaining('the event was not sent') });
  });

  it("carries the step on SSE job events: a step finishing, a sleep and a wait starting and ending", async () => {
    await start(store);
    const stream = await connectSse(`${server.url}/events?task=exports.approve`, { authorization: `Bearer ${TOKEN}` });
    try {
      await stream.waitFor((messages) => messages.some((message) => message.event === 'ready'));
      const jobId = await waitingExport(5);
      await stream.waitFor((messages) => jobEvents(messages).some((event) => event.step?.status === 'waiting'));
      expect((await server.request('POST', '/events/export.approved', { body: { exportId: 5, by: 'ada' } })).status).toBe(200);
      await stream.waitFor((messages) => jobEvents(messages).some((event) => event.state === 'succeeded'));
      const events = jobEvents(stream.messages).filter((event) => event.jobId === jobId);
      const steps = events.flatMap((event) => (event.step === null ? [] : [[event.step.name, event.step.kind, event.step.status]]));
      expect(steps).toContainEqual(['count-rows', 'run', 'succeeded']);
      expect(steps).toContainEqual(['cool-down', 'sleep', 'sleeping']);
      expect(steps).toContainEqual(['approval', 'wait', 'waiting']);
      expect(steps).toContainEqual(['approval', 'wait', 'succeeded']);
      expect(events.filter((event) => event.step === null).map((event) => event.state)).toContain('succeeded');
    } finally {
      await stream.close();
    }
  });
});

describe('the OpenAPI document', () => {
  let docServer: TestServer;
  afterEach(async () => docServer.close());

  it('documents POST /events/{name}, the steps of GET /jobs/{id} and the step of a job event', async () => {
    docServer = await startTestServer();
    const doc = (await (await docServer.request('GET', '/openapi.json')).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown }>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown>; required?: string[]; allOf?: Array<{ $ref?: string; properties?: Record<string, unknown>; required?: string[] }> }> };
    };
    const post = doc.paths['/events/{name}']?.post;
    expect(Object.keys(post?.responses ?? {}).sort()).toEqual(['200', '400', '401', '404', '413', '415', '429']);
    expect(post?.security).toEqual([{ Bearer: [] }]);
    expect(doc.components.schemas.SendEventResult?.required?.sort()).toEqual(['resolvedJobIds', 'seq']);
    expect(doc.components.schemas.JobDetail?.allOf?.[0]?.$ref).toBe('#/components/schemas/Job');
    expect(doc.components.schemas.JobDetail?.allOf?.[1]?.required).toEqual(['artifacts', 'steps']);
    expect(Object.keys(doc.components.schemas.Step?.properties ?? {})).toEqual(['name', 'kind', 'status', 'attempt', 'startedAt', 'finishedAt', 'durationMs', 'until', 'event', 'error']);
    expect(doc.components.schemas.JobEvent?.properties).toHaveProperty('step');
  });
});
