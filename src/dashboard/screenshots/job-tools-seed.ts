/**
 * What the job tools' screenshots show, added to the demo store after the main screenshots are
 * taken (its jobs would otherwise show as orphans on the overview): an upload pipeline run as a
 * flow, part done, part running, part waiting, and a task with a real input schema (an enum, a
 * nested object, an array) for the new-job form. Jobs move through the store as the demo seed's do.
 */
import { z } from 'zod';
import { flowStep } from '../../client/flows.js';
import type { Conveyor } from '../../conveyor.js';
import { defineTask, type Task } from '../../task.js';

const succeed = () => ({ ok: true });
const uploadInput = z.object({ uploadId: z.string(), width: z.number().int().optional() });

const scanUpload = defineTask({ name: 'upload.scan', queue: 'uploads', input: uploadInput, run: succeed });
const resizeUpload = defineTask({ name: 'upload.resize', queue: 'images', input: uploadInput, run: succeed });
const captionUpload = defineTask({ name: 'upload.caption', queue: 'ml', input: uploadInput, run: succeed });
const publishUpload = defineTask({ name: 'upload.publish', queue: 'uploads', input: uploadInput, run: succeed });

/** The new-job form's task: every kind of field the form draws. */
const exportDataset = defineTask({
  name: 'dataset.export',
  queue: 'analytics',
  input: z.object({
    datasetId: z.string().min(1).describe('e.g. ds_2291'),
    format: z.enum(['csv', 'parquet', 'xlsx']),
    range: z.object({ from: z.iso.date(), to: z.iso.date() }),
    maxRows: z.number().int().min(1).max(10_000_000).optional(),
    includeHeader: z.boolean().optional(),
    columns: z.array(z.string()).optional(),
  }),
  run: succeed,
});

export const JOB_TOOLS_DEMO_TASKS: Task[] = [scanUpload, resizeUpload, captionUpload, publishUpload, exportDataset];

/** The demo's historical worker id (a past deployment's, not registered). */
const PIPELINE_WORKER = '8a1f2c3d-0b4e-4f5a-9c6d-7e8f9a0b1c2d';

export interface JobToolsDemo {
  /** The flow's running resize job: the page whose tree is photographed. */
  flowJobId: string;
}

/** Enqueue the upload flow and move its first jobs on: scan and the small resize done, the large resize running. */
export async function seedJobToolsDemo(conveyor: Conveyor): Promise<JobToolsDemo> {
  const uploadId = 'up_7f3a9c';
  const flow = await conveyor.flows.enqueue(
    flowStep(publishUpload, { uploadId }, {
      children: [
        flowStep(resizeUpload, { uploadId, width: 1280 }, { children: [flowStep(scanUpload, { uploadId })] }),
        flowStep(resizeUpload, { uploadId, width: 320 }),
        flowStep(captionUpload, { uploadId }),
      ],
    }),
  );
  // Claims at a time after the enqueue, so every job of the flow is due.
  const now = new Date();
  const find = (task: Task, width?: number) => {
    const job = flow.jobs.find((candidate) => candidate.task === task.name && (candidate.input as { width?: number }).width === width);
    if (job === undefined) throw new Error(`demo seed: the upload flow has no ${task.name} job${width === undefined ? '' : ` of width ${width}`}`);
    return job;
  };
  const [scan, small, large] = [find(scanUpload), find(resizeUpload, 320), find(resizeUpload, 1280)];
  // The small resize first: once the scan is done, the large one (a lower id) is queued too and would be claimed first.
  await runOne(conveyor, small.id, resizeUpload, now, { file: `${uploadId}_320.webp`, bytes: 18_204 });
  await runOne(conveyor, scan.id, scanUpload, now, { clean: true, engine: 'clamav 1.3' });
  await claimExactly(conveyor, large.id, resizeUpload, now);
  return { flowJobId: large.id };
}

async function claimExactly(conveyor: Conveyor, id: string, task: Task, now: Date): Promise<void> {
  const claimed = await conveyor.store.jobs.claim({ queues: [task.queue], tasks: [task.name], workerId: PIPELINE_WORKER, limit: 1, now, leaseExpiresAt: new Date(now.getTime() + 3_600_000) });
  if (claimed[0]?.id !== id) throw new Error(`demo seed: claimed ${claimed[0]?.id ?? 'nothing'} instead of job ${id}`);
}

async function runOne(conveyor: Conveyor, id: string, task: Task, now: Date, result: unknown): Promise<void> {
  await claimExactly(conveyor, id, task, now);
  await conveyor.store.jobs.setStateIfRunningMany({ updates: [{ kind: 'succeeded', id, attempt: 1, workerId: PIPELINE_WORKER, at: new Date(now.getTime() + 900), result }] });
}
