/** describeAvatar: the status the app reports for each way a flow can stand (no store, no processes). */
import type { Flow, Job, JobState } from 'conveyor';
import { describe, expect, it } from 'vitest';
import { describeAvatar } from './avatar-state.js';
import type { PublishedRecord, UploadRecord } from './uploads.js';

const UPLOAD: UploadRecord = {
  uploadId: '3f1c2a9e-5b7d-4c1e-9a2b-0c4d6e8f1a2b',
  flowId: '3',
  bytes: 1234,
  contentType: 'image/png',
  fileName: null,
  receivedAt: '2026-12-04T15:00:00.000Z',
};
const url = (name: string): string => `/avatars/${UPLOAD.uploadId}/thumbnails/${name}`;

function job(id: string, task: string, state: JobState, attempt: number, errors: string[] = []): Job {
  const at = new Date('2026-12-04T15:00:00.000Z');
  return {
    id,
    task,
    queue: 'avatars',
    input: { uploadId: UPLOAD.uploadId },
    state,
    priority: 0,
    runAt: at,
    attempt,
    maxAttempts: 5,
    dedupKey: null,
    flowId: '3',
    parentId: null,
    onChildFailure: 'fail',
    hasChildren: task !== 'avatars.scan',
    concurrencyKey: null, traceContext: null,
    progress: null,
    result: null,
    errors: errors.map((message, index) => ({ attempt: index + 1, message, stack: null, at })),
    workerId: null,
    leaseExpiresAt: null,
    cancelRequestedAt: null,
    createdAt: at,
    startedAt: attempt > 0 ? at : null,
    finishedAt: null,
    updatedAt: at,
  };
}

/** The flow as Conveyor stores a chain: the root (publish) has the lowest id. */
function flow(scan: [JobState, number, string[]?], resize: [JobState, number, string[]?], publish: [JobState, number, string[]?]): Flow {
  const jobs = [job('3', 'avatars.publish', ...publish), job('2', 'avatars.resize', ...resize), job('1', 'avatars.scan', ...scan)];
  return { id: '3', root: { job: jobs[0]!, children: [] }, jobs };
}

describe('describeAvatar', () => {
  it('is scanning while the scan is queued (clamd down: attempt 0) or retrying, listing the steps in the order they run', () => {
    const view = describeAvatar(UPLOAD, flow(['queued', 0], ['waiting', 0], ['waiting', 0]), null, url);
    expect(view.status).toBe('scanning');
    expect(view.steps.map((step) => [step.task, step.state, step.attempt])).toEqual([
      ['avatars.scan', 'queued', 0],
      ['avatars.resize', 'waiting', 0],
      ['avatars.publish', 'waiting', 0],
    ]);
    expect(describeAvatar(UPLOAD, flow(['failed', 1, ['clamd at 127.0.0.1:3310 did not answer INSTREAM within 30000 ms']], ['waiting', 0], ['waiting', 0]), null, url).status).toBe('scanning');
  });

  it('is infected, with the signature, when the scan died of a verdict', () => {
    const view = describeAvatar(UPLOAD, flow(['dead', 1, ['infected: Win.Test.EICAR_HDB-1']], ['dead', 0, ['child failed']], ['dead', 0, ['child failed']]), null, url);
    expect(view).toMatchObject({ status: 'infected', signature: 'Win.Test.EICAR_HDB-1', reason: 'infected: Win.Test.EICAR_HDB-1', thumbnails: [] });
  });

  it('is failed, naming the first step that died and why, for any other death', () => {
    const view = describeAvatar(UPLOAD, flow(['succeeded', 1], ['dead', 1, ['not a decodable image (68 bytes): unsupported image format']], ['dead', 0, ['child failed']]), null, url);
    expect(view).toMatchObject({ status: 'failed', signature: null, reason: 'avatars.resize dead: not a decodable image (68 bytes): unsupported image format' });
  });

  it('is resizing, then publishing, as the steps succeed', () => {
    expect(describeAvatar(UPLOAD, flow(['succeeded', 1], ['running', 1], ['waiting', 0]), null, url).status).toBe('resizing');
    expect(describeAvatar(UPLOAD, flow(['succeeded', 1], ['succeeded', 1], ['running', 1]), null, url).status).toBe('publishing');
  });

  it('is published, with a URL per thumbnail, once the record exists', () => {
    const published: PublishedRecord = {
      uploadId: UPLOAD.uploadId,
      publishedAt: '2026-12-04T15:00:01.000Z',
      thumbnails: [{ name: 'avatar-64.webp', jobId: '2', width: 64, height: 64, bytes: 900 }],
    };
    const view = describeAvatar(UPLOAD, flow(['succeeded', 1], ['succeeded', 1], ['succeeded', 1]), published, url);
    expect(view).toMatchObject({ status: 'published', thumbnails: [{ name: 'avatar-64.webp', width: 64, height: 64, bytes: 900, url: url('avatar-64.webp') }] });
  });

  it('is failed when the flow is gone from the store before anything was published', () => {
    expect(describeAvatar(UPLOAD, null, null, url)).toMatchObject({ status: 'failed', reason: 'flow 3 is no longer in the store', steps: [] });
  });
});
