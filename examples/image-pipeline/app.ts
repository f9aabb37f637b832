/**
 * The example's own web app, beside Conveyor's API: what a product's back end would expose to its
 * users. It hands the work to Conveyor and answers at once; the client polls for the outcome.
 *
 * - `POST /batches` `{ images, broken? }`: generate that many images and process them as one flow.
 * - `GET /batches/:flowId`: the batch's progress, and its summary once done.
 * - `POST /exports` `{ start, end, group_by }`: a CSV of the processed images; a bad request is a 400
 *   naming the field, and nothing is enqueued.
 * - `GET /exports/:jobId`: the export's state, and once it succeeded a signed download link that
 *   works without any token (it is served by Conveyor's server, `CONVEYOR_PUBLIC_URL`).
 *
 * No authentication here: the app listens on loopback. A real app would put its users' auth in front.
 */
import { Hono, type Context } from 'hono';
import { MAX_FLOW_JOBS, type Conveyor } from 'conveyor';
import { z } from 'zod';
import { batchStatus, generateAndEnqueue } from './batches.js';
import type { DataPaths } from './config.js';
import { parseExportRequest, type FieldError } from './export-request.js';
import { exportTask, type ExportResult } from './tasks.js';

/** How long a download link stays valid. */
const LINK_EXPIRES_IN_MS = 60 * 60 * 1000;

const batchRequestSchema = z
  .object({
    images: z.int({ error: `must be a whole number of images from 1 to ${MAX_FLOW_JOBS - 1}` }).min(1).max(MAX_FLOW_JOBS - 1),
    broken: z.int().min(0).optional(),
  })
  .strict()
  .refine((request) => (request.broken ?? 0) <= request.images, { path: ['broken'], error: 'must not be more than images' });

export function createApp(conveyor: Conveyor, paths: DataPaths): Hono {
  const app = new Hono();

  app.post('/batches', async (c) => {
    const body = await jsonBody(c);
    if (!body.ok) return refuse(c, body.error);
    const parsed = batchRequestSchema.safeParse(body.value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return refuse(c, { field: issue.path.length === 0 ? 'body' : issue.path.map(String).join('.'), message: issue.message });
    }
    const { batchId, flow } = await generateAndEnqueue(conveyor, paths, parsed.data.images, parsed.data.broken ?? 0);
    return c.json({ batchId, flowId: flow.id, images: parsed.data.images, statusUrl: `/batches/${flow.id}` }, 202);
  });

  app.get('/batches/:flowId', async (c) => {
    const status = /^\d+$/.test(c.req.param('flowId')) ? await batchStatus(conveyor, c.req.param('flowId')) : null;
    return status === null ? notFound(c, `no batch with flow id ${JSON.stringify(c.req.param('flowId'))}`) : c.json(status);
  });

  app.post('/exports', async (c) => {
    const body = await jsonBody(c);
    if (!body.ok) return refuse(c, body.error);
    const parsed = parseExportRequest(body.value);
    // Refused before enqueue: nothing is stored for a request the task would refuse anyway.
    if (!parsed.ok) return refuse(c, parsed.error);
    const { job } = await conveyor.enqueue(exportTask, parsed.request);
    return c.json({ jobId: job.id, state: job.state, statusUrl: `/exports/${job.id}` }, 202);
  });

  app.get('/exports/:jobId', async (c) => {
    const jobId = c.req.param('jobId');
    const job = /^\d+$/.test(jobId) ? await conveyor.getJob(jobId) : null;
    if (job === null || job.task !== exportTask.name) return notFound(c, `no export with job id ${JSON.stringify(jobId)}`);
    const answer = { jobId: job.id, state: job.state, attempt: job.attempt, progress: job.progress, queue: job.queue };
    if (job.state === 'succeeded') {
      const result = job.result as ExportResult;
      const downloadUrl = await conveyor.artifacts.url(job.id, result.artifact, { expiresInMs: LINK_EXPIRES_IN_MS });
      return c.json({ ...answer, result, downloadUrl, expiresAt: new Date(Date.now() + LINK_EXPIRES_IN_MS).toISOString() });
    }
    const lastError = job.errors.at(-1)?.message ?? null;
    return c.json({ ...answer, lastError });
  });

  app.notFound((c) => notFound(c, `no route ${c.req.method} ${c.req.path}; this app serves POST /batches, GET /batches/:flowId, POST /exports, GET /exports/:jobId`));
  app.onError((error, c) => {
    process.stderr.write(`image-pipeline app: ${c.req.method} ${c.req.path} failed: ${error.stack ?? error.message}\n`);
    return c.json({ error: { message: `internal error: ${error.message}` } }, 500);
  });
  return app;
}

async function jsonBody(c: Context): Promise<{ ok: true; value: unknown } | { ok: false; error: FieldError }> {
  try {
    return { ok: true, value: await c.req.json() };
  } catch {
    return { ok: false, error: { field: 'body', message: 'must be a JSON object, e.g. {"start":"2026-01-01","end":"2026-03-31","group_by":"month"}' } };
  }
}

function refuse(c: Context, error: FieldError): Response {
  return c.json({ error }, 400);
}

function notFound(c: Context, message: string): Response {
  return c.json({ error: { message } }, 404);
}
