/**
 * `GET /jobs` stays small with huge jobs (issue 13, item 11): a list shows previews of input, result
 * and last error, whole fields only when `include` names them; `GET /jobs/{id}` shows everything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { sendEmail, startDashboardServer, TOKEN } from '../dashboard/testing/dashboard-server.js';
import { defineTask } from '../task.js';
import { SESSION_COOKIE } from './auth.js';
import type { JobDto } from './job-dto.js';
import type { JobSummaryDto } from './job-summary.js';
import { SessionAuthority } from './sessions.js';
import { errorJson, startTestServer, type TestServer } from './test-server.js';

const MB = 1024 * 1024;

const echoBlob = defineTask({
  name: 'blob.echo',
  input: z.object({ label: z.string(), blob: z.string() }),
  retry: { maxAttempts: 1 },
  run: (input) => {
    if (input.label === 'fail') throw new Error(`Refused: ${'e'.repeat(2 * MB)}`);
    return { echoed: input.blob };
  },
});

let server: TestServer;
const ids: Record<'succeeded' | 'dead' | 'queued', string> = { succeeded: '', dead: '', queued: '' };

beforeAll(async () => {
  server = await startTestServer({ tasks: [echoBlob] });
  const { conveyor } = server;
  // Run two jobs to the end (a 3 MB result; an error message as long as the worker stores), then queue a third after the worker stopped.
  ids.succeeded = (await conveyor.enqueue(echoBlob, { label: 'ok', blob: 'a'.repeat(3 * MB) })).job.id;
  ids.dead = (await conveyor.enqueue(echoBlob, { label: 'fail', blob: 'b'.repeat(3 * MB) })).job.id;
  const worker = conveyor.createWorker({ tasks: [echoBlob], pollIntervalMs: 20, maxResultBytes: 8 * MB });
  await worker.start();
  await conveyor.waitFor(ids.succeeded, { timeoutMs: 20_000 });
  await conveyor.waitFor(ids.dead, { timeoutMs: 20_000 });
  await worker.stop();
  ids.queued = (await conveyor.enqueue(echoBlob, { label: 'later', blob: 'c'.repeat(4 * MB) })).job.id;
}, 60_000);
afterAll(async () => {
  await server.close();
});

async function list(query = ''): Promise<{ bytes: number; jobs: JobSummaryDto[] }> {
  const response = await server.request('GET', `/jobs${query}`);
  expect(response.status).toBe(200);
  const text = await response.text();
  return { bytes: text.length, jobs: (JSON.parse(text) as { jobs: JobSummaryDto[] }).jobs };
}

describe('GET /jobs with jobs of several MB', () => {
  it('answers with previews only: a few KB for 13 MB of inputs and results', async () => {
    const { bytes, jobs } = await list();
    expect(bytes).toBeLessThan(10_000);
    expect(jobs.map((job) => job.id)).toEqual([ids.queued, ids.dead, ids.succeeded]);
    for (const job of jobs) {
      expect(job).not.toHaveProperty('input');
      expect(job).not.toHaveProperty('result');
      expect(job).not.toHaveProperty('errors');
    }
    const [queued, dead, succeeded] = jobs;
    expect(queued).toMatchObject({ state: 'queued', inputPreview: `{"label":"later","blob":"${'c'.repeat(200 - 25)}…`, resultPreview: null, errorCount: 0, lastError: null });
    expect(queued!.inputPreview).toHaveLength(201);
    expect(succeeded).toMatchObject({ state: 'succeeded', resultPreview: `{"echoed":"${'a'.repeat(200 - 11)}…`, errorCount: 0 });
    expect(dead).toMatchObject({ state: 'dead', errorCount: 1, lastError: { attempt: 1, message: `Refused: ${'e'.repeat(491)}…` } });
  });

  it('adds the whole fields include names, and refuses a field it does not know', async () => {
    const { bytes, jobs } = await list('?include=input,result&state=succeeded');
    expect(bytes).toBeGreaterThan(6 * MB);
    expect(jobs[0]).toMatchObject({ input: { label: 'ok', blob: 'a'.repeat(3 * MB) }, result: { echoed: 'a'.repeat(3 * MB) } });
    expect(jobs[0]).not.toHaveProperty('errors');
    const withErrors = await list('?include=errors&state=dead');
    expect(withErrors.jobs[0]?.errors?.[0]?.message.length).toBeGreaterThan(60_000);
    expect(withErrors.jobs[0]?.errors?.[0]?.stack).toEqual(expect.any(String));

    const refused = await server.request('GET', '/jobs?include=input,inptu');
    expect(refused.status).toBe(400);
    const { error } = await errorJson(refused);
    expect(error.details).toEqual([{ path: 'query.include', message: 'unknown field "inptu"; include takes input, result, errors, comma-separated' }]);
  });

  it('still shows everything of one job at GET /jobs/{id}', async () => {
    const response = await server.request('GET', `/jobs/${ids.succeeded}`);
    const { job } = (await response.json()) as { job: JobDto };
    expect(job.input).toEqual({ label: 'ok', blob: 'a'.repeat(3 * MB) });
    expect(job.result).toEqual({ echoed: 'a'.repeat(3 * MB) });
  });

  it('describes the lean list and include in the OpenAPI document', async () => {
    const doc = (await (await server.request('GET', '/openapi.json')).json()) as {
      paths: Record<string, { get?: { parameters?: Array<{ name: string }>; responses: Record<string, { content: Record<string, { schema: { $ref: string } }> }> } }>;
      components: { schemas: Record<string, { properties: Record<string, unknown>; required?: string[] }> };
    };
    const listJobs = doc.paths['/jobs']?.get;
    expect(listJobs?.parameters?.map((parameter) => parameter.name)).toContain('include');
    expect(listJobs?.responses['200']?.content['application/json']?.schema.$ref).toBe('#/components/schemas/JobSummaryList');
    const summary = doc.components.schemas.JobSummary!;
    expect(Object.keys(summary.properties)).toEqual(expect.arrayContaining(['inputPreview', 'resultPreview', 'errorCount', 'lastError', 'input', 'result', 'errors']));
    expect(summary.required).not.toContain('input');
  });
});

describe("the dashboard's jobs page with jobs of several MB", () => {
  it('shows a bounded preview of each input, so the page stays small', async () => {
    const dashboard = await startDashboardServer();
    try {
      for (let n = 0; n < 3; n++) await dashboard.conveyor.enqueue(sendEmail, { to: `${n}${'d'.repeat(3 * MB)}`, subject: 'big' });
      const session = await new SessionAuthority(dashboard.conveyor.loginSessions, [TOKEN]).open(TOKEN, new Date());
      const response = await fetch(`${dashboard.url}/dashboard/jobs`, { headers: { cookie: `${SESSION_COOKIE}=${session}` } });
      expect(response.status).toBe(200);
      const page = await response.text();
      expect(page.length).toBeLessThan(50_000);
      expect(page).toContain(`{&quot;to&quot;:&quot;2${'d'.repeat(100)}`);
    } finally {
      await dashboard.close();
    }
  });
});
