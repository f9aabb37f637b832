/**
 * A batch as a flow: one `images.process` job per image (the fan-out), all children of one
 * `images.summarise` job (the fan-in), stored in one transaction, all or none. Shared by the app's
 * `POST /batches` and the benchmark.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { flowStep, type Conveyor, type Flow, type JobState } from 'conveyor';
import type { DataPaths } from './config.js';
import { generateImages, type GeneratedImage } from './generate-images.js';
import { processImageTask, summariseTask } from './tasks.js';

export function newBatchId(): string {
  return `b${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
}

/** Enqueue the flow of a batch of images already on disk; the flow's id is its summary job's. */
export function enqueueBatch(conveyor: Conveyor, batchId: string, images: GeneratedImage[]): Promise<Flow> {
  return conveyor.flows.enqueue(
    flowStep(summariseTask, { batchId, images: images.length }, {
      children: images.map((image) => flowStep(processImageTask, { batchId, source: image.path, takenOn: image.takenOn })),
      // A dead image is counted in the summary instead of failing the whole batch.
      onChildFailure: 'continue',
    }),
  );
}

/** Generate a batch's images into the data folder, then enqueue its flow. */
export async function generateAndEnqueue(conveyor: Conveyor, paths: DataPaths, count: number, broken = 0): Promise<{ batchId: string; flow: Flow; images: GeneratedImage[] }> {
  const batchId = newBatchId();
  const images = await generateImages(join(paths.inputs, batchId), count, { prefix: batchId, broken });
  return { batchId, flow: await enqueueBatch(conveyor, batchId, images), images };
}

export interface BatchStatus {
  flowId: string;
  batchId: string;
  /** The summary job's state: `waiting` while images are processed, then `succeeded`. */
  state: JobState;
  /** The images' jobs by state, e.g. `{ succeeded: 28, running: 2 }`. */
  images: Partial<Record<JobState, number>>;
  summary: unknown;
}

/** Where a batch stands, or null when there is no such flow. */
export async function batchStatus(conveyor: Conveyor, flowId: string): Promise<BatchStatus | null> {
  const flow = await conveyor.flows.get(flowId);
  if (flow === null || flow.root.job.task !== summariseTask.name) return null;
  const images: Partial<Record<JobState, number>> = {};
  for (const child of flow.root.children) images[child.job.state] = (images[child.job.state] ?? 0) + 1;
  const input = flow.root.job.input as { batchId: string };
  return { flowId, batchId: input.batchId, state: flow.root.job.state, images, summary: flow.root.job.result };
}
