/**
 * What `GET /avatars/:uploadId` answers: one word for where the upload stands, read from its flow's
 * jobs (as stored by Conveyor) and its published record, plus the detail a user or a support
 * engineer needs (the virus found, the step that failed and why, the thumbnails' URLs).
 *
 * A pure function of what was read, so every case is testable without a store.
 */
import type { Flow, Job } from 'conveyor';
import type { PublishedRecord, UploadRecord } from './uploads.js';

export type AvatarStatus = 'scanning' | 'infected' | 'resizing' | 'publishing' | 'published' | 'failed';

/** Where one step of the flow is, as the app shows it. */
export interface StepView {
  task: string;
  jobId: string;
  state: Job['state'];
  attempt: number;
  maxAttempts: number;
  lastError: string | null;
}

export interface AvatarView {
  uploadId: string;
  flowId: string;
  status: AvatarStatus;
  /** Why it is infected (`infected: <signature>`) or failed; null otherwise. */
  reason: string | null;
  /** The virus signature clamd reported, when infected. */
  signature: string | null;
  /** scan, resize, publish, in the order they run. */
  steps: StepView[];
  /** When published: each thumbnail with the app's URL for it. */
  thumbnails: Array<{ name: string; width: number; height: number; bytes: number; url: string }>;
}

export const STEP_TASKS = ['avatars.scan', 'avatars.resize', 'avatars.publish'] as const;
const INFECTED = /^infected: (.+)$/;

/** The view of one upload; `thumbnailUrl(name)` makes the URL the app serves a thumbnail at. */
export function describeAvatar(
  upload: UploadRecord,
  flow: Flow | null,
  published: PublishedRecord | null,
  thumbnailUrl: (name: string) => string,
): AvatarView {
  const steps = STEP_TASKS.map((task) => flow?.jobs.find((job) => job.task === task)).filter((job): job is Job => job !== undefined).map(stepView);
  const base = { uploadId: upload.uploadId, flowId: upload.flowId, steps, reason: null, signature: null, thumbnails: [] };
  if (published !== null) {
    return {
      ...base,
      status: 'published',
      thumbnails: published.thumbnails.map(({ name, width, height, bytes }) => ({ name, width, height, bytes, url: thumbnailUrl(name) })),
    };
  }
  const [scan, resize] = steps;
  if (flow === null || scan === undefined) {
    // The flow was pruned by retention (or the store was reset) before anything was published.
    return { ...base, status: 'failed', reason: `flow ${upload.flowId} is no longer in the store` };
  }
  const infected = scan.state === 'dead' ? INFECTED.exec(scan.lastError ?? '') : null;
  if (infected?.[1] !== undefined) return { ...base, status: 'infected', reason: scan.lastError, signature: infected[1] };
  // The first step that ended without succeeding is the one to blame (its parents die naming it).
  const broken = steps.find((step) => step.state === 'dead' || step.state === 'cancelled');
  if (broken !== undefined) {
    return { ...base, status: 'failed', reason: `${broken.task} ${broken.state}: ${broken.lastError ?? 'no error recorded'}` };
  }
  if (scan.state !== 'succeeded') return { ...base, status: 'scanning' };
  if (resize === undefined || resize.state !== 'succeeded') return { ...base, status: 'resizing' };
  return { ...base, status: 'publishing' };
}

function stepView(job: Job): StepView {
  return {
    task: job.task,
    jobId: job.id,
    state: job.state,
    attempt: job.attempt,
    maxAttempts: job.maxAttempts,
    lastError: job.errors.at(-1)?.message ?? null,
  };
}
